"""voicemail: S3 notifications into PostgreSQL and EventBridge (moto)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.functions.events import s3_object_created

BUCKET = "cc-test-voicemail"


@pytest.fixture
def received(database: str, aws, lambda_context: Any):
    """Creates the bucket and a queue that captures the default bus's VoicemailReceived events."""
    import voicemail

    s3, events, sqs = aws.client("s3"), aws.client("events"), aws.client("sqs")
    s3.create_bucket(Bucket=BUCKET)
    queue_url = sqs.create_queue(QueueName="captured-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="capture", EventPattern=json.dumps({"detail-type": ["VoicemailReceived"]}))
    events.put_targets(Rule="capture", Targets=[{"Id": "sqs", "Arn": queue_arn}])

    def upload(key: str, tags: str | None = None) -> dict[str, Any]:
        extra = {"Tagging": tags} if tags else {}
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"RIFF....WAVE", **extra)
        return voicemail.handler(s3_object_created(BUCKET, key.replace(" ", "+"), 12), lambda_context)

    def emitted() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    return upload, emitted


def test_tagged_voicemail_is_recorded_and_announced(received, postgres, database: str) -> None:
    upload, emitted = received
    answer = upload(
        "voicemail/support/c-77.wav", "caller=%2B14155550100&queue-id=support&contact-id=c-77&duration-seconds=42"
    )
    with postgres.connect(database) as connection:
        row = connection.execute(
            "SELECT voicemail_id, queue_id, caller, contact_id, duration_seconds FROM voicemails"
        ).fetchone()
    assert [str(row[0])] == answer["voicemails"]
    assert row[1:] == ("support", "+14155550100", "c-77", 42)
    [event] = emitted()
    assert event["source"] == "contact-center.platform" and event["detail-type"] == "VoicemailReceived"
    assert event["detail"]["key"] == "voicemail/support/c-77.wav" and event["detail"]["duration_seconds"] == 42


def test_untagged_voicemail_falls_back_to_the_key_layout(received, postgres, database: str) -> None:
    upload, _ = received
    upload("voicemail/billing/c-88.wav")
    with postgres.connect(database) as connection:
        assert connection.execute("SELECT queue_id, contact_id, caller FROM voicemails").fetchone() == (
            "billing",
            "c-88",
            None,
        )


def test_a_redelivered_notification_does_not_duplicate_the_row(received, postgres, database: str) -> None:
    upload, emitted = received
    first = upload("voicemail/support/c-1.wav")
    second = upload("voicemail/support/c-1.wav")
    assert first == second
    with postgres.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM voicemails").fetchone() == (1,)
    assert len(emitted()) == 2  # at least once: every attempt announces


def test_url_encoded_keys_are_decoded(received, postgres, database: str) -> None:
    upload, _ = received
    upload("voicemail/other layout/message one.wav")
    with postgres.connect(database) as connection:
        assert connection.execute("SELECT object_key, queue_id FROM voicemails").fetchone() == (
            "voicemail/other layout/message one.wav",
            None,
        )


def test_missing_object_fails_the_invocation_for_retry(database: str, aws, lambda_context: Any) -> None:
    import voicemail
    from botocore.exceptions import ClientError

    aws.client("s3").create_bucket(Bucket=BUCKET)
    with pytest.raises(ClientError):
        voicemail.handler(s3_object_created(BUCKET, "voicemail/support/gone.wav", 1), lambda_context)
