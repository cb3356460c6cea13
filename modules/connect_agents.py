"""Who works in the Amazon Connect instance: security profiles, the agent hierarchy and the agents
(users), all from ``[connect]``; adding an agent is one ``[[connect.agents]]`` table.

Agents sign in through the instance's identity (``connect.identity``: SAML or an existing
directory), so no password is in an env file, the synthesized stack or Terraform state; the env
rules refuse agents on a CONNECT_MANAGED instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.connect_instance import ConnectInstance
from cdktf_cdktf_provider_aws.connect_routing_profile import ConnectRoutingProfile
from cdktf_cdktf_provider_aws.connect_security_profile import ConnectSecurityProfile
from cdktf_cdktf_provider_aws.connect_user import ConnectUser, ConnectUserIdentityInfo, ConnectUserPhoneConfig
from cdktf_cdktf_provider_aws.connect_user_hierarchy_group import ConnectUserHierarchyGroup
from cdktf_cdktf_provider_aws.connect_user_hierarchy_structure import (
    ConnectUserHierarchyStructure,
    ConnectUserHierarchyStructureHierarchyStructure,
    ConnectUserHierarchyStructureHierarchyStructureLevelFive,
    ConnectUserHierarchyStructureHierarchyStructureLevelFour,
    ConnectUserHierarchyStructureHierarchyStructureLevelOne,
    ConnectUserHierarchyStructureHierarchyStructureLevelThree,
    ConnectUserHierarchyStructureHierarchyStructureLevelTwo,
)
from constructs import Construct

from envs import EnvConfig
from envs.schema import AgentConfig

LEVELS = (
    ("level_one", ConnectUserHierarchyStructureHierarchyStructureLevelOne),
    ("level_two", ConnectUserHierarchyStructureHierarchyStructureLevelTwo),
    ("level_three", ConnectUserHierarchyStructureHierarchyStructureLevelThree),
    ("level_four", ConnectUserHierarchyStructureHierarchyStructureLevelFour),
    ("level_five", ConnectUserHierarchyStructureHierarchyStructureLevelFive),
)


@dataclass(frozen=True)
class AgentsProps:
    instance: ConnectInstance  # the instance the agents work in
    routing_profiles: Mapping[str, ConnectRoutingProfile]  # by config name


class Agents(Construct):
    """Exposes ``security_profiles`` (name -> profile), ``hierarchy`` (the structure, or None),
    ``groups`` (name -> hierarchy group) and ``users`` (username -> user)."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: AgentsProps) -> None:
        super().__init__(scope, construct_id)
        self._config, self._props = config, props
        connect = config.connect
        instance_id = props.instance.id
        self.security_profiles = {
            profile.name: ConnectSecurityProfile(
                self,
                f"security-profile-{profile.name}",
                instance_id=instance_id,
                name=profile.name,
                description=profile.description,
                permissions=list(profile.permissions),
            )
            for profile in connect.security_profiles
        }
        self.hierarchy = self._hierarchy()
        self.groups: dict[str, ConnectUserHierarchyGroup] = {}
        for group in connect.hierarchy.groups:  # parents are listed first (env rules)
            self.groups[group.name] = ConnectUserHierarchyGroup(
                self,
                f"group-{group.name}",
                instance_id=instance_id,
                name=group.name,
                parent_group_id=self.groups[group.parent].hierarchy_group_id if group.parent else None,
                depends_on=[self.hierarchy] if self.hierarchy else None,
            )
        self.users = {agent.username: self._user(agent) for agent in connect.agents}

    def _hierarchy(self) -> ConnectUserHierarchyStructure | None:
        levels = self._config.connect.hierarchy.levels
        if not levels:
            return None
        pairs = zip(LEVELS, levels, strict=False)
        structure: dict[str, Any] = {field: kind(name=name) for (field, kind), name in pairs}
        return ConnectUserHierarchyStructure(
            self,
            "hierarchy",
            instance_id=self._props.instance.id,
            hierarchy_structure=ConnectUserHierarchyStructureHierarchyStructure(**structure),
        )

    def _user(self, agent: AgentConfig) -> ConnectUser:
        return ConnectUser(
            self,
            f"user-{agent.username}",
            instance_id=self._props.instance.id,
            name=agent.username,
            identity_info=ConnectUserIdentityInfo(
                first_name=agent.first_name, last_name=agent.last_name, email=agent.email
            ),
            phone_config=ConnectUserPhoneConfig(
                phone_type=agent.phone_type,
                auto_accept=agent.auto_accept,
                after_contact_work_time_limit=agent.after_contact_work_seconds,
                desk_phone_number=agent.desk_phone_number,
            ),
            routing_profile_id=self._props.routing_profiles[agent.routing_profile].routing_profile_id,
            security_profile_ids=[self.security_profiles[name].security_profile_id for name in agent.security_profiles],
            hierarchy_group_id=self.groups[agent.hierarchy_group].hierarchy_group_id if agent.hierarchy_group else None,
        )
