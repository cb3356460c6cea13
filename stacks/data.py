"""Data layer: the PostgreSQL database and the queue-experience table, under one data key, and the
functions' access to them (granted here, on the security layer's roles)."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from envs import EnvConfig
from modules.dynamodb import QueueExperienceTable, QueueExperienceTableProps
from modules.iam import DataLayerGrants, DataLayerGrantsProps
from modules.kms import EncryptionKey, EncryptionKeyProps, log_groups_grant
from modules.rds import Database, DatabaseProps, database_log_groups
from stacks.base import LayerStack, add_aws_provider
from stacks.foundation import FoundationStack
from stacks.layers import Layer
from stacks.security import SecurityStack


class DataStack(LayerStack):
    """Exposes ``key``, ``database`` (its ``connection`` secret is what the functions are given) and
    ``queue_experience`` for the later layers, and ``grants``."""

    def __init__(
        self, scope: Construct, config: EnvConfig, foundation: FoundationStack, security: SecurityStack
    ) -> None:
        super().__init__(scope, Layer.DATA, config)
        network = foundation.network
        self.key = EncryptionKey(
            self,
            "data-key",
            config,
            EncryptionKeyProps(
                purpose="data",
                description=f"Encrypts the database, its secret, Performance Insights and the table of {config.name}",
                grants=[log_groups_grant(config, database_log_groups(config))],
            ),
        )
        self.database = Database(
            self,
            "database",
            config,
            DatabaseProps(
                vpc_id=network.vpc.id,
                subnet_ids=[subnet.id for subnet in network.private_subnets],
                client_security_group_id=network.lambda_security_group.id,
                key=self.key.key,
                backup_replica_provider=(
                    None
                    if config.rds.backup_replication_region is None
                    else add_aws_provider(
                        self, config, Layer.DATA.value, region=config.rds.backup_replication_region, alias="dr"
                    )
                ),
            ),
        )
        self.queue_experience = QueueExperienceTable(
            self, "queue-experience", config, QueueExperienceTableProps(key=self.key.key)
        )
        instance = self.database.instance
        self.grants = DataLayerGrants(
            self,
            "grants",
            config,
            DataLayerGrantsProps(
                roles={function: identity.role for function, identity in security.function_roles.functions.items()},
                table=self.queue_experience.table,
                connection_secret=self.database.connection,
                credentials_secret_arn=instance.master_user_secret.get(0).secret_arn,
                key=self.key.key,
            ),
        )
        TerraformOutput(self, "database_endpoint", value=instance.address)
        TerraformOutput(self, "database_secret_arn", value=instance.master_user_secret.get(0).secret_arn)
        TerraformOutput(self, "queue_experience_table", value=self.queue_experience.table.name)
