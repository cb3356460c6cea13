"""command_center: snapshots from Connect's current metrics (botocore Stubber: moto has no
GetCurrentMetricData) into the command center bucket (moto), served through the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.functions.events import api_request

BUCKET = "cc-test-command-center"
INSTANCE = "11111111-2222-3333-4444-555555555555"
FIRST_PAGE = {"CONTACTS_IN_QUEUE": 4, "OLDEST_CONTACT_AGE": 95, "AGENTS_ONLINE": 3}
SECOND_PAGE = {"CONTACTS_IN_QUEUE": 1, "OLDEST_CONTACT_AGE": 20, "AGENTS_ONLINE": 2}


def metric_result(queue_id: str, values: dict[str, float]) -> dict[str, Any]:
    arn = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/queue/{queue_id}"
    unit = {"OLDEST_CONTACT_AGE": "SECONDS"}
    return {
        "Dimensions": {"Queue": {"Id": queue_id, "Arn": arn}},
        "Collections": [
            {"Metric": {"Name": name, "Unit": unit.get(name, "COUNT")}, "Value": value}
            for name, value in values.items()
        ],
    }


@pytest.fixture
def command_center(aws, lambda_context: Any, monkeypatch: pytest.MonkeyPatch):
    import command_center
    from cc_shared.aws import client

    aws.client("s3").create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("COMMAND_CENTER_BUCKET", BUCKET)
    connect = client("connect")
    stubber = Stubber(connect)
    stubber.add_response(
        "list_queues",
        {"QueueSummaryList": [{"Id": "q-1", "Name": "Support"}, {"Id": "q-2", "Name": "Billing"}]},
        {"InstanceId": INSTANCE, "QueueTypes": ["STANDARD"]},
    )
    stubber.add_response(
        "get_current_metric_data",
        {"MetricResults": [metric_result("q-1", FIRST_PAGE)], "NextToken": "page-2"},
    )
    stubber.add_response(
        "get_current_metric_data",
        {"MetricResults": [metric_result("q-2", SECOND_PAGE)]},
    )
    with stubber:
        yield lambda event: command_center.handler(event, lambda_context)
    stubber.assert_no_pending_responses()


def test_snapshot_aggregates_queues_and_is_served_by_the_api(command_center, aws) -> None:
    assert command_center({"instanceId": INSTANCE})["queues"] == 2
    latest = json.loads(aws.client("s3").get_object(Bucket=BUCKET, Key="metrics/latest.json")["Body"].read())
    assert latest["totals"]["CONTACTS_IN_QUEUE"] == 5 and latest["totals"]["OLDEST_CONTACT_AGE"] == 95
    assert latest["totals"]["AGENTS_ONLINE"] == 5
    history = aws.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="metrics/history/")["Contents"]
    assert len(history) == 1
    answer = command_center(api_request("GET", "/v1/command-center/queues/q-2"))
    assert answer["statusCode"] == 200 and json.loads(answer["body"])["CONTACTS_IN_QUEUE"] == 1
    answer = command_center(api_request("GET", "/v1/command-center/metrics"))
    assert json.loads(answer["body"])["totals"] == latest["totals"]
    assert command_center(api_request("GET", "/v1/command-center/queues/q-9"))["statusCode"] == 404


def test_api_before_any_snapshot_is_a_404_and_a_schedule_without_instance_is_an_error(
    aws, lambda_context, monkeypatch: pytest.MonkeyPatch
) -> None:
    import command_center

    aws.client("s3").create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("COMMAND_CENTER_BUCKET", BUCKET)
    answer = command_center.handler(api_request("GET", "/v1/command-center/metrics"), lambda_context)
    assert answer["statusCode"] == 404 and "no metrics snapshot" in json.loads(answer["body"])["error"]
    with pytest.raises(ValueError, match="instanceId"):
        command_center.handler({"source": "aws.events"}, lambda_context)
