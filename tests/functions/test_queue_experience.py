"""queue_experience: Connect flow invocations against moto's DynamoDB and Kinesis."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.functions.events import connect_flow

STREAM = "cc-test-queue-experience"


@pytest.fixture
def flow(aws, table: str, lambda_context: Any, monkeypatch: pytest.MonkeyPatch):
    import queue_experience

    aws.client("kinesis").create_stream(StreamName=STREAM, ShardCount=1)
    monkeypatch.setenv("STREAM_NAME", STREAM)

    def invoke(parameters: dict[str, str]) -> dict[str, str]:
        return queue_experience.handler(connect_flow(parameters, contact_id="c-5"), lambda_context)

    return invoke


def stream_records(aws) -> list[dict[str, Any]]:
    kinesis = aws.client("kinesis")
    shard = kinesis.describe_stream(StreamName=STREAM)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=STREAM, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return [json.loads(record["Data"]) for record in records]


def test_configured_queue_gets_its_experience_as_flat_strings(flow, aws, table: str) -> None:
    experience = {"welcome_message": "Welcome to support.", "callback": {"enabled": True, "max_wait_minutes": 15}}
    aws.client("dynamodb").put_item(
        TableName=table,
        Item={"pk": {"S": "QUEUE#support"}, "sk": {"S": "CONFIG"}, "experience": {"S": json.dumps(experience)}},
    )
    answer = flow({"queueId": "support"})
    assert answer["configured"] == "true" and answer["welcomeMessage"] == "Welcome to support."
    assert answer["callbackEnabled"] == "true" and answer["callbackMaxWaitMinutes"] == "15"
    assert all(isinstance(value, str) for value in answer.values())
    [event] = stream_records(aws)
    assert event["contact_id"] == "c-5" and event["queue_id"] == "support" and event["configured"] is True


@pytest.mark.parametrize("parameters", [{"queueId": "unknown-queue"}, {}, {"queueId": "'; DROP--"}])
def test_missing_or_invalid_queue_gets_safe_defaults(flow, parameters: dict[str, str]) -> None:
    answer = flow(parameters)
    assert answer["configured"] == "false" and answer["callbackEnabled"] == "false"
    assert answer["welcomeMessage"].startswith("Thank you for calling")


def test_corrupt_item_gets_defaults_not_an_error(flow, aws, table: str) -> None:
    aws.client("dynamodb").put_item(
        TableName=table, Item={"pk": {"S": "QUEUE#support"}, "sk": {"S": "CONFIG"}, "experience": {"S": "{oops"}}
    )
    assert flow({"queueId": "support"})["configured"] == "false"


def test_stream_outage_does_not_reach_the_caller(flow, aws) -> None:
    aws.client("kinesis").delete_stream(StreamName=STREAM)
    assert flow({"queueId": "support"})["configured"] == "false"


def test_table_outage_gives_defaults(flow, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "no-such-table")
    assert flow({"queueId": "support"})["configured"] == "false"
