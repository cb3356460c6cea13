"""Called by contact flows ("Invoke AWS Lambda function"): what to play and offer a waiting caller.

A caller is on the line, so this function always answers: a queue without configuration, an
unreadable item or a DynamoDB error all give the safe defaults (``configured: "false"``) and are
logged and counted. Connect wants a flat map of strings; ``cc_shared.experience`` makes it (the
flows' own defaults come from the same code). The flow passes ``queueId`` and ``checkSeconds``
(how often its customer-queue flow checks the wait).

Each answer is also put on the queue-experience stream (partition key: the contact id) for the
real-time views; a failed put is logged and counted, never shown to the caller.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from cc_shared.aws import client
from cc_shared.experience import DEFAULT_CHECK_SECONDS, flow_attributes
from cc_shared.experience_store import stored_experience
from cc_shared.models import QueueExperience, QueueId
from cc_shared.settings import required
from pydantic import TypeAdapter, ValidationError

logger = Logger()
tracer = Tracer()
metrics = Metrics()
QUEUE_ID = TypeAdapter(QueueId)
CHECK_SECONDS = TypeAdapter(int)


def section(event: Any, name: str) -> dict[str, Any]:
    """``event["Details"][name]`` when Connect sent it as an object, else empty: a caller is waiting,
    so an event of the wrong shape gets the defaults, never an error."""
    details = event.get("Details") if isinstance(event, dict) else None
    found = details.get(name) if isinstance(details, dict) else None
    return found if isinstance(found, dict) else {}


def queue_id_of(event: dict[str, Any]) -> str | None:
    raw = section(event, "Parameters").get("queueId")
    try:
        return QUEUE_ID.validate_python(raw)
    except ValidationError:
        logger.warning("the flow passed no valid queueId parameter", extra={"queueId": raw})
        return None


@tracer.capture_method
def load(queue_id: str | None) -> tuple[QueueExperience, bool]:
    if queue_id is None:
        return QueueExperience(), False
    try:
        stored = stored_experience(required("TABLE_NAME"), queue_id)
        return (stored, True) if stored else (QueueExperience(), False)
    except (BotoCoreError, ClientError, ValidationError):
        logger.exception("serving defaults: the queue's experience could not be read", extra={"queue_id": queue_id})
        metrics.add_metric(name="ExperienceDefaultsServed", unit="Count", value=1)
        return QueueExperience(), False


def check_seconds_of(event: dict[str, Any]) -> int:
    raw = section(event, "Parameters").get("checkSeconds")
    try:
        seconds = CHECK_SECONDS.validate_python(raw, strict=False)
    except ValidationError:
        return DEFAULT_CHECK_SECONDS
    return seconds if 1 <= seconds <= 3600 else DEFAULT_CHECK_SECONDS


def publish(contact_id: str, queue_id: str | None, configured: bool) -> None:
    record = {
        "type": "QueueExperienceServed",
        "contact_id": contact_id,
        "queue_id": queue_id,
        "configured": configured,
        "at": datetime.now(UTC).isoformat(),
    }
    try:
        client("kinesis").put_record(
            StreamName=required("STREAM_NAME"), Data=json.dumps(record).encode(), PartitionKey=contact_id
        )
    except (BotoCoreError, ClientError):
        logger.exception("could not put the queue-experience event on the stream", extra={"contact_id": contact_id})
        metrics.add_metric(name="StreamPutFailures", unit="Count", value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    contact_id = section(event, "ContactData").get("ContactId")
    contact_id = contact_id if isinstance(contact_id, str) and contact_id else "unknown"
    queue_id = queue_id_of(event)
    experience, configured = load(queue_id)
    publish(contact_id, queue_id, configured)
    return flow_attributes(experience, configured, check_seconds_of(event))
