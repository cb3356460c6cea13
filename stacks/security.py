"""Security layer: the functions' execution roles and log groups, service roles, secrets, and the
VPC endpoints that keep traffic to AWS inside the network."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from envs import EnvConfig
from modules.audit import Audit, AuditProps, AuditReplica, AuditScope
from modules.iam import DataAccess, FunctionRoles, FunctionRolesProps, firehose_role
from modules.kms import EncryptionKey, EncryptionKeyProps, log_groups_grant
from modules.naming import FUNCTION_LOG_GROUPS
from modules.s3 import bucket_name
from modules.secrets import ApiSecrets, ApiSecretsProps
from modules.vpc_endpoints import VpcEndpoints, VpcEndpointsProps
from stacks.base import LayerStack, add_aws_provider
from stacks.foundation import FoundationStack
from stacks.layers import Layer


class SecurityStack(LayerStack):
    """Exposes ``function_roles``, ``firehose_role``, ``jwt_secret``, ``logs_key``, ``audit`` (the
    CloudTrail trail) and ``endpoints``."""

    def __init__(self, scope: Construct, config: EnvConfig, foundation: FoundationStack) -> None:
        super().__init__(scope, Layer.SECURITY, config)
        self.logs_key = EncryptionKey(
            self,
            "function-logs-key",
            config,
            EncryptionKeyProps(
                purpose="function-logs",
                description=f"Encrypts the Lambda log groups of {config.name}",
                grants=[log_groups_grant(config, f"{FUNCTION_LOG_GROUPS}{config.resource_name()}-")],
            ),
        )
        self.secrets_key = EncryptionKey(
            self,
            "secrets-key",
            config,
            EncryptionKeyProps(purpose="secrets", description=f"Encrypts the API secrets of {config.name}"),
        )
        self.api_secrets = ApiSecrets(self, "api-secrets", config, ApiSecretsProps(key=self.secrets_key.key))
        self.jwt_secret = self.api_secrets.jwt_keys
        storage = foundation.storage
        access = DataAccess(
            voicemail_bucket=storage.voicemail.bucket,
            exports_bucket=storage.exports.bucket,
            command_center_bucket=storage.command_center.bucket,
            storage_key=storage.key.key,
            jwt_secret=self.jwt_secret,
            secrets_key=self.secrets_key.key,
        )
        self.function_roles = FunctionRoles(
            self, "function-roles", config, FunctionRolesProps(access=access, logs_key=self.logs_key.key)
        )
        self.firehose_role = firehose_role(self, config, access)
        self.audit = Audit(
            self,
            "audit",
            config,
            AuditProps(
                scope=AuditScope.ENV,
                watched_buckets=[storage.recordings.bucket, storage.voicemail.bucket, storage.screen_recordings.bucket],
                access_logs=storage.access_logs,
                bucket_name=bucket_name(config, "audit"),
                prevent_destroy=not config.storage.force_destroy,  # as the data buckets
                replica=self._audit_replica(config, foundation),
            ),
        )
        network = foundation.network
        self.endpoints = VpcEndpoints(
            self,
            "vpc-endpoints",
            config,
            VpcEndpointsProps(
                vpc_id=network.vpc.id,
                private_subnet_ids=[subnet.id for subnet in network.private_subnets],
                private_route_table_ids=[table.id for table in network.private_route_tables],
            ),
        )
        TerraformOutput(self, "jwt_secret_arn", value=self.jwt_secret.arn)
        TerraformOutput(
            self,
            "function_role_arns",
            value={function.value: identity.role.arn for function, identity in self.function_roles.functions.items()},
        )

    def _audit_replica(self, config: EnvConfig, foundation: FoundationStack) -> AuditReplica | None:
        """The env trail's DR twin, beside the data buckets' twins (their region, their log bucket)."""
        region, replica_site = config.storage.cross_region_replication_region, foundation.storage.replica
        if region is None or replica_site is None:
            return None
        return AuditReplica(
            provider=add_aws_provider(self, config, Layer.SECURITY.value, region=region, alias="replica"),
            access_logs=replica_site.access_logs,
            bucket_name=bucket_name(config, f"{AuditScope.ENV.value}-replica"),
        )
