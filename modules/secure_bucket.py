"""An S3 bucket that is private, versioned, KMS-encrypted and TLS-only from its first apply.

Every bucket of the platform (Terraform state, recordings, voicemail, exports ...) is one of
these, so the baseline cannot be forgotten on one of them; callers add lifecycle rules and extra
policy statements for their data class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
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

from modules.policy import Statement, policy_document


@dataclass(frozen=True)
class SecureBucketProps:
    """``bucket_name`` is the full physical name; ``prevent_destroy`` guards it against `destroy`."""

    bucket_name: str
    kms_key: KmsKey
    noncurrent_version_expiration_days: int = 30
    force_destroy: bool = False
    prevent_destroy: bool = True
    deny_insecure_transport: bool = True
    extra_policy_statements: Sequence[Statement] = ()

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
    """Exposes ``bucket`` (name via ``bucket.bucket``, ARN via ``bucket.arn``)."""

    def __init__(self, scope: Construct, construct_id: str, props: SecureBucketProps) -> None:
        super().__init__(scope, construct_id)
        self.bucket = S3Bucket(
            self,
            "bucket",
            bucket=props.bucket_name,
            force_destroy=props.force_destroy,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=props.prevent_destroy),
        )
        bucket_id = self.bucket.id
        S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        # ACLs off: the bucket policy alone decides access.
        S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=bucket_id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        S3BucketVersioningA(
            self,
            "versioning",
            bucket=bucket_id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=bucket_id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            sse_algorithm="aws:kms", kms_master_key_id=props.kms_key.arn
                        )
                    ),
                    bucket_key_enabled=True,  # fewer KMS calls, lower cost
                )
            ],
        )
        self.lifecycle = S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
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
                )
            ],
        )
        self.policy = S3BucketPolicy(
            self,
            "policy",
            bucket=bucket_id,
            policy=policy_document(
                *([deny_insecure_transport(self.bucket)] if props.deny_insecure_transport else []),
                *props.extra_policy_statements,
            ),
        )
