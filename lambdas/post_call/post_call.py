"""Consumes the CTR stream: each Amazon Connect contact trace record becomes a row in ``contacts``.

- Idempotent: the upsert keeps the record with the newest ``LastUpdateTimestamp``, so a replayed
  or out-of-order record never duplicates a contact or rolls it back.
- A record that is not a valid CTR (bad base64, bad JSON, missing fields) is reported as a batch
  item failure; the rest of the batch is committed. The event source mapping bisects, retries and
  finally sends the failed record's position to the on-failure queue, so nothing is lost. When
  every record fails (a database outage), each is still reported, not raised: the batch is retried
  the same way without counting as a function error.
- An agent's username follows their newest contact: a replayed older CTR does not roll it back.
- When ``EXPORTS_BUCKET`` is set, the raw record is also written to the exports bucket under
  ``ctr-raw/<date>/``; the object name is derived from the record, so a replay overwrites it.
- Callbacks (cc_shared/callbacks.py): a contact whose flow queued a callback (attribute
  ``callbackRequested``) becomes a ``QUEUED`` callback of its queue, dialled back on the number the
  flow set (the caller's); the CTR of Connect's callback contact (``InitiationMethod`` CALLBACK)
  answered by an agent marks it ``COMPLETED``. Both are idempotent on re-delivery.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from cc_shared import callbacks, db
from cc_shared.aws import client
from cc_shared.models import ContactTraceRecord
from cc_shared.settings import optional, required
from cc_shared.streams import process_stream_batch
from psycopg.types.json import Jsonb

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False)

UPSERT_CONTACT = """
INSERT INTO contacts (contact_id, channel, initiation_method, queue_arn, queue_name, agent_arn,
                      customer_endpoint, initiated_at, disconnected_at, last_update_at, attributes)
VALUES (%(contact_id)s, %(channel)s, %(initiation_method)s, %(queue_arn)s, %(queue_name)s, %(agent_arn)s,
        %(customer_endpoint)s, %(initiated_at)s, %(disconnected_at)s, %(last_update_at)s, %(attributes)s)
ON CONFLICT (contact_id) DO UPDATE SET
    channel = EXCLUDED.channel, initiation_method = EXCLUDED.initiation_method,
    queue_arn = EXCLUDED.queue_arn, queue_name = EXCLUDED.queue_name, agent_arn = EXCLUDED.agent_arn,
    customer_endpoint = EXCLUDED.customer_endpoint, initiated_at = EXCLUDED.initiated_at,
    disconnected_at = EXCLUDED.disconnected_at, last_update_at = EXCLUDED.last_update_at,
    attributes = EXCLUDED.attributes, updated_at = now()
WHERE contacts.last_update_at <= EXCLUDED.last_update_at
"""

UPSERT_AGENT = """
INSERT INTO agents (agent_id, agent_arn, username, last_contact_at)
VALUES (%(agent_id)s, %(agent_arn)s, %(username)s, %(at)s)
ON CONFLICT (agent_id) DO UPDATE SET
    username = CASE WHEN EXCLUDED.last_contact_at >= agents.last_contact_at
                    THEN COALESCE(EXCLUDED.username, agents.username) ELSE agents.username END,
    last_contact_at = GREATEST(agents.last_contact_at, EXCLUDED.last_contact_at), updated_at = now()
"""


class InvalidRecord(ValueError):
    """The stream record is not a contact trace record; the message says what is wrong."""


def parse(record: KinesisStreamRecord) -> ContactTraceRecord:
    try:
        payload = json.loads(record.kinesis.data_as_bytes())
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidRecord(f"record {record.kinesis.sequence_number} is not JSON: {error}") from None
    try:
        return ContactTraceRecord.model_validate(payload)
    except ValueError as error:
        raise InvalidRecord(f"record {record.kinesis.sequence_number} is not a CTR: {error}") from None


def store(ctr: ContactTraceRecord) -> None:
    connection = db.connection()
    with connection.transaction():
        connection.execute(
            UPSERT_CONTACT,
            {
                "contact_id": ctr.ContactId,
                "channel": ctr.Channel,
                "initiation_method": ctr.InitiationMethod,
                "queue_arn": ctr.Queue.ARN if ctr.Queue else None,
                "queue_name": ctr.Queue.Name if ctr.Queue else None,
                "agent_arn": ctr.Agent.ARN if ctr.Agent else None,
                "customer_endpoint": ctr.CustomerEndpoint.Address if ctr.CustomerEndpoint else None,
                "initiated_at": ctr.InitiationTimestamp,
                "disconnected_at": ctr.DisconnectTimestamp,
                "last_update_at": ctr.LastUpdateTimestamp,
                "attributes": Jsonb(ctr.Attributes),
            },
        )
        if ctr.Agent:
            connection.execute(
                UPSERT_AGENT,
                {
                    "agent_id": ctr.Agent.ARN.rsplit("/", 1)[-1],
                    "agent_arn": ctr.Agent.ARN,
                    "username": ctr.Agent.Username,
                    "at": ctr.DisconnectTimestamp or ctr.LastUpdateTimestamp,
                },
            )


def archive(ctr: ContactTraceRecord, raw: bytes) -> None:
    bucket = optional("EXPORTS_BUCKET")
    if not bucket:
        return
    day = ctr.InitiationTimestamp.strftime("%Y/%m/%d")
    stamp = ctr.LastUpdateTimestamp.strftime("%Y%m%dT%H%M%S%fZ")
    client("s3").put_object(
        Bucket=bucket,
        Key=f"ctr-raw/{day}/{ctr.ContactId}-{stamp}.json",
        Body=raw,
        ContentType="application/json",
    )  # no encryption header: the bucket's default (the storage CMK) applies; "aws:kms" alone means aws/s3


def record_callback(ctr: ContactTraceRecord) -> None:
    """The callback this contact queued, or the callback it was (see the module docstring)."""
    if ctr.InitiationMethod == "CALLBACK" and ctr.PreviousContactId and ctr.Agent:
        taken = callbacks.complete(required("TABLE_NAME"), ctr.PreviousContactId, ctr.Agent.ARN,
                                   ctr.DisconnectTimestamp or ctr.LastUpdateTimestamp)  # fmt: skip
        metrics.add_metric(name="CallbacksCompleted", unit="Count", value=taken)
        return
    if ctr.Attributes.get("callbackRequested") != "true":
        return
    queue_id, number = ctr.Attributes.get("queueId"), ctr.CustomerEndpoint.Address if ctr.CustomerEndpoint else None
    if not queue_id or not number:
        raise InvalidRecord(f"contact {ctr.ContactId} queued a callback but its CTR has no queueId attribute or "
                            "customer number to record it by")  # fmt: skip
    item = callbacks.new_item(queue_id, number, ctr.ContactId, ctr.InitiationTimestamp,
                              ctr.DisconnectTimestamp or ctr.LastUpdateTimestamp, "QUEUED")  # fmt: skip
    if callbacks.store(required("TABLE_NAME"), item):
        metrics.add_metric(name="CallbacksQueued", unit="Count", value=1)


@tracer.capture_method
def record_handler(record: KinesisStreamRecord) -> None:
    ctr = parse(record)
    store(ctr)
    record_callback(ctr)
    archive(ctr, record.kinesis.data_as_bytes())
    metrics.add_metric(name="ContactRecordsStored", unit="Count", value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_stream_batch("post_call", event, context, record_handler, processor)
