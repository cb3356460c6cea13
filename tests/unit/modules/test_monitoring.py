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


def test_one_dashboard_per_environment(platform: dict[str, Any], application: dict[str, dict[str, Any]]) -> None:
    for env in ("dev", "prod"):
        dashboard = body(application[env], platform[env].application.monitoring.dashboard)
        assert dashboard["dashboard_name"] == f"cc-{env}-overview"
        widgets = json.loads(dashboard["dashboard_body"])["widgets"]
        assert [w["properties"]["title"] for w in widgets][:2] == ["Lambda errors", "Private API"]
