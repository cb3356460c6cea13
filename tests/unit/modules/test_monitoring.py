"""Alarms on what breaks a contact center, an encrypted topic they notify, and a dashboard."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modules.naming import Function
from tests.conftest import SynthFn
from tests.helpers import body, ref


@pytest.fixture(scope="module")
def application(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.application) for name, stacks in platform.items()}


def alarms(platform: dict[str, Any], application: dict[str, dict[str, Any]], env: str) -> dict[str, dict[str, Any]]:
    monitoring = platform[env].application.monitoring
    return {name: body(application[env], alarm) for name, alarm in monitoring.alarms.items()}


def test_every_function_has_error_throttle_and_duration_alarms(
    platform: dict[str, Any], application: dict[str, dict[str, Any]]
) -> None:
    prod = alarms(platform, application, "prod")
    for function in Function:
        errors = prod[f"{function.value}-errors"]
        assert errors["dimensions"] == {"FunctionName": f"cc-prod-{function.value}"}
        assert (errors["metric_name"], errors["threshold"]) == ("Errors", 1)
        assert prod[f"{function.value}-throttles"]["metric_name"] == "Throttles"
        assert prod[f"{function.value}-duration"]["extended_statistic"] == "p95"


def test_api_database_stream_firehose_and_table_alarms_exist(
    platform: dict[str, Any], application: dict[str, dict[str, Any]]
) -> None:
    prod = alarms(platform, application, "prod")
    expected = {
        "api-5xx": "5XXError",
        "api-latency": "Latency",
        "rds-cpu": "CPUUtilization",
        "rds-free-storage": "FreeStorageSpace",
        "rds-connections": "DatabaseConnections",
        "ctr-iterator-age": "GetRecords.IteratorAgeMilliseconds",
        "ctr-export-freshness": "DeliveryToS3.DataFreshness",
        "dynamodb-read-throttles": "ReadThrottleEvents",
        "dynamodb-write-throttles": "WriteThrottleEvents",
    }
    assert {name: prod[name]["metric_name"] for name in expected} == expected
    assert prod["rds-free-storage"]["comparison_operator"] == "LessThanThreshold"
    assert prod["rds-cpu"]["dimensions"] == {"DBInstanceIdentifier": "cc-prod-postgres"}


def test_every_alarm_notifies_the_encrypted_topic(
    platform: dict[str, Any], application: dict[str, dict[str, Any]]
) -> None:
    monitoring = platform["prod"].application.monitoring
    topic = body(application["prod"], monitoring.topic)
    assert topic["kms_master_key_id"].startswith("${aws_kms_key.")
    for alarm in alarms(platform, application, "prod").values():
        assert alarm["alarm_actions"] == [ref(monitoring.topic, "arn")]
        assert alarm["treat_missing_data"] == "notBreaching"
    key_policy = json.loads(
        application["prod"]["resource"]["aws_kms_key"][topic["kms_master_key_id"].split(".")[1]]["policy"]
    )
    services = [s["Principal"].get("Service") for s in key_policy["Statement"]]
    assert "cloudwatch.amazonaws.com" in services


def test_one_dashboard_per_environment_with_the_contact_center_first(
    platform: dict[str, Any], synth: SynthFn, configs: dict[str, Any]
) -> None:
    for env in ("dev", "prod"):
        connect = platform[env].connect
        dashboard = body(synth(connect), connect.monitoring.dashboard)
        assert dashboard["dashboard_name"] == f"cc-{env}-contact-center"
        widgets = json.loads(dashboard["dashboard_body"])["widgets"]
        titles = [w["properties"]["title"] for w in widgets]
        assert titles[0].startswith("Contact center") and titles[1].startswith("Contact center")
        assert titles[2:4] == ["Lambda errors", "Private API"]
        queues = {line[7] for line in widgets[0]["properties"]["metrics"]}
        assert queues == set(configs[env].connect.queue_names)
        instance = ref(connect.contact_center.instance, "id")
        lines = widgets[0]["properties"]["metrics"] + widgets[1]["properties"]["metrics"]
        assert all(line[3] == instance for line in lines)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_each_duration_alarm_is_80_percent_of_the_timeout_of_the_function_it_watches(
    platform: dict[str, Any], application: dict[str, dict[str, Any]], synth: SynthFn, env: str
) -> None:
    """utilities (900 s) must not alarm on every nightly export, queue_experience (8 s) must be able to."""
    watched = alarms(platform, application, env)
    integration = synth(platform[env].integration)
    functions = platform[env].integration.functions.entry_points
    for function in Function:
        timeout = body(integration, functions[function].function)["timeout"]
        assert watched[f"{function.value}-duration"]["threshold"] == 0.8 * timeout * 1000
    assert (
        watched["utilities-duration"]["threshold"] == 720_000
        and watched["queue-experience-duration"]["threshold"] == 6_400
    )


def test_iterator_age_is_watched_on_exactly_the_streams_a_function_consumes(
    platform: dict[str, Any], application: dict[str, dict[str, Any]], synth: SynthFn
) -> None:
    watched = {name for name in alarms(platform, application, "prod") if name.endswith("-iterator-age")}
    integration = synth(platform["prod"].integration)
    consumed = {
        mapping["event_source_arn"]
        for mapping in integration["resource"].get("aws_lambda_event_source_mapping", {}).values()
    }
    streams = platform["prod"].integration.streams.streams
    assert watched == {f"{stream.value}-iterator-age" for stream in streams if ref(streams[stream], "arn") in consumed}
    assert watched == {"ctr-iterator-age"}  # nothing reads the agent-event stream


def test_every_dead_letter_queue_alarms_on_its_first_message(
    platform: dict[str, Any], application: dict[str, dict[str, Any]]
) -> None:
    watched = alarms(platform, application, "prod")
    queues = platform["prod"].integration.functions.dead_letter_queues
    assert queues  # the async functions and the CTR consumer
    for function, queue in queues.items():
        alarm = watched[f"{function.value}-dlq-depth"]
        assert (alarm["metric_name"], alarm["threshold"], alarm["statistic"]) == (
            "ApproximateNumberOfMessagesVisible", 1, "Maximum")  # fmt: skip
        assert alarm["dimensions"] == {"QueueName": ref(queue, "name")}  # the queue object's own name
    assert watched["api-4xx"]["metric_name"] == "4XXError"


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_each_contact_center_alarm_watches_the_instance_with_its_configured_threshold(
    platform: dict[str, Any], synth: SynthFn, configs: dict[str, Any], env: str
) -> None:
    """The env's alarm topic (by name) is notified; the thresholds come from [monitoring]."""
    connect, settings = platform[env].connect, configs[env].monitoring
    synthesized = synth(connect)
    found = {name: body(synthesized, alarm) for name, alarm in connect.monitoring.alarms.items()}
    instance = ref(connect.contact_center.instance, "id")
    topic = platform[env].application.monitoring.topic
    expected = {f"connect-{q}-queue-size": settings.queue_size_threshold for q in configs[env].connect.queue_names}
    expected |= {f"connect-{q}-longest-wait": settings.longest_wait_seconds for q in configs[env].connect.queue_names}
    expected |= dict.fromkeys(
        ("connect-missed-calls", "connect-throttled-calls", "connect-over-quota-calls", "connect-flow-fatal-errors"), 1
    )
    expected["connect-concurrent-calls"] = settings.concurrent_calls_percent
    assert {name: alarm["threshold"] for name, alarm in found.items()} == expected
    for name, alarm in found.items():
        assert alarm["namespace"] == "AWS/Connect" and alarm["dimensions"]["InstanceId"] == instance, name
        region, account = configs[env].region, configs[env].account_id
        assert alarm["alarm_actions"] == [f"arn:aws:sns:{region}:{account}:cc-{env}-alarms"]
        if name.endswith(("-queue-size", "-longest-wait")):
            assert alarm["dimensions"]["QueueName"] in configs[env].connect.queue_names
    assert body(synth(platform[env].application), topic)["name"] == f"cc-{env}-alarms"  # the topic they name exists
