"""voicemail_packager: a voicemail contact's CTR -> the caller's audio from Kinesis Video Streams ->
a WAV file in the voicemail bucket, with the audio made by a real encoder (tests/media.py).

Kinesis Video's media APIs are served by the project's emulator (moto has only the control plane),
in process (``emulator_in_process``), with the handler's SDK pointed at it by ``AWS_ENDPOINT_URL``.
Lambda's event source mapping is the test: it hands the handler the Kinesis event AWS sends and reads
the batch item failures it answers.
"""

from __future__ import annotations

import io
import json
import wave
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.functions.events import kinesis_batch
from tests.media import SAMPLE_RATE, caller_pcm, connect_stream, put_media

BUCKET = "cc-test-voicemail"
CTR_STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/cc-test-ctr"


class Kvs:
    """The emulator as the packager sees it, plus what Connect and the test do to it."""

    def __init__(self, url: str) -> None:
        self.url = url

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=self.url)

    def stream(self, name: str) -> str:
        return self.client("kinesisvideo").create_stream(StreamName=name, DataRetentionInHours=24)["StreamARN"]

    def wav(self, key: str) -> wave.Wave_read:
        return wave.open(io.BytesIO(self.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()))

    def tags(self, key: str) -> dict[str, str]:
        tag_set = self.client("s3").get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"]
        return {tag["Key"]: tag["Value"] for tag in tag_set}

    def keys(self) -> list[str]:
        return [o["Key"] for o in self.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.fixture
def kvs(emulator_in_process: str, aws: Any, monkeypatch: pytest.MonkeyPatch) -> Kvs:
    monkeypatch.setenv("VOICEMAIL_BUCKET", BUCKET)
    kvs = Kvs(emulator_in_process)
    s3 = kvs.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return kvs


def ctr(contact_id: str, attributes: dict[str, str], started: datetime | None = None) -> bytes:
    started = started or datetime.now(UTC) - timedelta(minutes=1)
    record = {
        "ContactId": contact_id,
        "Channel": "VOICE",
        "InitiationMethod": "INBOUND",
        "InitiationTimestamp": started.isoformat(),
        "DisconnectTimestamp": (started + timedelta(minutes=1)).isoformat(),
        "LastUpdateTimestamp": (started + timedelta(minutes=1)).isoformat(),
        "CustomerEndpoint": {"Address": "+14155550100", "Type": "TELEPHONE_NUMBER"},
        "Queue": {"ARN": "arn:aws:connect:us-east-1:123456789012:instance/i/queue/q", "Name": "support"},
        "Attributes": attributes,
        "MediaStreams": [{"Type": "AUDIO"}],
    }
    return json.dumps(record).encode()


def marks(stream_arn: str, start_fragment: str, queue: str = "support") -> dict[str, str]:
    """What the flow's recording step sets (modules/connect_flows/templates.py voicemail_capture)."""
    return {"voicemail": "true", "voicemailQueue": queue, "voicemailStreamArn": stream_arn,
            "voicemailStartFragment": start_fragment}  # fmt: skip


def package(lambda_context: Any, *records: bytes) -> dict[str, Any]:
    import voicemail_packager

    return voicemail_packager.handler(kinesis_batch(list(records), CTR_STREAM), lambda_context)


def failed(answer: dict[str, Any]) -> list[str]:
    return [item["itemIdentifier"] for item in answer["batchItemFailures"]]


def reasons() -> list[str]:
    """Why each record of the last batch failed (the exceptions the batch processor caught)."""
    import voicemail_packager

    return [f"{kind.__name__}: {error}" for kind, error, _ in voicemail_packager.processor.exceptions]


@pytest.mark.functions
def test_the_callers_audio_of_this_contact_becomes_a_wav_with_its_tags(kvs: Kvs, lambda_context: Any) -> None:
    stream = kvs.stream("cc-test-connect-contact-stream-1")
    put_media(kvs.url, stream, connect_stream("earlier-contact", 2, caller_hz=1000))  # the stream is reused
    [first, *_] = put_media(kvs.url, stream, connect_stream("c-1", 3))
    put_media(kvs.url, stream, connect_stream("later-contact", 2, caller_hz=1000))

    answer = package(lambda_context, ctr("c-1", marks(stream, first["FragmentNumber"])))

    assert failed(answer) == []
    key = "voicemail/support/c-1.wav"
    assert kvs.keys() == [key]
    with kvs.wav(key) as audio:
        assert (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) == (1, 2, SAMPLE_RATE)
        assert audio.getnframes() == 3 * SAMPLE_RATE  # 3.0 s: only this contact's fragments
        assert audio.readframes(audio.getnframes()) == caller_pcm(3)  # the caller's track, sample for sample
    assert kvs.tags(key) == {"queue-id": "support", "contact-id": "c-1", "duration-seconds": "3",
                             "caller": "+14155550100"}  # fmt: skip


@pytest.mark.functions
def test_a_redelivered_ctr_writes_nothing_twice(kvs: Kvs, lambda_context: Any) -> None:
    stream = kvs.stream("cc-test-connect-contact-stream-2")
    [first, *_] = put_media(kvs.url, stream, connect_stream("c-2", 2))
    record = ctr("c-2", marks(stream, first["FragmentNumber"]))

    assert failed(package(lambda_context, record)) == []
    assert failed(package(lambda_context, record, record)) == []

    versions = kvs.client("s3").list_object_versions(Bucket=BUCKET)["Versions"]
    assert [v["Key"] for v in versions] == ["voicemail/support/c-2.wav"]  # one version: no second notification


@pytest.mark.functions
def test_an_empty_stream_is_a_reported_failure_not_a_lost_voicemail(kvs: Kvs, lambda_context: Any) -> None:
    stream = kvs.stream("cc-test-connect-contact-stream-3")
    answer = package(lambda_context, ctr("c-3", marks(stream, "91343852333181432392682062607743920146264217204")))
    assert len(failed(answer)) == 1 and kvs.keys() == []
    [reason] = reasons()
    assert reason.startswith("NoAudio: contact c-3: 0 fragment(s)"), reason


@pytest.mark.functions
def test_a_contact_with_no_audio_of_its_own_is_a_reported_failure(kvs: Kvs, lambda_context: Any) -> None:
    stream = kvs.stream("cc-test-connect-contact-stream-4")
    [first, *_] = put_media(kvs.url, stream, connect_stream("someone-else", 2))
    no_marks = ctr("c-4", {"voicemail": "true", "voicemailQueue": "support"})  # streaming never started
    others_audio = ctr("c-5", marks(stream, first["FragmentNumber"]))  # the stream holds another contact only

    answer = package(lambda_context, no_marks, others_audio)

    assert len(failed(answer)) == 2 and kvs.keys() == []
    lacks, others = reasons()
    assert "lacks voicemailStreamArn, voicemailStartFragment" in lacks, lacks
    assert "fragment(s)" in others and "hold no audio of the caller for this contact" in others, others


@pytest.mark.functions
def test_a_stream_that_is_gone_or_a_poison_record_is_a_reported_failure(kvs: Kvs, lambda_context: Any) -> None:
    gone = ctr("c-6", marks("arn:aws:kinesisvideo:us-east-1:123456789012:stream/deleted/1", "1"))
    not_json, wrong_queue = b"\xff{", ctr("c-7", {**marks("arn:x", "1"), "voicemailQueue": "../etc"})

    answer = package(lambda_context, gone, not_json, wrong_queue)

    assert len(failed(answer)) == 3 and kvs.keys() == []
    stream_gone, poison, hostile = reasons()
    assert stream_gone.startswith("NoAudio") and "does not exist" in stream_gone, stream_gone
    assert poison.startswith("InvalidRecord") and "is not a CTR" in poison, poison
    assert hostile.startswith("InvalidRecord") and "is not a queue id" in hostile, hostile


@pytest.mark.functions
def test_a_fragment_cut_short_keeps_its_complete_samples() -> None:
    import voicemail_packager as packager

    whole = connect_stream("c-8", 2)
    audio = packager.add_fragments(None, whole[: len(whole) - 5001], "c-8")

    assert audio is not None and audio.truncated
    expected = caller_pcm(2)
    assert 0 < len(audio.pcm) < len(expected) and expected.startswith(bytes(audio.pcm))


@pytest.mark.functions
def test_a_wrong_shaped_event_names_what_the_packager_takes(lambda_context: Any) -> None:
    import voicemail_packager

    with pytest.raises(ValueError, match="Kinesis stream events"):
        voicemail_packager.handler({"Records": [{"s3": {}}]}, lambda_context)
