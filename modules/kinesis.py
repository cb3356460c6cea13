"""Kinesis stack of the architecture: the platform's data streams and the CTR export to S3.

Three streams, KMS-encrypted with the integration layer's stream key, capacity and retention from
``[kinesis]`` in the env file: queue-experience events (from the queue experience function),
contact trace records and agent events (both from Amazon Connect). A Firehose delivery stream
copies every contact record from the CTR stream into the exports bucket, GZIP-compressed, encrypted
with the storage key, partitioned by date, with failed records under their own prefix and
delivery errors in a CloudWatch log stream.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_log_stream import CloudwatchLogStream
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.kinesis_firehose_delivery_stream import (
    KinesisFirehoseDeliveryStream,
    KinesisFirehoseDeliveryStreamExtendedS3Configuration,
    KinesisFirehoseDeliveryStreamExtendedS3ConfigurationCloudwatchLoggingOptions,
    KinesisFirehoseDeliveryStreamKinesisSourceConfiguration,
)
from cdktf_cdktf_provider_aws.kinesis_stream import KinesisStream, KinesisStreamStreamModeDetails
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from constructs import Construct

from envs import EnvConfig
from modules.naming import Stream, firehose_delivery_stream_name, firehose_log_group_name, stream_name
from modules.policy import Statement, policy_document

# Date-partitioned keys that Athena/Glue can prune without dynamic partitioning (UTC arrival time).
DATE_PARTITIONS = "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
EXPORT_PREFIX = f"ctr/{DATE_PARTITIONS}"
ERROR_PREFIX = f"ctr-errors/!{{firehose:error-output-type}}/{DATE_PARTITIONS}"


@dataclass(frozen=True)
class StreamsProps:
    """``key`` encrypts the streams; the export writes to ``exports_bucket_arn`` with ``storage_key_arn``
    as ``firehose_role`` (built in the security layer, granted the stream key here)."""

    key: KmsKey  # encrypts the streams and the CTR export's log group
    exports_bucket: S3Bucket  # where Firehose writes CTR batches
    storage_key: KmsKey  # the exports bucket's key (Firehose encrypts with it)
    firehose_role: IamRole  # the role Firehose assumes (security layer)


class Streams(Construct):
    """Exposes ``streams`` (Stream -> KinesisStream), ``ctr_export`` (the Firehose delivery stream)
    and ``export_log_group``."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: StreamsProps) -> None:
        super().__init__(scope, construct_id)
        settings = config.kinesis
        provisioned = settings.stream_mode == "PROVISIONED"
        self.streams = {
            stream: KinesisStream(
                self,
                stream.value,
                name=stream_name(config, stream),
                encryption_type="KMS",
                kms_key_id=props.key.arn,
                retention_period=settings.retention_hours,
                stream_mode_details=KinesisStreamStreamModeDetails(stream_mode=settings.stream_mode),
                shard_count=settings.shard_count if provisioned else None,
                tags={"Name": stream_name(config, stream)},
            )
            for stream in Stream
        }
        self.export_log_group = CloudwatchLogGroup(
            self,
            "export-log-group",
            name=firehose_log_group_name(config),
            retention_in_days=config.monitoring.log_retention_days,
            kms_key_id=props.key.arn,
        )
        log_stream = CloudwatchLogStream(
            self, "export-log-stream", name="S3Delivery", log_group_name=self.export_log_group.name
        )
        ctr = self.streams[Stream.CTR]
        # The role lives in the security layer; the right to read this layer's key is granted here.
        grant = IamRolePolicy(
            self,
            "firehose-stream-key",
            role=props.firehose_role.name,
            name="read-encrypted-ctr-stream",
            policy=policy_document(
                Statement(
                    sid="DecryptCtrStream",
                    actions=["kms:Decrypt"],
                    resources=[props.key.arn],
                    condition={"StringEquals": {"kms:ViaService": f"kinesis.{config.region}.amazonaws.com"}},
                )
            ),
        )
        self.ctr_export = KinesisFirehoseDeliveryStream(
            self,
            "ctr-export",
            name=(delivery_name := firehose_delivery_stream_name(config)),
            destination="extended_s3",
            kinesis_source_configuration=KinesisFirehoseDeliveryStreamKinesisSourceConfiguration(
                kinesis_stream_arn=ctr.arn, role_arn=props.firehose_role.arn
            ),
            extended_s3_configuration=KinesisFirehoseDeliveryStreamExtendedS3Configuration(
                bucket_arn=props.exports_bucket.arn,
                role_arn=props.firehose_role.arn,
                prefix=EXPORT_PREFIX,
                error_output_prefix=ERROR_PREFIX,
                compression_format="GZIP",
                kms_key_arn=props.storage_key.arn,
                buffering_size=settings.firehose_buffer_mib,
                buffering_interval=settings.firehose_buffer_seconds,
                cloudwatch_logging_options=(
                    KinesisFirehoseDeliveryStreamExtendedS3ConfigurationCloudwatchLoggingOptions(
                        enabled=True,
                        log_group_name=self.export_log_group.name,
                        log_stream_name=log_stream.name,
                    )
                ),
            ),
            depends_on=[grant],
            tags={"Name": delivery_name},
        )
