"""Roles that AWS services assume on the platform's behalf, built the same way in every layer:
trusted by one service, only for this account (and, where the service says, only from its own
resources), with an inline least-privilege policy and/or AWS-managed policies.

``service_role`` is the building block; the roles a construct needs live with it or here when
several layers share the pattern (VPC Flow Logs, RDS enhanced monitoring).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from envs import EnvConfig
from modules.naming import regional_arn
from modules.policy import Statement, policy_document, service_trust_policy


@dataclass(frozen=True)
class ServiceRole:
    """A service's role and its inline least-privilege policy (None when only managed policies apply)."""

    role: IamRole
    policy: IamRolePolicy | None


def service_role(
    scope: Construct,
    construct_id: str,
    config: EnvConfig,
    *,
    name: str,
    service: str,
    description: str,
    statements: Sequence[Statement] = (),
    managed_policy_arns: Sequence[str] = (),
    source_arn_pattern: str | None = None,
) -> ServiceRole:
    """A role only ``service`` can assume, only on behalf of this account (confused-deputy guard)."""
    condition: dict[str, Mapping[str, str]] = {"StringEquals": {"aws:SourceAccount": config.account_id}}
    if source_arn_pattern is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn_pattern}
    role = IamRole(
        scope,
        construct_id,
        name=name,
        description=description,
        assume_role_policy=service_trust_policy(service, condition=condition),
    )
    policy = (
        IamRolePolicy(
            scope, f"{construct_id}-policy", role=role.id, name="least-privilege", policy=policy_document(*statements)
        )
        if statements
        else None
    )
    for index, arn in enumerate(managed_policy_arns):
        IamRolePolicyAttachment(scope, f"{construct_id}-managed-{index}", role=role.name, policy_arn=arn)
    return ServiceRole(role=role, policy=policy)


def flow_logs_role(scope: Construct, config: EnvConfig, log_group: CloudwatchLogGroup) -> ServiceRole:
    """VPC Flow Logs may write to the platform's flow log group and nothing else."""
    return service_role(
        scope,
        "flow-log-role",
        config,
        name=config.resource_name("vpc-flow-logs"),
        service="vpc-flow-logs.amazonaws.com",
        description="Lets VPC Flow Logs write to the platform's flow log group only",
        source_arn_pattern=regional_arn(config, "ec2", "vpc-flow-log/*"),
        statements=[
            Statement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[log_group.arn, f"{log_group.arn}:*"],
            ),
            # DescribeLogGroups has no resource type: scoped to log groups it would be granted on nothing.
            Statement(actions=["logs:DescribeLogGroups"], resources=["*"]),
        ],
    )


def rds_monitoring_role(scope: Construct, config: EnvConfig) -> ServiceRole:
    """Enhanced monitoring publishes OS metrics with AWS's managed policy, which is scoped to the
    RDSOSMetrics log group; there is nothing narrower to write by hand."""
    return service_role(
        scope,
        "monitoring-role",
        config,
        name=config.resource_name("rds-monitoring"),
        service="monitoring.rds.amazonaws.com",
        description="Lets RDS enhanced monitoring publish OS metrics to CloudWatch Logs",
        managed_policy_arns=[f"arn:{config.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"],
    )
