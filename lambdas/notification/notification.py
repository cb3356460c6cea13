"""Sends the email and SMS notifications of platform events, to the targets of the event's queue.

Targets live in the queue's experience item (``notify.emails`` / ``notify.phone_numbers``, edited
through the API). A voicemail notification carries a presigned link to the recording, valid for
``PRESIGNED_URL_SECONDS`` (default one hour). An event this function does not know, or whose
detail is invalid, raises an error naming the problem; EventBridge then retries and finally
parks the event on the rule's dead-letter queue, so nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from cc_shared.aws import client
from cc_shared.experience_store import stored_experience
from cc_shared.models import VOICEMAIL_RECEIVED, NotificationTargets, VoicemailReceived
from cc_shared.settings import integer, required
from pydantic import ValidationError

logger = Logger()
tracer = Tracer()
metrics = Metrics()


class UnsupportedEvent(ValueError):
    """The event is not one this function notifies about."""


def targets_of(queue_id: str | None) -> NotificationTargets:
    if not queue_id:
        return NotificationTargets()
    stored = stored_experience(required("TABLE_NAME"), queue_id)
    return stored.notify if stored else NotificationTargets()


def voicemail_message(voicemail: VoicemailReceived) -> tuple[str, str]:
    seconds = integer("PRESIGNED_URL_SECONDS", 3600)
    link = client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": voicemail.bucket, "Key": voicemail.key}, ExpiresIn=seconds
    )
    caller = voicemail.caller or "an unknown caller"
    length = f" ({voicemail.duration_seconds} s)" if voicemail.duration_seconds is not None else ""
    subject = f"New voicemail from {caller} on queue {voicemail.queue_id or 'unknown'}"
    body = f"{subject}{length}.\nListen (link valid for {seconds // 60} minutes): {link}\n"
    if voicemail.transcript:  # after the link: an SMS cut at its length limit keeps the link
        body += f"Transcript: {voicemail.transcript}\n"
    return subject, body


@tracer.capture_method
def send(targets: NotificationTargets, subject: str, body: str) -> int:
    sent = 0
    if targets.emails:
        client("ses").send_email(
            Source=required("SENDER_EMAIL"),
            Destination={"ToAddresses": list(targets.emails)},
            Message={"Subject": {"Data": subject}, "Body": {"Text": {"Data": body}}},
        )
        sent += len(targets.emails)
    for number in targets.phone_numbers:
        client("sns").publish(
            PhoneNumber=number,
            Message=body[:1600],
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )
        sent += 1
    return sent


def on_voicemail(detail: dict[str, Any]) -> int:
    voicemail = VoicemailReceived.model_validate(detail)
    targets = targets_of(voicemail.queue_id)
    if not targets.emails and not targets.phone_numbers:
        logger.info("queue has no notification targets", extra={"queue_id": voicemail.queue_id})
        return 0
    return send(targets, *voicemail_message(voicemail))


HANDLERS: dict[str, Callable[[dict[str, Any]], int]] = {VOICEMAIL_RECEIVED: on_voicemail}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail_type = event.get("detail-type") if isinstance(event, dict) else None
    if not isinstance(detail_type, str) or detail_type not in HANDLERS:
        raise UnsupportedEvent(f"no notification for detail-type {detail_type!r}; known: {sorted(HANDLERS)}")
    try:
        sent = HANDLERS[detail_type](event.get("detail") or {})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'detail'}: {e['msg']}" for e in error.errors()[:5])
        raise UnsupportedEvent(f"the {detail_type} detail is not valid: {problems}") from None
    metrics.add_metric(name="NotificationsSent", unit="Count", value=sent)
    return {"detail_type": detail_type, "sent": sent}
