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


def test_an_object_already_deleted_fails_naming_it_for_the_failure_queue(database: str, aws, lambda_context) -> None:
    import voicemail

    aws.client("s3").create_bucket(Bucket=BUCKET)
    with pytest.raises(voicemail.VoicemailGone, match=r"s3://cc-test-voicemail/voicemail/support/gone.wav no longer"):
        voicemail.handler(s3_object_created(BUCKET, "voicemail/support/gone.wav", 1), lambda_context)


def test_an_eventbridge_s3_event_is_recorded_too(received, postgres, database: str, aws, lambda_context) -> None:
    import voicemail

    aws.client("s3").put_object(Bucket=BUCKET, Key="voicemail/billing/c 9.wav", Body=b"RIFF....WAVE")
    detail = {"bucket": {"name": BUCKET}, "object": {"key": "voicemail/billing/c 9.wav", "size": 12}}
    event = {"version": "0", "source": "aws.s3", "detail-type": "Object Created", "time": "2026-11-24T10:00:00Z",
             "detail": detail}  # fmt: skip
    [voicemail_id] = voicemail.handler(event, lambda_context)["voicemails"]
    with postgres.connect(database) as connection:
        row = connection.execute("SELECT queue_id, contact_id FROM voicemails WHERE voicemail_id = %s", (voicemail_id,))
        assert row.fetchone() == ("billing", "c 9")


@pytest.mark.parametrize(
    "event",
    [
        {"version": "2.0", "routeKey": "POST /voicemail", "body": "{}"},  # an HTTP API v2 event
        {"Records": [{"kinesis": {"data": "e30="}}]},
        {
            "Records": [
                {
                    "s3": {"bucket": {"name": 7}, "object": {"key": None}},
                    "eventName": "ObjectCreated:Put",
                    "eventTime": "2026-11-24T10:00:00Z",
                }
            ]
        },
        [],
    ],
)
def test_events_of_the_wrong_shape_fail_naming_what_was_expected(database: str, lambda_context, event: Any) -> None:
    import voicemail

    with pytest.raises(voicemail.WrongEvent, match=r"voicemail takes S3|needs bucket.name and object.key"):
        voicemail.handler(event, lambda_context)


def test_s3_test_events_and_other_event_types_are_ignored(database: str, lambda_context) -> None:
    import voicemail

    assert voicemail.handler({"Service": "Amazon S3", "Event": "s3:TestEvent"}, lambda_context) == {"voicemails": []}
    removed = {"Records": [{"eventName": "ObjectRemoved:Delete", "s3": {}}]}
    assert voicemail.handler(removed, lambda_context) == {"voicemails": []}


TEXT = "Hi, please call me back about my bill."
TRANSCRIPT = {"jobName": "voicemail-x", "accountId": "123456789012", "status": "COMPLETED",
              "results": {"transcripts": [{"transcript": TEXT}], "items": []}}  # fmt: skip


@pytest.fixture
def transcribing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSCRIBE_LANGUAGE", "en-US")
    monkeypatch.setenv("TRANSCRIPTION_POLL_SECONDS", "0")


def test_with_transcription_on_the_event_carries_the_text(received, transcribing, aws) -> None:
    """Amazon Transcribe writes its output document where the job says (moto runs the job but writes
    nothing, so the test writes the document Transcribe would)."""
    from cc_shared.voicemail_objects import transcript_key

    upload, emitted = received
    aws.client("s3").put_object(Bucket=BUCKET, Key=transcript_key("support", "c-5"), Body=json.dumps(TRANSCRIPT))
    upload("voicemail/support/c-5.wav", "queue-id=support&contact-id=c-5")
    [event] = emitted()
    assert event["detail"]["transcript"] == TEXT
    [job] = aws.client("transcribe").list_transcription_jobs()["TranscriptionJobSummaries"]
    assert job["TranscriptionJobName"].startswith("voicemail-") and job["LanguageCode"] == "en-US"
    upload("voicemail/support/c-5.wav", "queue-id=support&contact-id=c-5")  # a retry finds the same job
    assert len(aws.client("transcribe").list_transcription_jobs()["TranscriptionJobSummaries"]) == 1


def test_a_transcript_that_never_comes_does_not_hold_the_voicemail_back(received, transcribing) -> None:
    upload, emitted = received
    upload("voicemail/support/c-6.wav", "queue-id=support&contact-id=c-6")  # no output document
    [event] = emitted()
    assert event["detail"]["contact_id"] == "c-6" and event["detail"].get("transcript") is None


def test_with_transcription_off_nothing_is_transcribed(received, aws) -> None:
    upload, emitted = received
    upload("voicemail/support/c-7.wav")
    assert emitted()[0]["detail"].get("transcript") is None
    assert aws.client("transcribe").list_transcription_jobs()["TranscriptionJobSummaries"] == []
