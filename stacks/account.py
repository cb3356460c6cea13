"""Account stack: what exists once per AWS account (and region), however many envs share it.

- API Gateway's account settings and their CloudWatch role (modules/account.py);
- the account's audit trail of every API call (modules/audit.py, ``AuditScope.ACCOUNT``) with its
  bucket, access-log bucket and alarms, unless ``audit.organization_trail_arn`` adopts an
  organization trail that already records the account.

Deployed by the one env of each account and region that ``api.manage_account_logging`` names, as
``account-<env>`` with its state beside that env's stacks; the other envs of the account rely on it.
"""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from envs import EnvConfig
from modules.account import ApiGatewayAccountSettings
from modules.audit import Audit, AuditProps, AuditReplica, AuditScope
from modules.naming import bucket_arn
from modules.s3 import bucket_name
from modules.secure_bucket import access_log_bucket
from stacks.base import EnvStack, add_aws_provider

ACCOUNT_PART = "account"


class AccountStack(EnvStack):
    """Exposes ``api_gateway`` (the account's API Gateway settings and their CloudWatch role) and
    ``audit`` (the account trail; None when an organization trail is adopted)."""

    def __init__(self, scope: Construct, config: EnvConfig) -> None:
        super().__init__(scope, ACCOUNT_PART, config)
        self.api_gateway = ApiGatewayAccountSettings(self, "api-gateway", config)
        TerraformOutput(self, "api_gateway_cloudwatch_role_arn", value=self.api_gateway.role.role.arn)
        self.audit = self._account_trail(config) if config.audit.organization_trail_arn is None else None
        TerraformOutput(
            self,
            "account_trail_arn",
            value=self.audit.trail.arn if self.audit else config.audit.organization_trail_arn,
        )

    def _account_trail(self, config: EnvConfig) -> Audit:
        trail_bucket = bucket_name(config, AuditScope.ACCOUNT.value)
        logs = access_log_bucket(
            self,
            "access-logs",
            config,
            bucket_name=bucket_name(config, f"{AuditScope.ACCOUNT.value}-logs"),
            source_bucket_pattern=bucket_arn(config, trail_bucket),
        )
        return Audit(
            self,
            "audit",
            config,
            AuditProps(
                scope=AuditScope.ACCOUNT,
                access_logs=logs,
                bucket_name=trail_bucket,
                prevent_destroy=not config.storage.force_destroy,
                replica=self._trail_replica(config),
            ),
        )

    def _trail_replica(self, config: EnvConfig) -> AuditReplica | None:
        """The account trail's DR twin (storage.cross_region_replication_region), with its own log bucket there."""
        region = config.storage.cross_region_replication_region
        if region is None:
            return None
        provider = add_aws_provider(self, config, ACCOUNT_PART, region=region, alias="replica")
        twin = bucket_name(config, f"{AuditScope.ACCOUNT.value}-replica")
        logs = access_log_bucket(
            self,
            "replica-access-logs",
            config,
            bucket_name=bucket_name(config, f"{AuditScope.ACCOUNT.value}-logs-replica"),
            source_bucket_pattern=bucket_arn(config, twin),
            provider=provider,
        )
        return AuditReplica(provider=provider, access_logs=logs, bucket_name=twin)
