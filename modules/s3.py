"""S3 stack of the architecture: the contact center's data buckets, their key, logs and replicas.

Recordings and transcripts, voicemail, exported reports, screen recordings and command center
data each get their own bucket, because each has its own readers and its own lifecycle
(``[storage]`` in the env file). All of them are SecureBuckets (private, versioned, SSE-KMS with
one customer-managed key, TLS-only) that log access to one access-log bucket. Buckets that only
the platform's code in the VPC and Amazon Connect read also deny object access from anywhere
else. With ``storage.cross_region_replication_region`` set, every data bucket replicates to a
twin in that region (architecture: Disaster Recovery, "S3: Cross-region replication option").

The storage key's policy needs no statement for Amazon Connect: associating the key with an
instance's storage config creates a KMS grant for that instance's service-linked role, with the
deployer's ``kms:CreateGrant`` permission (Amazon Connect admin guide, "Key management").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from envs import EnvConfig
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.naming import Function, bucket_arn, connect_service_role_arn_pattern, function_role_arn, role_arn
from modules.policy import Statement
from modules.replication import ReplicatedBucket, ReplicationProps, replicate
from modules.secure_bucket import (
    AccessLogTarget,
    Retention,
    SecureBucket,
    SecureBucketProps,
    Transition,
    access_log_bucket,
)
from modules.service_roles import ServiceRole

# Object-level actions that carry customer data; bucket configuration stays manageable by Terraform.
DATA_ACTIONS = ("s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject")


REPLICATION_ROLE = "s3-replication"


class DataBucket(StrEnum):
    """The architecture's data buckets; values are the name parts."""

    RECORDINGS = "recordings"  # call recordings and chat transcripts (Amazon Connect writes both)
    VOICEMAIL = "voicemail"
    EXPORTS = "exports"  # exported reports; Firehose delivers contact records here from outside the VPC
    SCREEN_RECORDINGS = "screen-recordings"
    COMMAND_CENTER = "command-center"


# Amazon Connect stores these itself (service-linked role), from outside our VPC.
CONNECT_WRITES = frozenset({DataBucket.RECORDINGS, DataBucket.VOICEMAIL, DataBucket.SCREEN_RECORDINGS})


@dataclass(frozen=True)
class VpcOnlyAccess:
    """Who may touch objects from outside the VPC: role ARN patterns (Connect's service role and the like)."""

    exempt_role_arn_patterns: Sequence[str]


def bucket_name(config: EnvConfig, purpose: str) -> str:
    """Global S3 names: prefix, env, purpose and the account id keep them unique across envs and accounts."""
    return config.resource_name(purpose, config.account_id)


REPLICA_SUFFIX = "-replica"


def data_bucket_name(config: EnvConfig, data: DataBucket, *, replica: bool = False) -> str:
    """A data bucket of the env, or its DR twin in ``storage.cross_region_replication_region``."""
    return bucket_name(config, f"{data.value}{REPLICA_SUFFIX if replica else ''}")


def data_bucket_retention(config: EnvConfig, data: DataBucket) -> Retention:
    storage = config.storage
    if data is DataBucket.RECORDINGS:
        return Retention(
            expiration_days=storage.recordings_expiration_days,
            transitions=(
                Transition(storage.recordings_transition_to_ia_days, "STANDARD_IA"),
                Transition(storage.recordings_transition_to_glacier_days, "GLACIER"),
            ),
        )
    expiration = {
        DataBucket.VOICEMAIL: storage.voicemail_expiration_days,
        DataBucket.EXPORTS: storage.exports_expiration_days,
        DataBucket.SCREEN_RECORDINGS: storage.screen_recordings_expiration_days,
        DataBucket.COMMAND_CENTER: storage.command_center_expiration_days,
    }[data]
    return Retention(expiration_days=expiration)


def vpc_only_access(config: EnvConfig, data: DataBucket) -> VpcOnlyAccess | None:
    """None for buckets that must stay reachable from outside the VPC (Firehose delivers exports)."""
    if data is DataBucket.EXPORTS or not config.storage.restrict_data_to_vpc:
        return None
    exempt = list(config.storage.outside_vpc_role_arns)
    if data in CONNECT_WRITES:
        exempt.append(connect_service_role_arn_pattern(config))
    if data is DataBucket.VOICEMAIL:
        # Notification e-mails carry presigned links signed by this role; listeners are outside the VPC.
        exempt.append(function_role_arn(config, Function.NOTIFICATION))
    if config.storage.cross_region_replication_region is not None:
        exempt.append(role_arn(config, REPLICATION_ROLE))
    return VpcOnlyAccess(exempt_role_arn_patterns=exempt)


def deny_outside_vpc(bucket_arn: str, vpc_id: str, access: VpcOnlyAccess) -> Statement:
    return Statement(
        sid="DenyDataAccessOutsideVpc",
        effect="Deny",
        principal={"AWS": "*"},
        actions=list(DATA_ACTIONS),
        resources=[f"{bucket_arn}/*"],
        condition={
            "StringNotEquals": {"aws:SourceVpc": vpc_id},
            "ArnNotLike": {"aws:PrincipalArn": list(access.exempt_role_arn_patterns)},
        },
    )


class StorageSite(Construct):
    """One region's copy of the storage: key, access-log bucket and one bucket per data class.

    Exposes ``key``, ``access_logs`` and ``buckets`` (DataBucket -> SecureBucket).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        config: EnvConfig,
        *,
        replica: bool = False,  # the DR twin (names end in REPLICA_SUFFIX)
        vpc_id: str | None = None,
        provider: AwsProvider | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        name_suffix = REPLICA_SUFFIX if replica else ""
        storage = config.storage
        protect = not storage.force_destroy
        self.key = EncryptionKey(
            self,
            "key",
            config,
            EncryptionKeyProps(
                purpose=f"storage{name_suffix}",
                description=f"Encrypts the contact center data buckets of {config.resource_name()}{name_suffix}",
                provider=provider,
            ),
        )
        self.access_logs = access_log_bucket(
            self,
            "access-logs",
            config,
            bucket_name=bucket_name(config, f"access-logs{name_suffix}"),
            # Only this environment's buckets (same name prefix) may log here.
            source_bucket_pattern=bucket_arn(config, f"{config.resource_name()}-*"),
            provider=provider,
        )
        self.buckets: dict[DataBucket, SecureBucket] = {}
        for data in DataBucket:
            name = data_bucket_name(config, data, replica=replica)
            fence = self._vpc_fence(config, data, name, vpc_id)
            self.buckets[data] = SecureBucket(
                self,
                data.value,
                SecureBucketProps(
                    bucket_name=name,
                    kms_key=self.key.key,
                    retention=data_bucket_retention(config, data),
                    access_logs=AccessLogTarget(log_bucket=self.access_logs, prefix=f"{name}/"),
                    noncurrent_version_expiration_days=storage.noncurrent_version_expiration_days,
                    force_destroy=storage.force_destroy,
                    prevent_destroy=protect,
                    deny_insecure_transport=storage.deny_insecure_transport,
                    extra_policy_statements=[fence] if fence else [],
                    provider=provider,
                ),
            )

    @staticmethod
    def _vpc_fence(config: EnvConfig, data: DataBucket, name: str, vpc_id: str | None) -> Statement | None:
        """The VPC-only deny for this bucket, or None (no VPC given: DR replicas; or not a VPC-only bucket)."""
        access = vpc_only_access(config, data) if vpc_id is not None else None
        if access is None or vpc_id is None:
            return None
        return deny_outside_vpc(bucket_arn(config, name), vpc_id, access)


@dataclass(frozen=True)
class StorageProps:
    """``vpc_id`` fences the VPC-only buckets; ``replica_provider`` is the DR region's provider, if any."""

    vpc_id: str  # the VPC data buckets admit object requests from (storage.restrict_data_to_vpc)
    # the replica region's provider (cross-region replication); None: no replicas
    replica_provider: AwsProvider | None = None


# The bucket the Lambda packages ship through (modules/lambda_.py uploads them): build outputs, not data,
# so it is neither VPC-fenced nor replicated (they are rebuilt byte for byte from git).
LAMBDA_CODE_BUCKET = "lambda-code"


class Storage(Construct):
    """Exposes ``key`` (storage KMS key), ``access_logs``, one attribute per data bucket
    (``recordings``, ``voicemail``, ``exports``, ``screen_recordings``, ``command_center``),
    ``lambda_code`` (the functions' package bucket), ``replica`` (the DR site) and
    ``replication_role``, both None without replication."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: StorageProps) -> None:
        super().__init__(scope, construct_id)
        primary = StorageSite(self, "primary", config, vpc_id=props.vpc_id)
        self.key = primary.key
        self.access_logs = primary.access_logs
        self.buckets = dict(primary.buckets)
        self.recordings = primary.buckets[DataBucket.RECORDINGS]
        self.voicemail = primary.buckets[DataBucket.VOICEMAIL]
        self.exports = primary.buckets[DataBucket.EXPORTS]
        self.screen_recordings = primary.buckets[DataBucket.SCREEN_RECORDINGS]
        self.command_center = primary.buckets[DataBucket.COMMAND_CENTER]
        self.lambda_code = self._lambda_code(config, primary)
        self.replica: StorageSite | None = None
        self.replication_role: ServiceRole | None = None
        if config.storage.cross_region_replication_region is not None:
            if props.replica_provider is None:
                raise ValueError("storage.cross_region_replication_region is set but no replica provider was given")
            self.replica = StorageSite(self, "replica", config, replica=True, provider=props.replica_provider)
            self._replicate(config, primary, self.replica)

    def _lambda_code(self, config: EnvConfig, primary: StorageSite) -> SecureBucket:
        """Here rather than with the functions: its lifecycle rules settle for 55 s after an apply
        (tools/provider_waits.py), which this layer spends while the later layers already run."""
        storage, name = config.storage, bucket_name(config, LAMBDA_CODE_BUCKET)
        return SecureBucket(
            self,
            "lambda-code",
            SecureBucketProps(
                bucket_name=name,
                kms_key=primary.key.key,
                access_logs=AccessLogTarget(log_bucket=primary.access_logs, prefix=f"{name}/"),
                noncurrent_version_expiration_days=storage.noncurrent_version_expiration_days,
                force_destroy=storage.force_destroy,
                prevent_destroy=not storage.force_destroy,
                deny_insecure_transport=storage.deny_insecure_transport,
            ),
        )

    def _replicate(self, config: EnvConfig, primary: StorageSite, replica: StorageSite) -> None:
        self.replication_role = replicate(
            self,
            "replication-role",
            config,
            ReplicationProps(
                role_name=config.resource_name(REPLICATION_ROLE),
                description="Lets S3 copy the data buckets to their disaster-recovery twins",
                buckets=[
                    ReplicatedBucket(primary.buckets[data], replica.buckets[data].bucket, f"replication-{data.value}")
                    for data in DataBucket
                ],
                source_key=primary.key.key,
                target_key=replica.key.key,
            ),
        )
