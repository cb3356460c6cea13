"""Monitoring and Observability of the architecture: alarms on what breaks a contact center, one
encrypted SNS topic they notify, and one dashboard per environment.

Alarms address metrics by the names the other layers derive from the env config (functions,
streams, table, database, API), so they exist from the first deploy and do not wait for traffic
(``treat_missing_data = notBreaching``: no data means nothing failed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.connect_instance import ConnectInstance
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import Construct

from envs import EnvConfig
from modules.dynamodb import table_name
from modules.kms import EncryptionKey, EncryptionKeyProps, KeyGrant
from modules.lambda_ import STREAM_CONSUMERS, sizing
from modules.naming import (
    API_STAGE,
    Function,
    Stream,
    alarm_topic_arn,
    alarm_topic_name,
    api_name,
    firehose_delivery_stream_name,
    function_name,
    stream_name,
)
from modules.rds import database_identifier

FIVE_MINUTES = 300


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: a metric, how to aggregate it, and when it is bad."""

    name: str
    description: str
    namespace: str
    metric: str
    dimensions: Mapping[str, str]
    threshold: float
    comparison: str = "GreaterThanOrEqualToThreshold"
    statistic: str | None = "Sum"
    extended_statistic: str | None = None
    period: int = FIVE_MINUTES
    evaluation_periods: int = 1


def function_alarms(config: EnvConfig) -> list[AlarmSpec]:
    """Errors, throttles, and a p95 duration above 80% of the function's own timeout (a nightly job
    with 900 s and a flow's function with 8 s cannot share one threshold)."""
    specs = []
    for function in Function:
        dimensions = {"FunctionName": function_name(config, function)}
        timeout_ms = sizing(config, function).timeout_seconds * 1000
        specs += [
            AlarmSpec(f"{function.value}-errors", "invocations failed", "AWS/Lambda", "Errors", dimensions, 1),
            AlarmSpec(f"{function.value}-throttles", "invocations throttled", "AWS/Lambda", "Throttles", dimensions, 1),
            AlarmSpec(
                f"{function.value}-duration",
                "p95 duration above 80% of the timeout",
                "AWS/Lambda",
                "Duration",
                dimensions,
                0.8 * timeout_ms,
                statistic=None,
                extended_statistic="p95",
            ),
        ]
    return specs


def api_alarms(config: EnvConfig) -> list[AlarmSpec]:
    dimensions = {"ApiName": api_name(config), "Stage": API_STAGE}
    return [
        AlarmSpec("api-5xx", "API answered with server errors", "AWS/ApiGateway", "5XXError", dimensions, 5),
        # Callers' mistakes are theirs, but a burst of them is an attack or a broken client release.
        AlarmSpec("api-4xx", "a burst of refused API requests", "AWS/ApiGateway", "4XXError", dimensions, 100),
        AlarmSpec(
            "api-latency",
            "API p95 latency above 2 s",
            "AWS/ApiGateway",
            "Latency",
            dimensions,
            2000,
            comparison="GreaterThanThreshold",
            statistic=None,
            extended_statistic="p95",
        ),
    ]


def database_alarms(config: EnvConfig) -> list[AlarmSpec]:
    dimensions = {"DBInstanceIdentifier": database_identifier(config)}
    free_storage_floor = 0.1 * config.rds.allocated_storage_gib * 1024**3
    return [
        AlarmSpec(
            "rds-cpu",
            "CPU above 80% for 15 minutes",
            "AWS/RDS",
            "CPUUtilization",
            dimensions,
            80,
            statistic="Average",
            evaluation_periods=3,
        ),
        AlarmSpec(
            "rds-free-storage",
            "less than 10% of the allocated storage free",
            "AWS/RDS",
            "FreeStorageSpace",
            dimensions,
            free_storage_floor,
            comparison="LessThanThreshold",
            statistic="Minimum",
        ),
        AlarmSpec(
            "rds-connections",
            "connections near the instance limit",
            "AWS/RDS",
            "DatabaseConnections",
            dimensions,
            config.monitoring.database_connections_threshold,
            statistic="Maximum",
        ),
    ]


def stream_alarms(config: EnvConfig) -> list[AlarmSpec]:
    specs = [
        AlarmSpec(
            f"{stream.value}-iterator-age",
            "consumers more than a minute behind",
            "AWS/Kinesis",
            "GetRecords.IteratorAgeMilliseconds",
            {"StreamName": stream_name(config, stream)},
            60_000,
            statistic="Maximum",
        )
        for stream in STREAM_CONSUMERS  # a stream nobody reads has no iterator age to watch
    ]
    specs.append(
        AlarmSpec(
            "ctr-export-freshness",
            "contact records wait in Firehose longer than twice its buffer",
            "AWS/Firehose",
            "DeliveryToS3.DataFreshness",
            {"DeliveryStreamName": firehose_delivery_stream_name(config)},
            2 * max(config.kinesis.firehose_buffer_seconds, 60),
            statistic="Maximum",
        )
    )
    return specs


def table_alarms(config: EnvConfig) -> list[AlarmSpec]:
    dimensions = {"TableName": table_name(config)}
    return [
        AlarmSpec(f"dynamodb-{kind}-throttles", f"{kind} requests throttled", "AWS/DynamoDB", metric, dimensions, 1)
        for kind, metric in (("read", "ReadThrottleEvents"), ("write", "WriteThrottleEvents"))
    ]


def all_alarms(config: EnvConfig) -> list[AlarmSpec]:
    return [
        *function_alarms(config),
        *api_alarms(config),
        *database_alarms(config),
        *stream_alarms(config),
        *table_alarms(config),
    ]


def dead_letter_alarms(queues: Mapping[Function, SqsQueue]) -> list[AlarmSpec]:
    """Any message in a dead-letter queue is a failure nobody has looked at yet (a lost voicemail
    notification, a CTR batch position): alarm on the first one."""
    return [
        AlarmSpec(
            f"{function.value}-dlq-depth",
            "a failed invocation waits in the dead-letter queue",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": queue.name},
            1,
            statistic="Maximum",
        )
        for function, queue in queues.items()
    ]


class Monitoring(Construct):
    """Exposes ``topic`` (alarm notifications) and ``alarms`` (name -> alarm). ``dead_letter_queues``
    (function -> its queue) each get a depth alarm. (The contact center's alarms and the dashboard
    need the Connect instance: ``ContactCenterMonitoring``, in the connect layer.)"""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        config: EnvConfig,
        dead_letter_queues: Mapping[Function, SqsQueue] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        key = EncryptionKey(
            self,
            "alarm-key",
            config,
            EncryptionKeyProps(
                purpose="alarms",
                description=f"Encrypts the alarm topic of {config.name}",
                # CloudWatch publishes alarm notifications into the encrypted topic.
                grants=[
                    KeyGrant(
                        service="cloudwatch.amazonaws.com",
                        condition={"StringEquals": {"aws:SourceAccount": config.account_id}},
                    )
                ],
            ),
        )
        self.topic = SnsTopic(self, "topic", name=alarm_topic_name(config), kms_master_key_id=key.key.arn)
        if config.monitoring.alarm_email:
            SnsTopicSubscription(
                self, "email", topic_arn=self.topic.arn, protocol="email", endpoint=config.monitoring.alarm_email
            )
        specs = [*all_alarms(config), *dead_letter_alarms(dead_letter_queues or {})]
        self.alarms = {spec.name: metric_alarm(self, config, spec, self.topic.arn) for spec in specs}


def metric_alarm(scope: Construct, config: EnvConfig, spec: AlarmSpec, topic_arn: str) -> CloudwatchMetricAlarm:
    """The alarm ``spec`` describes, notifying ``topic_arn`` when it fires and when it clears."""
    return CloudwatchMetricAlarm(
        scope,
        f"alarm-{spec.name}",
        alarm_name=config.resource_name(spec.name),
        alarm_description=f"{config.name}: {spec.description}",
        namespace=spec.namespace,
        metric_name=spec.metric,
        dimensions=dict(spec.dimensions),
        statistic=spec.statistic,
        extended_statistic=spec.extended_statistic,
        period=spec.period,
        evaluation_periods=spec.evaluation_periods,
        threshold=spec.threshold,
        comparison_operator=spec.comparison,
        treat_missing_data="notBreaching",
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
    )


def connect_alarms(config: EnvConfig, instance_id: str) -> list[AlarmSpec]:
    """What Amazon Connect publishes about the contact center itself (AWS/Connect): callers waiting
    too many or too long per queue, calls missed by agents, calls refused for the concurrency quota
    or throttled, and flows that failed."""
    connect, monitoring = config.connect, config.monitoring
    voice = {"InstanceId": instance_id, "MetricGroup": "VoiceCalls"}
    specs = []
    for queue in connect.queue_names:
        queue_dimensions = {"InstanceId": instance_id, "MetricGroup": "Queue", "QueueName": queue}
        specs += [
            AlarmSpec(f"connect-{queue}-queue-size", f"{monitoring.queue_size_threshold} or more callers wait in "
                      f"{queue}", "AWS/Connect", "QueueSize", queue_dimensions, monitoring.queue_size_threshold,
                      statistic="Maximum"),
            AlarmSpec(f"connect-{queue}-longest-wait", f"a caller has waited {monitoring.longest_wait_seconds} s or "
                      f"more in {queue}", "AWS/Connect", "LongestQueueWaitTime", queue_dimensions,
                      monitoring.longest_wait_seconds, statistic="Maximum"),
        ]  # fmt: skip
    flows = {"InstanceId": instance_id, "MetricGroup": "ContactFlow"}
    quota = monitoring.concurrent_calls_percent
    return [
        *specs,
        AlarmSpec("connect-missed-calls", "agents missed calls routed to them", "AWS/Connect", "MissedCalls", voice, 1),
        AlarmSpec(
            "connect-concurrent-calls",
            f"{quota}% of the concurrent-calls quota in use",
            "AWS/Connect",
            "ConcurrentCallsPercentage",
            voice,
            quota,
            statistic="Maximum",
        ),
        AlarmSpec("connect-throttled-calls", "calls refused: rate exceeded", "AWS/Connect", "ThrottledCalls", voice, 1),
        AlarmSpec(
            "connect-over-quota-calls",
            "calls refused: the concurrent-calls quota was reached",
            "AWS/Connect",
            "CallsBreachingConcurrencyQuota",
            voice,
            1,
        ),
        AlarmSpec("connect-flow-fatal-errors", "a flow failed", "AWS/Connect", "ContactFlowFatalErrors", flows, 1),
    ]


class ContactCenterMonitoring(Construct):
    """Exposes ``alarms`` (name -> alarm): ``connect_alarms`` for ``instance``, notifying the env's
    alarm topic (by name: see ``alarm_topic_arn``), and ``dashboard``: the contact center first,
    then the platform behind it."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, instance: ConnectInstance) -> None:
        super().__init__(scope, construct_id)
        topic = alarm_topic_arn(config)
        specs = connect_alarms(config, instance.id)
        self.alarms = {spec.name: metric_alarm(self, config, spec, topic) for spec in specs}
        self.dashboard = CloudwatchDashboard(
            self,
            "dashboard",
            dashboard_name=config.resource_name("contact-center"),
            dashboard_body=dashboard_body(config, instance.id),
        )


def dashboard_body(config: EnvConfig, instance_id: str) -> str:
    """One row per concern, the contact center first (callers waiting and for how long per queue,
    the concurrent-calls quota in use, missed calls), then functions, API, database, streams, table."""

    def widget(title: str, metrics: list[list[Any]], y: int, stat: str = "Sum") -> dict[str, Any]:
        return {
            "type": "metric",
            "x": 0,
            "y": y,
            "width": 24,
            "height": 6,
            "properties": {"title": title, "region": config.region, "stat": stat, "period": 300, "metrics": metrics},
        }

    queues = [
        ["AWS/Connect", metric, "InstanceId", instance_id, "MetricGroup", "Queue", "QueueName", queue]
        for queue in config.connect.queue_names
        for metric in ("QueueSize", "LongestQueueWaitTime")
    ]
    voice = [
        ["AWS/Connect", metric, "InstanceId", instance_id, "MetricGroup", "VoiceCalls"]
        for metric in ("ConcurrentCallsPercentage", "MissedCalls", "ThrottledCalls")
    ]
    functions = [["AWS/Lambda", "Errors", "FunctionName", function_name(config, f)] for f in Function]
    api = [
        ["AWS/ApiGateway", metric, "ApiName", api_name(config), "Stage", API_STAGE]
        for metric in ("Count", "4XXError", "5XXError")
    ]
    database = [
        ["AWS/RDS", metric, "DBInstanceIdentifier", database_identifier(config)]
        for metric in ("CPUUtilization", "DatabaseConnections")
    ]
    streams = [
        ["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "StreamName", stream_name(config, s)] for s in Stream
    ]
    table = [
        ["AWS/DynamoDB", metric, "TableName", table_name(config)]
        for metric in ("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits", "ThrottledRequests")
    ]
    widgets = [
        widget("Contact center: callers waiting, longest wait (s) per queue", queues, 0, stat="Maximum"),
        widget("Contact center: calls (% of concurrent quota, missed, throttled)", voice, 6, stat="Maximum"),
        widget("Lambda errors", functions, 12),
        widget("Private API", api, 18),
        widget("PostgreSQL", database, 24, stat="Average"),
        widget("Stream consumer lag (ms)", streams, 30, stat="Maximum"),
        widget("Queue-experience table", table, 36),
    ]
    return json.dumps({"widgets": widgets}, sort_keys=True)
