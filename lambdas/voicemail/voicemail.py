"""A new object in the voicemail bucket becomes a ``voicemails`` row and a ``VoicemailReceived`` event.

Who left the message comes from the object's tags, which the contact flow's recording step sets
(``caller``, ``queue-id``, ``contact-id``, ``duration-seconds``); a message without tags is still
recorded, with what the key tells (``voicemail/<queue-id>/<contact-id>.wav``).

Delivery is at least once: the row is inserted once per object (``bucket, object_key`` is unique),
and the event is sent on every attempt, so a retry after a failed ``PutEvents`` still notifies.
A failed invocation is retried by Lambda's async retries and then lands on the on-failure queue.

Transcription (off unless ``TRANSCRIBE_LANGUAGE`` is set, from ``connect.voicemail_transcription``):
an Amazon Transcribe job per voicemail (named after the object, so a retry finds the same job), its
output under ``voicemail-transcripts/``; the function waits for it (at most
``TRANSCRIPTION_WAIT_SECONDS``, within its own remaining time) and the event carries the text. A
failed or late job does not hold the voicemail back: the event goes out without a transcript.

Input: S3 ``ObjectCreated`` notifications (``Records[].s3``) or EventBridge ``Object Created``
events from S3; S3's ``s3:TestEvent`` and records of other event types are ignored. Any other event
fails with ``WrongEvent`` naming what was expected; an object that no longer exists fails with
``VoicemailGone`` (the notification then waits on the on-failure queue for a person).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from cc_shared import db
from cc_shared.aws import client
from cc_shared.models import EVENT_SOURCE, VOICEMAIL_RECEIVED, VoicemailReceived
from cc_shared.settings import integer, optional
from cc_shared.voicemail_objects import CALLER, CONTACT, DURATION, KEY_LAYOUT, QUEUE, transcript_key

logger = Logger()
tracer = Tracer()
metrics = Metrics()

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


class WrongEvent(ValueError):
    """The invocation is not an S3 object-created notification; the message says what was expected."""


class VoicemailGone(RuntimeError):
    """The object the notification is about no longer exists."""


@dataclass(frozen=True)
class NewObject:
    bucket: str
    key: str
    version: str | None
    received: datetime


def new_objects(event: Any) -> list[NewObject]:
    """The objects an S3 notification or an EventBridge S3 event announces (see the module docstring)."""
    if isinstance(event, dict) and event.get("Event") == "s3:TestEvent":
        return []
    if isinstance(event, dict) and event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        detail = event["detail"] if isinstance(event.get("detail"), dict) else {}
        return [_new_object(detail.get("bucket"), detail.get("object"), event.get("time"), "detail", url_encoded=False)]
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not all(isinstance(record, dict) and "s3" in record for record in records):
        keys = ", ".join(sorted(event)[:8]) if isinstance(event, dict) else type(event).__name__
        raise WrongEvent(f"voicemail takes S3 ObjectCreated notifications (Records[].s3) or EventBridge 'Object "
                         f"Created' events from S3, not this event ({keys})")  # fmt: skip
    found = []
    for index, record in enumerate(records):
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            logger.info("not an object creation; ignored", extra={"event_name": record.get("eventName")})
            continue
        s3 = record["s3"] if isinstance(record["s3"], dict) else {}
        where = f"Records[{index}].s3"
        found.append(_new_object(s3.get("bucket"), s3.get("object"), record.get("eventTime"), where, url_encoded=True))
    return found


def _new_object(bucket: Any, item: Any, time: Any, where: str, url_encoded: bool) -> NewObject:
    """The object one record announces; ``url_encoded``: notifications URL-encode keys (a space is
    '+'), EventBridge events do not."""
    name = bucket.get("name") if isinstance(bucket, dict) else None
    key = item.get("key") if isinstance(item, dict) else None
    version = item.get("versionId") if isinstance(item, dict) else None
    if not isinstance(name, str) or not isinstance(key, str) or not name or not key:
        raise WrongEvent(f"{where} needs bucket.name and object.key as text")
    try:
        received = datetime.fromisoformat(str(time).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise WrongEvent(f"{where}: the event time {time!r} is not a timestamp") from None
    return NewObject(name, unquote_plus(key) if url_encoded else key,
                     version if isinstance(version, str) else None, received)  # fmt: skip


def describe(bucket: str, key: str, version: str | None = None) -> dict[str, Any]:
    """What is known about the message: its tags first, the key layout as a fallback."""
    versioned = {"VersionId": version} if version else {}
    try:
        answer = client("s3").get_object_tagging(Bucket=bucket, Key=key, **versioned)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchVersion", "404"):
            raise VoicemailGone(
                f"s3://{bucket}/{key} no longer exists (version {version}): nothing to record"
            ) from None
        raise
    tags = {t["Key"]: t["Value"] for t in answer["TagSet"]}
    from_key = KEY_LAYOUT.match(key)
    duration = tags.get(DURATION, "")
    return {
        "caller": tags.get(CALLER),
        "queue": tags.get(QUEUE) or (from_key["queue"] if from_key else None),
        "contact": tags.get(CONTACT) or (from_key["contact"] if from_key else None),
        "duration": int(duration) if duration.isdigit() else None,
    }


@tracer.capture_method
def record(bucket: str, key: str, version: str | None, received: datetime) -> VoicemailReceived:
    details = describe(bucket, key, version)
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


def _transcript_text(bucket: str, key: str) -> str | None:
    """The text of Amazon Transcribe's output document (``results.transcripts[0].transcript``)."""
    try:
        document = json.loads(client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
        return str(document["results"]["transcripts"][0]["transcript"]) or None
    except (ClientError, ValueError, KeyError, IndexError, TypeError) as error:
        logger.warning("the transcript could not be read", extra={"key": key, "error": str(error)})
        return None


def transcribe(voicemail: VoicemailReceived, version: str | None, context: LambdaContext) -> str | None:
    """The voicemail's text from Amazon Transcribe, or None when it is off, failed or is late."""
    language = optional("TRANSCRIBE_LANGUAGE")
    if not language:
        return None
    queue, contact = voicemail.queue_id or "unknown", voicemail.contact_id or voicemail.voicemail_id
    output = transcript_key(queue, contact)
    name = "voicemail-" + hashlib.sha256(f"{voicemail.bucket}/{voicemail.key}/{version}".encode()).hexdigest()[:40]
    transcribe_ = client("transcribe")
    try:
        transcribe_.start_transcription_job(
            TranscriptionJobName=name, LanguageCode=language, MediaFormat="wav",
            Media={"MediaFileUri": f"s3://{voicemail.bucket}/{voicemail.key}"},
            OutputBucketName=voicemail.bucket, OutputKey=output,
        )  # fmt: skip
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConflictException":  # a retry: the job exists
            raise
    wait = min(integer("TRANSCRIPTION_WAIT_SECONDS", 240), context.get_remaining_time_in_millis() / 1000 - 10)
    deadline, pause = time.monotonic() + wait, integer("TRANSCRIPTION_POLL_SECONDS", 5)
    while True:
        job = transcribe_.get_transcription_job(TranscriptionJobName=name)["TranscriptionJob"]
        status = job["TranscriptionJobStatus"]
        if status == "COMPLETED":
            return _transcript_text(voicemail.bucket, output)
        if status == "FAILED" or time.monotonic() >= deadline:
            logger.warning("voicemail announced without a transcript", extra={"job": name, "status": status,
                           "reason": job.get("FailureReason")})  # fmt: skip
            return None
        time.sleep(pause)


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


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    recorded = []
    for item in new_objects(event):
        voicemail = record(item.bucket, item.key, item.version, item.received)
        text = transcribe(voicemail, item.version, context)
        announce(voicemail.model_copy(update={"transcript": text}) if text else voicemail)
        metrics.add_metric(name="VoicemailsReceived", unit="Count", value=1)
        recorded.append(voicemail.voicemail_id)
    return {"voicemails": recorded}
