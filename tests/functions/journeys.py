"""What the journey tests need to play AWS's part between two hops: the CTR Connect writes, and the
batch Lambda's event source mapping hands a consumer (with its event filter) from the records that
really are on the emulated stream."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from modules.connect_flows.simulator import Caller, Journey
from modules.lambda_ import STREAM_FILTERS
from modules.naming import Function


def matches(pattern: Mapping[str, Any], document: Mapping[str, Any]) -> bool:
    """Lambda event filtering for the patterns we use (exact values listed under nested keys)."""
    for key, wanted in pattern.items():
        if isinstance(wanted, Mapping):
            if not isinstance(document.get(key), Mapping) or not matches(wanted, document[key]):
                return False
        elif document.get(key) not in wanted:
            return False
    return True


def ctr_of(caller: Caller, journey: Journey | None, ended: datetime, **fields: Any) -> dict[str, Any]:
    """The CTR Connect writes when the contact ends (the fields the platform reads); ``fields``
    add or replace top-level fields (Queue, Agent)."""
    attributes = journey.attributes if journey else {}
    return {
        "ContactId": caller.contact_id,
        "Channel": "VOICE",
        "InitiationMethod": "INBOUND",
        "InitiationTimestamp": (ended - timedelta(minutes=2)).isoformat(),
        "DisconnectTimestamp": ended.isoformat(),
        "LastUpdateTimestamp": ended.isoformat(),
        "CustomerEndpoint": {"Address": caller.number, "Type": "TELEPHONE_NUMBER"},
        "SystemEndpoint": {"Address": caller.dialled, "Type": "TELEPHONE_NUMBER"},
        "Attributes": {key: value for key, value in attributes.items() if not key.startswith("$")},
        "MediaStreams": [{"Type": "AUDIO"}],
        **fields,
    }


def delivered_by_the_mapping(kinesis: Any, stream: str, function: Function) -> dict[str, Any]:
    """What Lambda's event source mapping hands ``function``: the stream's records that pass its filter."""
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    pattern = STREAM_FILTERS.get(function)
    passed = [r for r in records if pattern is None or matches(pattern, {"data": json.loads(r["Data"])})]
    return {"Records": [{
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": r["PartitionKey"],
                    "sequenceNumber": r["SequenceNumber"], "data": base64.b64encode(r["Data"]).decode(),
                    "approximateArrivalTimestamp": r["ApproximateArrivalTimestamp"].timestamp()},
        "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"{shard}:{r['SequenceNumber']}",
        "eventName": "aws:kinesis:record", "awsRegion": "us-east-1", "eventSourceARN": arn,
        "invokeIdentityArn": f"arn:aws:iam::123456789012:role/cc-test-{function.value}-fn",
    } for r in passed]}  # fmt: skip


def contact_ids(batch: Mapping[str, Any]) -> list[str]:
    return [json.loads(base64.b64decode(r["kinesis"]["data"]))["ContactId"] for r in batch["Records"]]
