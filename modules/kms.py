"""A customer-managed KMS key with rotation, an alias, and a key policy scoped to its users.

Used by every construct that encrypts (buckets, the database, streams, functions, queues, logs),
so that every key in the platform follows the same policy shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from envs import EnvConfig
from modules.naming import log_group_arn, log_group_arn_pattern
from modules.policy import Statement, policy_document

# What a service needs to use a key for envelope encryption; no key administration.
SERVICE_KEY_ACTIONS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*")


@dataclass(frozen=True)
class KeyGrant:
    """An AWS service principal allowed to use the key, fenced by a condition (e.g. encryption context)."""

    service: str
    condition: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


# Describe requests carry no encryption context, so a grant fenced by one could never use them
# (parliament: UNKNOWN_CONDITION_FOR_ACTION); such a grant leaves them out instead of granting nothing.
DESCRIBE_ACTIONS = frozenset({"kms:Describe*"})


def grant_actions(grant: KeyGrant) -> list[str]:
    fenced_by_context = any(
        key.startswith("kms:EncryptionContext") for test in grant.condition.values() for key in test
    )
    return [action for action in SERVICE_KEY_ACTIONS if not (fenced_by_context and action in DESCRIBE_ACTIONS)]


@dataclass(frozen=True)
class EncryptionKeyProps:
    """``purpose`` names the key and its alias; ``grants`` lists the services that may use it."""

    purpose: str  # short name: the alias is alias/<prefix>-<env>-<purpose>
    description: str  # what the key encrypts, as the console shows it
    grants: Sequence[KeyGrant] = ()  # services that may use the key, each with its condition (default: none)
    deletion_window_days: int = 30  # days a scheduled deletion waits (AWS: 7-30; default 30)
    # Another region's provider (replica keys); None uses the stack's default provider.
    provider: TerraformProvider | None = None  # another region's provider (DR replicas); default: the stack's

    def __post_init__(self) -> None:
        if not 7 <= self.deletion_window_days <= 30:
            raise ValueError(f"deletion_window_days must be 7-30, got {self.deletion_window_days}")


def log_group_grant(config: EnvConfig, name: str) -> KeyGrant:
    """CloudWatch Logs may use the key for the one log group ``name``."""
    return KeyGrant(
        service=f"logs.{config.region}.amazonaws.com",
        condition={"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arn(config, name)}},
    )


def log_groups_grant(config: EnvConfig, name_prefix: str) -> KeyGrant:
    """CloudWatch Logs may use the key, but only for log groups whose name starts with ``name_prefix``."""
    return KeyGrant(
        service=f"logs.{config.region}.amazonaws.com",
        condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_group_arn_pattern(config, name_prefix)}},
    )


class EncryptionKey(Construct):
    """Exposes ``key`` (use ``key.arn``) and ``alias``."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: EncryptionKeyProps) -> None:
        super().__init__(scope, construct_id)
        account_root = f"arn:{config.partition}:iam::{config.account_id}:root"
        statements = [
            # Without this the key becomes unmanageable: IAM policies of the account decide who administers it.
            Statement(
                sid="AccountAdministersKeyThroughIam",
                actions=["kms:*"],
                resources=["*"],  # in a key policy, "*" means this key
                principal={"AWS": account_root},
            ),
            *(
                Statement(
                    sid=f"Allow{grant.service.split('.')[0].title()}Service",
                    actions=grant_actions(grant),
                    resources=["*"],
                    principal={"Service": grant.service},
                    condition=grant.condition,
                )
                for grant in props.grants
            ),
        ]
        on = props.provider  # None: the stack's default provider
        self.key = KmsKey(
            self,
            "key",
            provider=on,
            description=props.description,
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_days,
            policy=policy_document(*statements),
            tags={"Name": config.resource_name(props.purpose)},
        )
        self.alias = KmsAlias(
            self,
            "alias",
            provider=on,
            name=f"alias/{config.resource_name(props.purpose)}",
            target_key_id=self.key.key_id,
        )
