"""Audit (the architecture's defense in depth: CloudTrail): who did what to the platform, and who
read or downloaded a call recording, a voicemail or a screen recording.

- One trail per env: every region, global service events, log file validation (digest files),
  encrypted with its own KMS key, delivered to its own bucket (versioned, KMS, access-logged, TLS
  only, kept ``audit.retention_days``) and to CloudWatch Logs.
- S3 data events (reads and writes) on the recordings, voicemail and screen-recordings buckets.
- Metric filters on the trail's log group with an alarm each, notifying the env's alarm topic: API
  calls refused for lack of permission, and any change to a trail (stopped, updated, deleted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudtrail import Cloudtrail, CloudtrailEventSelector, CloudtrailEventSelectorDataResource
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_log_metric_filter import (
    CloudwatchLogMetricFilter,
    CloudwatchLogMetricFilterMetricTransformation,
)
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from constructs import Construct

from envs import EnvConfig
from modules.kms import EncryptionKey, EncryptionKeyProps, KeyGrant, log_group_grant
from modules.monitoring import AlarmSpec, metric_alarm
from modules.naming import alarm_topic_arn, regional_arn
from modules.policy import Statement
from modules.secure_bucket import AccessLogTarget, Retention, SecureBucket, SecureBucketProps
from modules.service_roles import service_role

UNAUTHORIZED_CALLS = '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'
TRAIL_CHANGES = (
    "{ ($.eventSource = cloudtrail.amazonaws.com) && (($.eventName = StopLogging) || ($.eventName = UpdateTrail) "
    "|| ($.eventName = DeleteTrail) || ($.eventName = PutEventSelectors)) }"
)


def trail_name(config: EnvConfig) -> str:
    return config.resource_name("audit")


def trail_arn(config: EnvConfig) -> str:
    return regional_arn(config, "cloudtrail", f"trail/{trail_name(config)}")


@dataclass(frozen=True)
class AuditProps:
    watched_buckets: Sequence[S3Bucket]  # whose object reads and writes are recorded (recordings, voicemail, ...)
    access_logs: SecureBucket  # where the trail bucket's own S3 access logs go (the env's log bucket)
    bucket_name: str  # the trail bucket's globally unique name
    prevent_destroy: bool = True  # Terraform refuses to destroy the trail bucket (default: true)


class Audit(Construct):
    """Exposes ``trail``, ``bucket`` (the trail's SecureBucket), ``key``, ``log_group`` and
    ``alarms`` (name -> alarm)."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: AuditProps) -> None:
        super().__init__(scope, construct_id)
        audit = config.audit
        self.log_group_name = f"/aws/cloudtrail/{trail_name(config)}"
        self.key = EncryptionKey(
            self,
            "key",
            config,
            EncryptionKeyProps(
                purpose="audit",
                description=f"Encrypts the audit trail of {config.name} (log files and CloudWatch Logs)",
                grants=[self._cloudtrail_grant(config), log_group_grant(config, self.log_group_name)],
            ),
        )
        self.bucket = SecureBucket(
            self,
            "bucket",
            SecureBucketProps(
                bucket_name=props.bucket_name,
                kms_key=self.key.key,
                retention=Retention(expiration_days=audit.retention_days),
                access_logs=AccessLogTarget(log_bucket=props.access_logs, prefix=f"{props.bucket_name}/"),
                prevent_destroy=props.prevent_destroy,
                force_destroy=config.storage.force_destroy,
                deny_insecure_transport=config.storage.deny_insecure_transport,
                extra_policy_statements=self._delivery_statements(config, props.bucket_name),
            ),
        )
        self.log_group = CloudwatchLogGroup(
            self,
            "log-group",
            name=self.log_group_name,
            retention_in_days=audit.log_retention_days,
            kms_key_id=self.key.key.arn,
        )
        delivery = service_role(
            self,
            "logs-role",
            config,
            name=config.resource_name("cloudtrail-logs"),
            service="cloudtrail.amazonaws.com",
            description="Lets CloudTrail deliver the audit trail to its CloudWatch Logs group",
            source_arn_pattern=trail_arn(config),
            statements=[
                Statement(
                    sid="DeliverToTheTrailLogGroup",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[f"{self.log_group.arn}:log-stream:*"],
                )
            ],
        )
        self.trail = Cloudtrail(
            self,
            "trail",
            name=trail_name(config),
            s3_bucket_name=self.bucket.bucket.bucket,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            kms_key_id=self.key.key.arn,
            cloud_watch_logs_group_arn=f"{self.log_group.arn}:*",
            cloud_watch_logs_role_arn=delivery.role.arn,
            event_selector=[
                CloudtrailEventSelector(
                    read_write_type="All",
                    include_management_events=True,
                    data_resource=[
                        CloudtrailEventSelectorDataResource(
                            type="AWS::S3::Object", values=[f"{bucket.arn}/" for bucket in props.watched_buckets]
                        )
                    ],
                )
            ],
            depends_on=[self.bucket.policy, *([delivery.policy] if delivery.policy else [])],
        )
        self.alarms = {
            name: self._filtered_alarm(config, name, description, threshold, pattern)
            for name, description, threshold, pattern in (
                ("audit-unauthorized-calls", "5 or more API calls refused for lack of permission", 5,
                 UNAUTHORIZED_CALLS),
                ("audit-trail-changed", "the audit trail was stopped, changed or deleted", 1, TRAIL_CHANGES),
            )
        }  # fmt: skip

    @staticmethod
    def _cloudtrail_grant(config: EnvConfig) -> KeyGrant:
        """CloudTrail encrypts this account's trails' log files with the key."""
        trails = f"arn:{config.partition}:cloudtrail:*:{config.account_id}:trail/*"
        return KeyGrant(
            service="cloudtrail.amazonaws.com",
            condition={"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trails}},
        )

    @staticmethod
    def _delivery_statements(config: EnvConfig, bucket_name: str) -> list[Statement]:
        """CloudTrail (this trail only) may check the bucket's ACL and write its log files."""
        bucket = f"arn:{config.partition}:s3:::{bucket_name}"
        only_this_trail = {"StringEquals": {"aws:SourceArn": trail_arn(config)}}
        return [
            Statement(
                sid="CloudTrailChecksTheBucket",
                actions=["s3:GetBucketAcl"],
                resources=[bucket],
                principal={"Service": "cloudtrail.amazonaws.com"},
                condition=only_this_trail,
            ),
            Statement(
                sid="CloudTrailWritesLogFiles",
                actions=["s3:PutObject"],
                resources=[f"{bucket}/AWSLogs/{config.account_id}/*"],
                principal={"Service": "cloudtrail.amazonaws.com"},
                condition={**only_this_trail, "StringEquals": {**only_this_trail["StringEquals"],
                           "s3:x-amz-acl": "bucket-owner-full-control"}},
            ),
        ]  # fmt: skip

    def _filtered_alarm(
        self, config: EnvConfig, name: str, description: str, threshold: int, pattern: str
    ) -> CloudwatchMetricAlarm:
        """A metric counting the trail's events that match ``pattern``, and an alarm on it."""
        namespace = f"ContactCenter/{config.name}/Audit"
        CloudwatchLogMetricFilter(
            self,
            f"{name}-filter",
            name=config.resource_name(name),
            log_group_name=self.log_group.name,
            pattern=pattern,
            metric_transformation=CloudwatchLogMetricFilterMetricTransformation(
                name=name, namespace=namespace, value="1", unit="Count"
            ),
        )
        spec = AlarmSpec(name, description, namespace, name, {}, threshold)
        return metric_alarm(self, config, spec, alarm_topic_arn(config))
