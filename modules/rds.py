"""RDS stack of the architecture: the PostgreSQL 16.4 database of the core API.

Private (subnet group in the private subnets, security group admitting only the functions'
security group), encrypted with the data layer's key, TLS forced by the parameter group, master
password generated and rotated by RDS in Secrets Manager (it never appears in code or state),
IAM database authentication on, logs exported to encrypted log groups. Protection (Multi-AZ,
deletion protection + ``prevent_destroy``, final snapshot, backup retention) and the
architecture's manual snapshot are switches in ``[rds]`` of the env file.

Recovery is config too (README runbook): the instance is created from ``rds.restore_from_snapshot``
or from automated backups at ``rds.restore_to_point_in_time``, and with
``rds.backup_replication_region`` its automated backups are replicated to the DR region under a
key of that region, so the env can be stood up there from data alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Fn, TerraformProvider, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.db_instance import DbInstance, DbInstanceRestoreToPointInTime
from cdktf_cdktf_provider_aws.db_instance_automated_backups_replication import DbInstanceAutomatedBackupsReplication
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.db_snapshot import DbSnapshot
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from cdktf_cdktf_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupIngress
from constructs import Construct

from envs import EnvConfig
from envs.schema import PointInTimeRestore
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.naming import POSTGRES_PORT
from modules.service_roles import rds_monitoring_role

PARAMETER_GROUP_FAMILY = "postgres16"
# Exported to CloudWatch Logs; each gets a group we create first (encrypted, with retention).
LOG_EXPORTS = ("postgresql", "upgrade")

# TLS only, and enough logging to investigate an incident without logging every statement.
PARAMETERS: tuple[tuple[str, str, str], ...] = (
    ("rds.force_ssl", "1", "immediate"),
    ("ssl_min_protocol_version", "TLSv1.2", "immediate"),
    ("password_encryption", "scram-sha-256", "immediate"),
    ("log_connections", "1", "immediate"),
    ("log_disconnections", "1", "immediate"),
    ("log_lock_waits", "1", "immediate"),
    ("log_min_duration_statement", "1000", "immediate"),  # ms: slow queries only
    ("log_statement", "ddl", "immediate"),
    ("log_temp_files", "0", "immediate"),
    ("shared_preload_libraries", "pg_stat_statements", "pending-reboot"),
)


@dataclass(frozen=True)
class DatabaseProps:
    """Where the database sits and who may reach it; ``key`` encrypts storage, secret, PI and logs."""

    vpc_id: str  # VPC of the database's security group
    subnet_ids: Sequence[str]  # private subnets of its subnet group (one per AZ)
    client_security_group_id: str  # the only security group admitted on the Postgres port (the functions')
    key: KmsKey  # encrypts storage, the managed master secret and Performance Insights
    # provider of rds.backup_replication_region (replicated automated backups); None: not replicated
    backup_replica_provider: TerraformProvider | None = None

    def __post_init__(self) -> None:
        if len(self.subnet_ids) < 2:
            raise ValueError("an RDS subnet group needs subnets in at least two availability zones")


def database_identifier(config: EnvConfig) -> str:
    return config.resource_name("postgres")


def point_in_time(restore: PointInTimeRestore | None) -> DbInstanceRestoreToPointInTime | None:
    """The provider's restore block: an explicit UTC time, or the latest restorable time."""
    if restore is None:
        return None
    return DbInstanceRestoreToPointInTime(
        source_db_instance_identifier=restore.source_instance,
        source_db_instance_automated_backups_arn=restore.source_automated_backups_arn,
        restore_time=restore.restore_time.isoformat().replace("+00:00", "Z") if restore.restore_time else None,
        use_latest_restorable_time=True if restore.restore_time is None else None,
    )


def connection_secret_name(config: EnvConfig) -> str:
    return f"{config.resource_name()}/database/connection"


def database_log_groups(config: EnvConfig) -> str:
    """Where RDS exports the instance's logs: one group per log under this prefix."""
    return f"/aws/rds/instance/{database_identifier(config)}/"


def database_log_group_name(config: EnvConfig, log: str) -> str:
    return f"{database_log_groups(config)}{log}"


class Database(Construct):
    """Exposes ``instance`` (``instance.master_user_secret.get(0).secret_arn`` is the credentials
    secret), ``connection`` (the secret the functions find the database through), ``security_group``,
    ``parameter_group``, ``subnet_group``, ``monitoring_role``, ``manual_snapshot`` and
    ``backup_replication`` (each None when off).

    Why a connection secret: its ARN exists as soon as the secret does, while the instance's address
    and its RDS-managed credentials secret exist only once the instance is available (the provider
    waits at least 80 s, ``tools/provider_waits.py``, and minutes on AWS). The functions are
    configured with the connection secret, so no layer waits for the database to be created, and an
    instance replaced or restored elsewhere is picked up by the functions' next read of the secret
    (they cache it for five minutes) without a redeploy of the integration layer."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: DatabaseProps) -> None:
        super().__init__(scope, construct_id)
        rds = config.rds
        identifier = database_identifier(config)
        self.security_group = SecurityGroup(
            self,
            "security-group",
            name=config.resource_name("postgres"),
            description="PostgreSQL: 5432 from the platform's Lambda functions only",
            vpc_id=props.vpc_id,
            ingress=[
                SecurityGroupIngress(
                    description="PostgreSQL from the Lambda security group",
                    protocol="tcp",
                    from_port=POSTGRES_PORT,
                    to_port=POSTGRES_PORT,
                    security_groups=[props.client_security_group_id],
                )
            ],
            revoke_rules_on_delete=True,
            tags={"Name": config.resource_name("postgres")},
        )
        self.subnet_group = DbSubnetGroup(
            self,
            "subnet-group",
            name=identifier,
            description="Private subnets of the platform VPC",
            subnet_ids=list(props.subnet_ids),
        )
        self.parameter_group = DbParameterGroup(
            self,
            "parameter-group",
            name=identifier,
            family=PARAMETER_GROUP_FAMILY,
            description="TLS-only PostgreSQL 16 with incident-grade logging",
            parameter=[
                DbParameterGroupParameter(name=name, value=value, apply_method=method)
                for name, value, method in PARAMETERS
            ]
            if rds.enforce_parameters
            else None,
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        log_groups = [
            CloudwatchLogGroup(
                self,
                f"log-group-{log}",
                name=database_log_group_name(config, log),
                retention_in_days=config.monitoring.log_retention_days,
                kms_key_id=props.key.arn,
            )
            for log in LOG_EXPORTS
        ]
        self.monitoring_role = rds_monitoring_role(self, config).role if rds.monitoring_interval_seconds else None
        self.instance = DbInstance(
            self,
            "instance",
            identifier=identifier,
            engine="postgres",
            engine_version=rds.engine_version,
            # Minor versions move only through a reviewed change of rds.engine_version.
            auto_minor_version_upgrade=False,
            instance_class=rds.instance_class,
            allocated_storage=rds.allocated_storage_gib,
            max_allocated_storage=rds.max_allocated_storage_gib,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=props.key.arn,
            # Restored: the data, its name and its master user come from the snapshot or the backups.
            snapshot_identifier=rds.restore_from_snapshot,
            restore_to_point_in_time=point_in_time(rds.restore_to_point_in_time),
            db_name=rds.database_name,
            username=rds.master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=props.key.arn,
            iam_database_authentication_enabled=True,
            port=POSTGRES_PORT,
            db_subnet_group_name=self.subnet_group.name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=self.parameter_group.name,
            publicly_accessible=False,
            multi_az=rds.multi_az,
            deletion_protection=rds.deletion_protection,
            skip_final_snapshot=not rds.final_snapshot,
            final_snapshot_identifier=f"{identifier}-final" if rds.final_snapshot else None,
            backup_retention_period=rds.backup_retention_days,
            backup_window=rds.backup_window,
            maintenance_window=rds.maintenance_window,
            copy_tags_to_snapshot=True,
            delete_automated_backups=not rds.deletion_protection,
            performance_insights_enabled=rds.performance_insights,
            performance_insights_kms_key_id=props.key.arn if rds.performance_insights else None,
            performance_insights_retention_period=(
                rds.performance_insights_retention_days if rds.performance_insights else None
            ),
            monitoring_interval=rds.monitoring_interval_seconds,
            monitoring_role_arn=self.monitoring_role.arn if self.monitoring_role else None,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            apply_immediately=not rds.deletion_protection,
            depends_on=log_groups,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=rds.deletion_protection),
            tags={"Name": identifier},
        )
        self.manual_snapshot = (
            DbSnapshot(
                self,
                "manual-snapshot",
                db_instance_identifier=self.instance.identifier,
                db_snapshot_identifier=f"{identifier}-baseline",
                # A restore point that outlives the instance: Terraform must not delete it either.
                lifecycle=TerraformResourceLifecycle(prevent_destroy=rds.deletion_protection),
            )
            if rds.manual_snapshot
            else None
        )
        self.backup_replication = self._replicate_backups(config, props)
        self.connection = self._connection_secret(config, props)

    def _connection_secret(self, config: EnvConfig, props: DatabaseProps) -> SecretsmanagerSecret:
        """Where the instance is and which secret holds its credentials: no credential of its own."""
        secret = SecretsmanagerSecret(
            self,
            "connection-secret",
            name=connection_secret_name(config),
            description="Address, port, database name and credentials secret of the platform's PostgreSQL",
            kms_key_id=props.key.arn,
            # Deleted at once: Terraform rewrites it from the instance, and a name still reserved for a
            # recovery window would block the database being destroyed and restored (README runbook).
            recovery_window_in_days=0,
        )
        instance = self.instance
        SecretsmanagerSecretVersion(
            self,
            "connection",
            secret_id=secret.id,
            secret_string=Fn.jsonencode(
                {
                    "host": instance.address,
                    "port": instance.port,
                    "dbname": instance.db_name,
                    "credentials_secret_arn": instance.master_user_secret.get(0).secret_arn,
                }
            ),
        )
        return secret

    def _replicate_backups(
        self, config: EnvConfig, props: DatabaseProps
    ) -> DbInstanceAutomatedBackupsReplication | None:
        """Automated backups and transaction logs copied to the DR region, under a key of that region."""
        region = config.rds.backup_replication_region
        if region is None:
            return None
        if props.backup_replica_provider is None:
            raise ValueError("rds.backup_replication_region is set but no provider for that region was given")
        key = EncryptionKey(
            self,
            "backup-replica-key",
            config,
            EncryptionKeyProps(
                purpose="data-dr",
                description=f"Encrypts the database backups of {config.name} replicated to {region}",
                provider=props.backup_replica_provider,
            ),
        )
        return DbInstanceAutomatedBackupsReplication(
            self,
            "backup-replication",
            source_db_instance_arn=self.instance.arn,
            kms_key_id=key.key.arn,
            retention_period=config.rds.backup_retention_days,
            provider=props.backup_replica_provider,
        )
