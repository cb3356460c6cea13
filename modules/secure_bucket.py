"""An S3 bucket that is private, versioned, KMS-encrypted and TLS-only from its first apply.

Every bucket of the platform (Terraform state, recordings, voicemail, exports ...) is one of
these, so the baseline cannot be forgotten on one of them; callers add lifecycle rules and extra
policy statements for their data class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformProvider, TerraformResourceLifecycle, TerraformStack
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleTransition,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

from envs import EnvConfig
from modules.naming import bucket_arn
from modules.policy import Statement, policy_document


@dataclass(frozen=True)
class Transition:
    """Move current objects to a cheaper storage class ``days`` after creation."""

    days: int
    storage_class: str


@dataclass(frozen=True)
class Retention:
    """How long current objects live and where they move on the way (a data class's lifecycle)."""

    expiration_days: int | None = None
    transitions: Sequence[Transition] = ()

    def __post_init__(self) -> None:
        days = [transition.days for transition in self.transitions]
        if days != sorted(set(days)):
            raise ValueError(f"transitions must be in strictly increasing days, got {days}")
        if self.expiration_days is not None and days and self.expiration_days <= days[-1]:
            raise ValueError(f"expiration ({self.expiration_days} days) must come after the last transition")


@dataclass(frozen=True)
class AccessLogTarget:
    """Where S3 server access logs of a bucket go: the log bucket and a per-bucket prefix."""

    log_bucket: SecureBucket
    prefix: str


@dataclass(frozen=True)
class SecureBucketProps:
    """``bucket_name`` is the full physical name; ``prevent_destroy`` guards it against `destroy`.

    ``kms_key`` None means SSE-S3, which only the access-log bucket uses: S3 server access logging
    cannot deliver to a bucket whose default encryption is SSE-KMS.
    """

    bucket_name: str  # globally unique bucket name
    kms_key: KmsKey | None  # SSE-KMS key; None: SSE-S3 (S3 access logs cannot be delivered to SSE-KMS)
    retention: Retention = Retention()  # lifecycle: days to infrequent access, to Glacier, to expiry (default: kept)
    access_logs: AccessLogTarget | None = None  # where the bucket's S3 access logs go (default: not logged)
    noncurrent_version_expiration_days: int = 30  # days an overwritten or deleted version is kept (default 30)
    force_destroy: bool = False  # delete the objects with the bucket (default: refuse)
    prevent_destroy: bool = True  # Terraform refuses to destroy the bucket (default: true)
    deny_insecure_transport: bool = True  # the policy denies requests without TLS (default: true)
    extra_policy_statements: Sequence[Statement] = ()  # statements added to the bucket policy (default: none)
    # Another region's provider for replicas; None uses the stack's default provider.
    provider: TerraformProvider | None = None  # another region's provider (replica buckets); default: the stack's

    def __post_init__(self) -> None:
        if not 3 <= len(self.bucket_name) <= 63:
            raise ValueError(f"bucket name {self.bucket_name!r} must be 3-63 characters")
        if self.force_destroy and self.prevent_destroy:
            raise ValueError(f"bucket {self.bucket_name!r}: force_destroy and prevent_destroy contradict each other")


def deny_insecure_transport(bucket: S3Bucket) -> Statement:
    return Statement(
        sid="DenyInsecureTransport",
        effect="Deny",
        principal={"AWS": "*"},
        actions=["s3:*"],
        resources=[bucket.arn, f"{bucket.arn}/*"],
        condition={"Bool": {"aws:SecureTransport": "false"}},
    )


class SecureBucket(Construct):
    """Exposes ``bucket`` (name via ``bucket.bucket``, ARN via ``bucket.arn``) and each of its
    settings resources (``public_access_block``, ``ownership``, ``versioning``, ``encryption``,
    ``lifecycle``, ``access_logging`` or None, ``policy``)."""

    policy: S3BucketPolicy  # declared here: a bucket's access logging waits on its log bucket's policy

    def __init__(self, scope: Construct, construct_id: str, props: SecureBucketProps) -> None:
        super().__init__(scope, construct_id)
        on = props.provider  # None: the stack's default provider
        self.bucket = S3Bucket(
            self,
            "bucket",
            provider=on,
            bucket=props.bucket_name,
            force_destroy=props.force_destroy,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=props.prevent_destroy),
        )
        bucket_id = self.bucket.id
        self.public_access_block = S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            provider=on,
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        # ACLs off: the bucket policy alone decides access.
        self.ownership = S3BucketOwnershipControls(
            self,
            "ownership",
            provider=on,
            bucket=bucket_id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        self.versioning = S3BucketVersioningA(
            self,
            "versioning",
            provider=on,
            bucket=bucket_id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        self.encryption = S3BucketServerSideEncryptionConfigurationA(
            self, "encryption", provider=on, bucket=bucket_id, rule=[_encryption_rule(props.kms_key)]
        )
        self.lifecycle = S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            provider=on,
            bucket=bucket_id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-noncurrent-versions",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=props.noncurrent_version_expiration_days
                        )
                    ],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=7)
                    ],
                ),
                *_retention_rules(props.retention),
            ],
        )
        self.access_logging = None
        if props.access_logs is not None:
            log_bucket = props.access_logs.log_bucket
            # S3 checks the log bucket's policy admits the logging service before it accepts this. A log
            # bucket of an earlier stack is complete before this stack starts (and Terraform allows no
            # depends_on across stacks).
            same_stack = TerraformStack.of(log_bucket) is TerraformStack.of(self)
            self.access_logging = S3BucketLoggingA(
                self,
                "access-logging",
                provider=on,
                bucket=bucket_id,
                target_bucket=log_bucket.bucket.id,
                target_prefix=props.access_logs.prefix,
                depends_on=[log_bucket.policy] if same_stack else None,
            )
        self.policy = S3BucketPolicy(
            self,
            "policy",
            provider=on,
            bucket=bucket_id,
            policy=policy_document(
                *([deny_insecure_transport(self.bucket)] if props.deny_insecure_transport else []),
                *props.extra_policy_statements,
            ),
        )


def _encryption_rule(kms_key: KmsKey | None) -> S3BucketServerSideEncryptionConfigurationRuleA:
    if kms_key is None:
        return S3BucketServerSideEncryptionConfigurationRuleA(
            apply_server_side_encryption_by_default=(
                S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(sse_algorithm="AES256")
            )
        )
    return S3BucketServerSideEncryptionConfigurationRuleA(
        apply_server_side_encryption_by_default=(
            S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="aws:kms", kms_master_key_id=kms_key.arn
            )
        ),
        bucket_key_enabled=True,  # fewer KMS calls, lower cost
    )


def _retention_rules(retention: Retention) -> list[S3BucketLifecycleConfigurationRule]:
    if retention.expiration_days is None and not retention.transitions:
        return []
    return [
        S3BucketLifecycleConfigurationRule(
            id="retention",
            status="Enabled",
            filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
            transition=[
                S3BucketLifecycleConfigurationRuleTransition(days=t.days, storage_class=t.storage_class)
                for t in retention.transitions
            ]
            or None,
            expiration=(
                [S3BucketLifecycleConfigurationRuleExpiration(days=retention.expiration_days)]
                if retention.expiration_days is not None
                else None
            ),
        )
    ]


def access_log_delivery(log_bucket_arn: str, account_id: str, source_bucket_pattern: str) -> Statement:
    """Lets S3's logging service write server access logs of this account's own buckets, nothing else."""
    return Statement(
        sid="AllowServerAccessLogDelivery",
        principal={"Service": "logging.s3.amazonaws.com"},
        actions=["s3:PutObject"],
        resources=[f"{log_bucket_arn}/*"],
        condition={
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": source_bucket_pattern},
        },
    )


def access_log_bucket(
    scope: Construct,
    construct_id: str,
    config: EnvConfig,
    *,
    bucket_name: str,
    source_bucket_pattern: str,
    provider: TerraformProvider | None = None,
) -> SecureBucket:
    """A bucket for S3 server access logs of the buckets matching ``source_bucket_pattern``.

    SSE-S3, not KMS: server access logging cannot deliver to a bucket with SSE-KMS default encryption.
    """
    storage = config.storage
    return SecureBucket(
        scope,
        construct_id,
        SecureBucketProps(
            bucket_name=bucket_name,
            kms_key=None,
            retention=Retention(expiration_days=storage.access_logs_expiration_days),
            noncurrent_version_expiration_days=storage.noncurrent_version_expiration_days,
            force_destroy=storage.force_destroy,
            prevent_destroy=not storage.force_destroy,
            deny_insecure_transport=storage.deny_insecure_transport,
            extra_policy_statements=[
                access_log_delivery(bucket_arn(config, bucket_name), config.account_id, source_bucket_pattern)
            ],
            provider=provider,
        ),
    )
