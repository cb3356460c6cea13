"""Audit (the architecture's defense in depth: CloudTrail): who did what to the platform, and who
read or downloaded a call recording, a voicemail or a screen recording.

Two kinds of trail, each every region, with log file validation (digest files), its own KMS key,
its own bucket (versioned, KMS, access-logged, TLS only, kept ``audit.retention_days``) and a
CloudWatch Logs copy with metric-filter alarms on the env's alarm topic:

- the account's trail (``AuditScope.ACCOUNT``, in the account stack): every API call of the account
  (management events), once per account however many envs share it. Alarms: calls refused for
  lack of permission, and any change to a trail. Not created when ``audit.organization_trail_arn``
  names an organization trail that already records the account (member accounts cannot stop or
  change it, so the organization's management account watches it);
- each env's trail (``AuditScope.ENV``, in the security layer): S3 data events (reads and writes)
  on the env's recordings, voicemail and screen-recordings buckets. Alarm: object calls refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from cdktf import TerraformProvider
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
from modules.replication import ReplicatedBucket, ReplicationProps, replicate
from modules.secure_bucket import AccessLogTarget, Retention, SecureBucket, SecureBucketProps
from modules.service_roles import service_role


class AuditScope(StrEnum):
    """What a trail records; the value is its name part."""

    ACCOUNT = "account-audit"  # the account's API calls (management events)
    ENV = "audit"  # the env's data-bucket object reads and writes (data events)


UNAUTHORIZED_CALLS = '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'
TRAIL_CHANGES = (
    "{ ($.eventSource = cloudtrail.amazonaws.com) && (($.eventName = StopLogging) || ($.eventName = UpdateTrail) "
    "|| ($.eventName = DeleteTrail) || ($.eventName = PutEventSelectors)) }"
)


def trail_name(config: EnvConfig, scope: AuditScope = AuditScope.ENV) -> str:
    return config.resource_name(scope.value)


def trail_arn(config: EnvConfig, scope: AuditScope = AuditScope.ENV) -> str:
    return regional_arn(config, "cloudtrail", f"trail/{trail_name(config, scope)}")


@dataclass(frozen=True)
class AuditReplica:
    """Where the trail's log files are copied: a twin bucket in the DR region."""

    provider: TerraformProvider  # the DR region's provider
    access_logs: SecureBucket  # the DR region's access-log bucket (logs the twin's own requests)
    bucket_name: str  # the twin's globally unique name


@dataclass(frozen=True)
class AuditProps:
    scope: AuditScope  # the account's API calls, or the env's data-bucket object calls
    access_logs: SecureBucket  # where the trail bucket's own S3 access logs go
    bucket_name: str  # the trail bucket's globally unique name
    # whose object reads and writes are recorded (ENV scope: recordings, voicemail, screen recordings)
    watched_buckets: Sequence[S3Bucket] = ()
    prevent_destroy: bool = True  # Terraform refuses to destroy the trail bucket (default: true)
    # a twin of the trail bucket in the DR region (storage.cross_region_replication_region); None: none
    replica: AuditReplica | None = None

    def __post_init__(self) -> None:
        if (self.scope is AuditScope.ENV) != bool(self.watched_buckets):
            raise ValueError("an env trail records its watched buckets; the account trail records no data events")


class Audit(Construct):
    """One trail (module docstring). Exposes ``trail``, ``bucket`` (the trail's SecureBucket),
    ``replica`` (its DR twin, or None), ``key``, ``log_group`` and ``alarms`` (name -> alarm)."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: AuditProps) -> None:
        super().__init__(scope, construct_id)
        audit, kind = config.audit, props.scope
        self.name = trail_name(config, kind)
        self.log_group_name = f"/aws/cloudtrail/{self.name}"
        self.key = EncryptionKey(
            self,
            "key",
            config,
            EncryptionKeyProps(
                purpose=kind.value,
                description=f"Encrypts the trail {self.name} (log files and CloudWatch Logs)",
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
                extra_policy_statements=self._delivery_statements(config, kind, props.bucket_name),
            ),
        )
        self.replica = self._replicate(config, props) if props.replica else None
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
            name=config.resource_name(f"{kind.value}-logs" if kind is AuditScope.ACCOUNT else "cloudtrail-logs"),
            service="cloudtrail.amazonaws.com",
            description=f"Lets CloudTrail deliver the trail {self.name} to its CloudWatch Logs group",
            source_arn_pattern=trail_arn(config, kind),
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
            name=self.name,
            s3_bucket_name=self.bucket.bucket.bucket,
            is_multi_region_trail=True,
            # CloudTrail refuses a multi-region trail without it; what is recorded is the selector's.
            include_global_service_events=True,
            enable_log_file_validation=True,
            kms_key_id=self.key.key.arn,
            cloud_watch_logs_group_arn=f"{self.log_group.arn}:*",
            cloud_watch_logs_role_arn=delivery.role.arn,
            event_selector=[self._selector(kind, props.watched_buckets)],
            depends_on=[self.bucket.policy, *([delivery.policy] if delivery.policy else [])],
        )
        alarms = (
            (("audit-unauthorized-calls", "5 or more API calls refused for lack of permission", 5, UNAUTHORIZED_CALLS),
             ("audit-trail-changed", "an audit trail was stopped, changed or deleted", 1, TRAIL_CHANGES))
            if kind is AuditScope.ACCOUNT
            else (("audit-refused-object-access", "5 or more reads or writes of recordings or voicemails refused",
                   5, UNAUTHORIZED_CALLS),)
        )  # fmt: skip
        self.alarms = {
            name: self._filtered_alarm(config, name, description, threshold, pattern)
            for name, description, threshold, pattern in alarms
        }

    def _replicate(self, config: EnvConfig, props: AuditProps) -> SecureBucket:
        """The log files copied, every version, to a twin under a key of the DR region: the record of
        who did what survives the loss of the primary region."""
        assert props.replica is not None
        replica, kind = props.replica, props.scope
        key = EncryptionKey(
            self,
            "replica-key",
            config,
            EncryptionKeyProps(
                purpose=f"{kind.value}-replica",
                description=f"Encrypts the DR copy of the trail {self.name}'s log files",
                provider=replica.provider,
            ),
        )
        twin = SecureBucket(
            self,
            "replica-bucket",
            SecureBucketProps(
                bucket_name=replica.bucket_name,
                kms_key=key.key,
                retention=Retention(expiration_days=config.audit.retention_days),
                access_logs=AccessLogTarget(log_bucket=replica.access_logs, prefix=f"{replica.bucket_name}/"),
                prevent_destroy=props.prevent_destroy,
                force_destroy=config.storage.force_destroy,
                deny_insecure_transport=config.storage.deny_insecure_transport,
                provider=replica.provider,
            ),
        )
        replicate(
            self,
            "replication-role",
            config,
            ReplicationProps(
                role_name=config.resource_name(f"{kind.value}-replication"),
                description=f"Lets S3 copy the trail {self.name}'s log files to the DR region",
                buckets=[ReplicatedBucket(self.bucket, twin.bucket, "replication")],
                source_key=self.key.key,
                target_key=key.key,
            ),
        )
        return twin

    @staticmethod
    def _selector(kind: AuditScope, watched: Sequence[S3Bucket]) -> CloudtrailEventSelector:
        """The account trail: every API call. An env trail: only its buckets' object calls."""
        if kind is AuditScope.ACCOUNT:
            return CloudtrailEventSelector(read_write_type="All", include_management_events=True)
        return CloudtrailEventSelector(
            read_write_type="All",
            include_management_events=False,
            data_resource=[
                CloudtrailEventSelectorDataResource(
                    type="AWS::S3::Object", values=[f"{bucket.arn}/" for bucket in watched]
                )
            ],
        )

    @staticmethod
    def _cloudtrail_grant(config: EnvConfig) -> KeyGrant:
        """CloudTrail encrypts this account's trails' log files with the key."""
        trails = f"arn:{config.partition}:cloudtrail:*:{config.account_id}:trail/*"
        return KeyGrant(
            service="cloudtrail.amazonaws.com",
            condition={"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trails}},
        )

    @staticmethod
    def _delivery_statements(config: EnvConfig, kind: AuditScope, bucket_name: str) -> list[Statement]:
        """CloudTrail (this trail only) may check the bucket's ACL and write its log files."""
        bucket = f"arn:{config.partition}:s3:::{bucket_name}"
        only_this_trail = {"StringEquals": {"aws:SourceArn": trail_arn(config, kind)}}
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
