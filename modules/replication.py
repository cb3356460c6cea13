"""Cross-region replication of buckets to their DR twins (architecture: Disaster Recovery, "S3:
cross-region replication option"): every version, delete markers and tags, SSE-KMS objects
re-encrypted under the twin region's key, by one least-privilege role per set of buckets.

Used for the data buckets (modules/s3.py) and the audit trails' buckets (modules/audit.py), each
switched on by ``storage.cross_region_replication_region``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
)
from constructs import Construct

from envs import EnvConfig
from modules.policy import Statement
from modules.secure_bucket import SecureBucket
from modules.service_roles import ServiceRole, service_role


@dataclass(frozen=True)
class ReplicatedBucket:
    source: SecureBucket  # the primary bucket (versioned: replication needs it)
    target: S3Bucket  # its twin in the DR region
    construct_id: str  # id of its replication configuration (it names the resource in state: keep it stable)


@dataclass(frozen=True)
class ReplicationProps:
    role_name: str  # physical name of the role S3 assumes to replicate
    description: str  # what the role copies, as the console shows it
    buckets: Sequence[ReplicatedBucket]  # every source and its twin
    source_key: KmsKey  # encrypts the sources (the role decrypts with it)
    target_key: KmsKey  # the twins' key in the DR region (the role encrypts with it)


def replicate(scope: Construct, role_id: str, config: EnvConfig, props: ReplicationProps) -> ServiceRole:
    """The role and one replication configuration per bucket, created in ``scope``; returns the role."""
    sources = [bucket.source.bucket.arn for bucket in props.buckets]
    targets = [bucket.target.arn for bucket in props.buckets]
    role = service_role(
        scope,
        role_id,
        config,
        name=props.role_name,
        service="s3.amazonaws.com",
        description=props.description,
        statements=[
            Statement(actions=["s3:GetReplicationConfiguration", "s3:ListBucket"], resources=sources),
            Statement(
                actions=["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                resources=[f"{arn}/*" for arn in sources],
            ),
            Statement(
                actions=["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                resources=[f"{arn}/*" for arn in targets],
            ),
            Statement(actions=["kms:Decrypt"], resources=[props.source_key.arn]),
            Statement(actions=["kms:Encrypt", "kms:GenerateDataKey"], resources=[props.target_key.arn]),
        ],
    )
    for bucket in props.buckets:
        S3BucketReplicationConfigurationA(
            scope,
            bucket.construct_id,
            bucket=bucket.source.bucket.id,
            role=role.role.arn,
            depends_on=[bucket.source.versioning],
            rule=[
                S3BucketReplicationConfigurationRule(
                    id="disaster-recovery",
                    status="Enabled",
                    filter=S3BucketReplicationConfigurationRuleFilter(prefix=""),
                    delete_marker_replication=S3BucketReplicationConfigurationRuleDeleteMarkerReplication(
                        status="Enabled"
                    ),
                    source_selection_criteria=S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                        sse_kms_encrypted_objects=(
                            S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(
                                status="Enabled"
                            )
                        )
                    ),
                    destination=S3BucketReplicationConfigurationRuleDestination(
                        bucket=bucket.target.arn,
                        encryption_configuration=S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                            replica_kms_key_id=props.target_key.arn
                        ),
                    ),
                )
            ],
        )
    return role
