"""Supervisor view: queue metrics from Amazon Connect, snapshotted to the command center bucket.

Two callers, one function:
- the EventBridge schedule (``{"instanceId": ...}``) takes a snapshot: ``GetCurrentMetricData``
  for every standard queue, per queue and in total, written to ``metrics/latest.json`` and kept
  under ``metrics/history/<date>/``;
- the API (``GET /v1/command-center/metrics`` and ``/v1/command-center/queues/{queueId}``) serves
  the latest snapshot, so supervisors' dashboards never call Connect's rate-limited API themselves.

No ``from __future__ import annotations`` here: powertools reads the route signatures at runtime.
"""

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from cc_shared.api import ApiError, preflight, resolver
from cc_shared.aws import client
from cc_shared.settings import required

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = resolver()

LATEST_KEY = "metrics/latest.json"
METRICS = {
    "AGENTS_ONLINE": "COUNT",
    "AGENTS_AVAILABLE": "COUNT",
    "AGENTS_ON_CONTACT": "COUNT",
    "CONTACTS_IN_QUEUE": "COUNT",
    "OLDEST_CONTACT_AGE": "SECONDS",
}
QUEUES_PER_REQUEST = 100  # GetCurrentMetricData's filter limit
INSTANCE_ID = re.compile(r"^[a-zA-Z0-9-]{1,100}$")


class SnapshotError(ValueError):
    """The invocation is neither the API nor the snapshot schedule, or names no usable instance."""


def standard_queues(instance_id: str) -> Iterator[dict[str, str]]:
    for page in (
        client("connect").get_paginator("list_queues").paginate(InstanceId=instance_id, QueueTypes=["STANDARD"])
    ):
        yield from page["QueueSummaryList"]


def current_metrics(instance_id: str, queue_ids: list[str]) -> dict[str, dict[str, float]]:
    by_queue: dict[str, dict[str, float]] = {queue_id: dict.fromkeys(METRICS, 0.0) for queue_id in queue_ids}
    for start in range(0, len(queue_ids), QUEUES_PER_REQUEST):
        request = {
            "InstanceId": instance_id,
            "Filters": {"Queues": queue_ids[start : start + QUEUES_PER_REQUEST], "Channels": ["VOICE", "CHAT", "TASK"]},
            "Groupings": ["QUEUE"],
            "CurrentMetrics": [{"Name": name, "Unit": unit} for name, unit in METRICS.items()],
        }
        while True:
            answer = client("connect").get_current_metric_data(**request)
            for result in answer["MetricResults"]:
                queue_id = result["Dimensions"]["Queue"]["Id"]
                for collection in result["Collections"]:
                    by_queue[queue_id][collection["Metric"]["Name"]] = float(collection.get("Value") or 0)
            if not answer.get("NextToken"):
                break
            request["NextToken"] = answer["NextToken"]
    return by_queue


@tracer.capture_method
def snapshot(instance_id: str) -> dict[str, Any]:
    queues = {q["Id"]: q.get("Name", q["Id"]) for q in standard_queues(instance_id)}
    by_queue = current_metrics(instance_id, sorted(queues))
    totals = {name: sum(values[name] for values in by_queue.values()) for name in METRICS}
    totals["OLDEST_CONTACT_AGE"] = max((v["OLDEST_CONTACT_AGE"] for v in by_queue.values()), default=0.0)
    taken = datetime.now(UTC)
    document = {
        "taken_at": taken.isoformat(),
        "instance_id": instance_id,
        "totals": totals,
        "queues": [{"queue_id": qid, "name": queues[qid], **by_queue[qid]} for qid in sorted(by_queue)],
    }
    body = json.dumps(document, sort_keys=True).encode()
    bucket = required("COMMAND_CENTER_BUCKET")
    for key in (f"metrics/history/{taken:%Y/%m/%d/%H%M%S}.json", LATEST_KEY):
        client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    metrics.add_metric(name="SnapshotsTaken", unit="Count", value=1)
    return document


def latest() -> dict[str, Any]:
    try:
        obj = client("s3").get_object(Bucket=required("COMMAND_CENTER_BUCKET"), Key=LATEST_KEY)
    except client("s3").exceptions.NoSuchKey:
        raise ApiError(404, "no metrics snapshot has been taken yet") from None
    return json.loads(obj["Body"].read())


@app.get("/command-center/metrics")
@tracer.capture_method
def get_metrics() -> dict[str, Any]:
    return latest()


@app.get("/command-center/queues/<queue_id>")
@tracer.capture_method
def get_queue_metrics(queue_id: str) -> dict[str, Any]:
    document = latest()
    for queue in document["queues"]:
        if queue["queue_id"] == queue_id:
            return {"taken_at": document["taken_at"], **queue}
    raise ApiError(404, f"queue {queue_id!r} is not in the latest snapshot")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if isinstance(event, dict) and "httpMethod" in event:
        return preflight(event) or app.resolve(event, context)
    instance_id = event.get("instanceId") if isinstance(event, dict) else None
    if not isinstance(instance_id, str) or not INSTANCE_ID.match(instance_id):
        raise SnapshotError("a scheduled snapshot needs the Connect instance id as 'instanceId' in the rule's input")
    try:
        document = snapshot(instance_id)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in (
            "ResourceNotFoundException",
            "InvalidParameterException",
        ):
            raise  # throttling and outages are retried by the schedule's retry policy
        raise SnapshotError(f"Amazon Connect refused instance {instance_id!r}: {error}") from None
    return {"taken_at": document["taken_at"], "queues": len(document["queues"])}
