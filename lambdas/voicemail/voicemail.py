"""A new object in the voicemail bucket becomes a ``voicemails`` row and a ``VoicemailReceived`` event.

Who left the message comes from the object's tags, which the contact flow's recording step sets
(``caller``, ``queue-id``, ``contact-id``, ``duration-seconds``); a message without tags is still
recorded, with what the key tells (``voicemail/<queue-id>/<contact-id>.wav``).

Delivery is at least once: the row is inserted once per object (``bucket, object_key`` is unique),
and the event is sent on every attempt, so a retry after a failed ``PutEvents`` still notifies.
A failed invocation is retried by Lambda's async retries and then lands on the on-failure queue.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from cc_shared import db
from cc_shared.aws import client
from cc_shared.models import EVENT_SOURCE, VOICEMAIL_RECEIVED, VoicemailReceived
from cc_shared.settings import optional

logger = Logger()
tracer = Tracer()
metrics = Metrics()
KEY_LAYOUT = re.compile(r"^voicemail/(?P<queue>[a-z0-9][a-z0-9-]{0,62})/(?P<contact>[^/]+)\.[a-z0-9]+$")

INSERT = """
WITH inserted AS (
    INSERT INTO voicemails (bucket, object_key, version_id, contact_id, queue_id, caller, duration_seconds, received_at)
    VALUES (%(bucket)s, %(key)s, %(version)s, %(contact)s, %(queue)s, %(caller)s, %(duration)s, %(received)s)
    ON CONFLICT (bucket, object_key) DO NOTHING
    RETURNING voicemail_id
)
SELECT voicemail_id FROM inserted
UNION ALL
SELECT voicemail_id FROM voicemails WHERE bucket = %(bucket)s AND object_key = %(key)s
"""


def describe(bucket: str, key: str) -> dict[str, Any]:
    """What is known about the message: its tags first, the key layout as a fallback."""
    tags = {t["Key"]: t["Value"] for t in client("s3").get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}
    from_key = KEY_LAYOUT.match(key)
    duration = tags.get("duration-seconds", "")
    return {
        "caller": tags.get("caller"),
        "queue": tags.get("queue-id") or (from_key["queue"] if from_key else None),
        "contact": tags.get("contact-id") or (from_key["contact"] if from_key else None),
        "duration": int(duration) if duration.isdigit() else None,
    }


@tracer.capture_method
def record(bucket: str, key: str, version: str | None, received: datetime) -> VoicemailReceived:
    details = describe(bucket, key)
    connection = db.connection()
    with connection.transaction():
        row = connection.execute(
            INSERT, {**details, "bucket": bucket, "key": key, "version": version, "received": received}
        ).fetchone()
    assert row is not None  # the UNION returns the existing row when the insert was a no-op
    return VoicemailReceived(
        voicemail_id=str(row["voicemail_id"]),
        bucket=bucket,
        key=key,
        queue_id=details["queue"],
        caller=details["caller"],
        contact_id=details["contact"],
        duration_seconds=details["duration"],
    )


def announce(voicemail: VoicemailReceived) -> None:
    answer = client("events").put_events(
        Entries=[
            {
                "Source": EVENT_SOURCE,
                "DetailType": VOICEMAIL_RECEIVED,
                "Detail": voicemail.model_dump_json(),
                "EventBusName": optional("EVENT_BUS_NAME", "default"),
            }
        ]
    )
    if answer.get("FailedEntryCount"):
        entry = answer["Entries"][0]
        raise RuntimeError(
            f"EventBridge refused VoicemailReceived: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}"
        )


@event_source(data_class=S3Event)
@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    recorded = []
    for entry in event.records:
        key = unquote_plus(entry.s3.get_object.key)
        received = datetime.fromisoformat(entry.event_time.replace("Z", "+00:00")).astimezone(UTC)
        voicemail = record(entry.s3.bucket.name, key, entry.s3.get_object.version_id, received)
        announce(voicemail)
        metrics.add_metric(name="VoicemailsReceived", unit="Count", value=1)
        recorded.append(voicemail.voicemail_id)
    return {"voicemails": recorded}
