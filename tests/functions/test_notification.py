"""notification: VoicemailReceived events to SES email and SNS SMS (moto), with presigned links."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.functions.events import eventbridge

SENDER = "contact-center@example.com"
DETAIL = {"voicemail_id": "5b1c", "bucket": "cc-test-voicemail", "key": "voicemail/support/c-1.wav",
          "queue_id": "support", "caller": "+14155550100", "duration_seconds": 31}  # fmt: skip


@pytest.fixture
def notify(aws, table: str, lambda_context: Any, monkeypatch: pytest.MonkeyPatch):
    import notification

    aws.client("ses").verify_email_identity(EmailAddress=SENDER)
    monkeypatch.setenv("SENDER_EMAIL", SENDER)
    monkeypatch.setenv("PRESIGNED_URL_SECONDS", "900")

    def configure(emails: list[str], phones: list[str]) -> None:
        experience = {"notify": {"emails": emails, "phone_numbers": phones}}
        aws.client("dynamodb").put_item(
            TableName=table,
            Item={"pk": {"S": "QUEUE#support"}, "sk": {"S": "CONFIG"}, "experience": {"S": json.dumps(experience)}},
        )

    def invoke(detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
        return notification.handler(eventbridge(detail_type, detail), lambda_context)

    return configure, invoke


def sent_emails() -> list[dict[str, Any]]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages


def sent_sms() -> list[tuple]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return list(sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values())


def test_voicemail_notifies_every_target_with_a_presigned_link(notify) -> None:
    configure, invoke = notify
    configure(["lead@example.com", "backup@example.com"], ["+14155550111"])
    assert invoke("VoicemailReceived", DETAIL) == {"detail_type": "VoicemailReceived", "sent": 3}
    [email] = sent_emails()
    assert email.destinations["ToAddresses"] == ["lead@example.com", "backup@example.com"]
    assert "New voicemail from +14155550100 on queue support" in email.subject
    link = next(word for word in email.body.split() if word.startswith("https://"))
    query = parse_qs(urlparse(link).query)
    assert urlparse(link).path.endswith("/voicemail/support/c-1.wav") and query["X-Amz-Expires"] == ["900"]
    [(number, message)] = sent_sms()
    assert number == "+14155550111" and link in message


def test_queue_without_targets_sends_nothing(notify) -> None:
    _, invoke = notify
    assert invoke("VoicemailReceived", DETAIL)["sent"] == 0
    assert sent_emails() == []


@pytest.mark.parametrize(
    ("detail_type", "detail", "message"),
    [
        ("SomethingElse", DETAIL, "no notification for detail-type 'SomethingElse'"),
        ("VoicemailReceived", {"bucket": "b"}, "voicemail_id"),
    ],
)
def test_unknown_or_invalid_events_raise_a_clear_error(notify, detail_type: str, detail: dict, message: str) -> None:
    _, invoke = notify
    with pytest.raises(ValueError, match=message):
        invoke(detail_type, detail)


def test_a_transcribed_voicemail_carries_its_text_after_the_link(notify) -> None:
    configure, invoke = notify
    configure(["lead@example.com"], ["+14155550111"])
    invoke("VoicemailReceived", {**DETAIL, "transcript": "Please call me back about my bill."})
    [email] = sent_emails()
    assert "Transcript: Please call me back about my bill." in email.body
    [(_, message)] = sent_sms()
    assert message.index("https://") < message.index("Transcript: Please call me back")
