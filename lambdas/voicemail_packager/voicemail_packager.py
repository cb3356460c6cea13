"""A caller's voicemail, streamed by Amazon Connect to Kinesis Video Streams, becomes a WAV file in
the voicemail bucket (where the voicemail function picks it up and notifies the queue's owners).

Fed by the CTR stream through an event-source filter that passes only contacts the flows marked
``voicemail = "true"``. The flow's recording step also stored where the audio is:
``voicemailStreamArn`` and ``voicemailStartFragment`` (Connect's
``$.MediaStreams.Customer.Audio.StreamARN`` / ``.StartFragmentNumber``) and ``voicemailQueue``.

For each such contact:
1. If ``voicemail/<queue>/<contact>.wav`` already exists, the record is a re-delivery: done.
2. The fragments of the stream from the contact's start to its end (``ListFragments`` by server
   time, from the start fragment on) are read with ``GetMediaForFragmentList``. Connect reuses
   streams across contacts, so only fragments tagged with this ``ContactId`` count.
3. The Matroska fragments are parsed with ebmlite; the samples of the ``AUDIO_FROM_CUSTOMER`` track
   (16-bit little-endian PCM, Connect sends 8 kHz mono) become a standard WAV file, written with the
   tags the voicemail function reads. A fragment cut short keeps its complete blocks.

A record without the marks, with no audio for the contact, or whose stream is gone is reported as a
batch item failure (never dropped): the event source mapping retries it and then sends it to the
packager's dead-letter queue, where a person can act while the stream still holds the audio.
"""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import ebmlite
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from cc_shared.aws import client
from cc_shared.models import ContactTraceRecord
from cc_shared.settings import required
from cc_shared.streams import process_stream_batch
from cc_shared.voicemail_objects import CALLER, CONTACT, DURATION, QUEUE, QUEUE_ID, voicemail_key

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False)
MATROSKA = ebmlite.loadSchema("matroska.xml")

CUSTOMER_TRACK = "AUDIO_FROM_CUSTOMER"
PCM_CODEC = "A_PCM/INT/LIT"
CONTACT_TAG = "ContactId"
# The contact attributes the flow's recording step sets (modules/connect_flows/templates.py).
WHERE_THE_AUDIO_IS = ("voicemailStreamArn", "voicemailStartFragment", "voicemailQueue")
# Fragments are listed by the time KVS received them: a little before the contact's start (clock
# skew) up to a while after its last update (the stream is flushed after the contact ends).
LISTING_MARGIN = timedelta(minutes=2)
FRAGMENTS_PER_REQUEST = 1000  # GetMediaForFragmentList's limit


class InvalidRecord(ValueError):
    """The record is not a voicemail contact's CTR with the marks the flow sets; the message says which."""


class NoAudio(RuntimeError):
    """The stream holds no usable audio of the caller for this contact; the message says why."""


@dataclass(frozen=True)
class Voicemail:
    """A contact the flows marked as a voicemail, and where its audio is."""

    contact_id: str
    queue_id: str
    caller: str | None
    stream_arn: str
    start_fragment: int
    ctr: ContactTraceRecord


@dataclass
class Audio:
    """The caller's samples: 16-bit little-endian PCM."""

    sample_rate: int
    channels: int
    pcm: bytearray = field(default_factory=bytearray)
    fragments: int = 0
    truncated: bool = False

    @property
    def frame_bytes(self) -> int:
        return 2 * self.channels

    @property
    def duration_seconds(self) -> float:
        return len(self.pcm) / (self.frame_bytes * self.sample_rate)


def parse(record: KinesisStreamRecord) -> Voicemail:
    sequence = record.kinesis.sequence_number
    try:
        ctr = ContactTraceRecord.model_validate(json.loads(record.kinesis.data_as_bytes()))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidRecord(f"record {sequence} is not a CTR: {error}") from None
    marks = ctr.Attributes
    if marks.get("voicemail") != "true":
        raise InvalidRecord(f"contact {ctr.ContactId} is not marked as a voicemail (attribute voicemail)")
    missing = [name for name in WHERE_THE_AUDIO_IS if not marks.get(name)]
    if missing:
        raise NoAudio(f"contact {ctr.ContactId} is a voicemail but its CTR lacks {', '.join(missing)}: "
                      "the flow never started streaming the caller's audio")  # fmt: skip
    if not QUEUE_ID.fullmatch(marks["voicemailQueue"]):
        raise InvalidRecord(f"contact {ctr.ContactId}: voicemailQueue {marks['voicemailQueue']!r} is not a queue id")
    if not marks["voicemailStartFragment"].isdigit():
        raise InvalidRecord(f"contact {ctr.ContactId}: voicemailStartFragment is not a fragment number")
    return Voicemail(
        contact_id=ctr.ContactId,
        queue_id=marks["voicemailQueue"],
        caller=ctr.CustomerEndpoint.Address if ctr.CustomerEndpoint else None,
        stream_arn=marks["voicemailStreamArn"],
        start_fragment=int(marks["voicemailStartFragment"]),
        ctr=ctr,
    )


def already_packaged(bucket: str, key: str) -> bool:
    try:
        client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def _endpoint(stream_arn: str, api: str) -> str:
    return client("kinesisvideo").get_data_endpoint(StreamARN=stream_arn, APIName=api)["DataEndpoint"]


def fragment_numbers(voicemail: Voicemail) -> list[str]:
    """The stream's fragments from the contact's start fragment to the end of the contact, in order."""
    ctr = voicemail.ctr
    until = (ctr.DisconnectTimestamp or ctr.LastUpdateTimestamp) + LISTING_MARGIN
    archive = client("kinesis-video-archived-media", _endpoint(voicemail.stream_arn, "LIST_FRAGMENTS"))
    window = {"StartTimestamp": ctr.InitiationTimestamp - LISTING_MARGIN, "EndTimestamp": until}
    selector = {"FragmentSelectorType": "SERVER_TIMESTAMP", "TimestampRange": window}
    found: list[int] = []
    pages = archive.get_paginator("list_fragments").paginate(StreamARN=voicemail.stream_arn, FragmentSelector=selector)
    for page in pages:
        found += [int(f["FragmentNumber"]) for f in page.get("Fragments", [])]
    return [str(number) for number in sorted(set(found)) if number >= voicemail.start_fragment]


def media(voicemail: Voicemail, numbers: list[str]) -> Iterator[bytes]:
    """The Matroska payload of those fragments, one request per ``FRAGMENTS_PER_REQUEST``."""
    archive = client("kinesis-video-archived-media", _endpoint(voicemail.stream_arn, "GET_MEDIA_FOR_FRAGMENT_LIST"))
    for start in range(0, len(numbers), FRAGMENTS_PER_REQUEST):
        answer = archive.get_media_for_fragment_list(
            StreamARN=voicemail.stream_arn, Fragments=numbers[start : start + FRAGMENTS_PER_REQUEST]
        )
        yield answer["Payload"].read()


def _tags(segment: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for tags in (e for e in segment if e.name == "Tags"):
        for tag in (e for e in tags if e.name == "Tag"):
            for simple in (e for e in tag if e.name == "SimpleTag"):
                values = {child.name: child.value for child in simple}
                if "TagName" in values and isinstance(values.get("TagString"), str):
                    found[values["TagName"]] = values["TagString"]
    return found


def _customer_track(segment: Any, contact_id: str) -> tuple[int, int, int] | None:
    """(track number, sample rate, channels) of the caller's audio, from the segment's Tracks."""
    for tracks in (e for e in segment if e.name == "Tracks"):
        for entry in (e for e in tracks if e.name == "TrackEntry"):
            values = {child.name: child for child in entry}
            if "Name" not in values or values["Name"].value != CUSTOMER_TRACK:
                continue
            codec = values["CodecID"].value if "CodecID" in values else None
            audio = {child.name: child.value for child in values["Audio"]} if "Audio" in values else {}
            if codec != PCM_CODEC or audio.get("BitDepth", 16) != 16:
                raise NoAudio(f"contact {contact_id}: the caller's track is {codec} at {audio.get('BitDepth')} "
                              f"bits, not 16-bit {PCM_CODEC} as Connect streams it")  # fmt: skip
            rate, channels = int(audio.get("SamplingFrequency", 8000)), int(audio.get("Channels", 1))
            return int(values["TrackNumber"].value), rate, channels
    return None


def _track_and_frame(block: bytes) -> tuple[int, bytes]:
    """A SimpleBlock's track number and its frame (Matroska: track vint, 16-bit timecode, flags)."""
    first = block[0]
    length = next(size for size in range(1, 9) if first & (0x80 >> (size - 1)))
    number = first & (0xFF >> length)
    for byte in block[1:length]:
        number = (number << 8) | byte
    flags = block[length + 2]
    if flags & 0x06:
        raise NoAudio("a block of the caller's track uses lacing, which Connect's PCM stream does not")
    return number, block[length + 3 :]


def add_fragments(audio: Audio | None, payload: bytes, contact_id: str) -> Audio | None:
    """The caller's samples of this contact in ``payload`` (one or more Matroska documents) added to
    ``audio``. Fragments of other contacts are skipped; an element cut short ends the payload."""
    for segment in (e for e in MATROSKA.loads(payload) if e.name == "Segment"):
        if _tags(segment).get(CONTACT_TAG) != contact_id:
            continue
        track = _customer_track(segment, contact_id)
        if track is None:
            continue
        number, rate, channels = track
        audio = audio or Audio(rate, channels)
        if (rate, channels) != (audio.sample_rate, audio.channels):
            raise NoAudio(f"contact {contact_id}: the caller's audio changes format mid-stream")
        audio.fragments += 1
        for cluster in (e for e in segment if e.name == "Cluster"):
            for block in (e for e in cluster if e.name == "SimpleBlock"):
                if block.payloadOffset + block.size > len(payload):
                    audio.truncated = True
                    break
                track_number, frame = _track_and_frame(block.value)
                if track_number == number:
                    whole = len(frame) - len(frame) % audio.frame_bytes
                    audio.truncated |= whole != len(frame)
                    audio.pcm += frame[:whole]
    return audio


def to_wav(audio: Audio) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(audio.channels)
        writer.setsampwidth(2)
        writer.setframerate(audio.sample_rate)
        writer.writeframes(bytes(audio.pcm))
    return out.getvalue()


def caller_audio(voicemail: Voicemail) -> Audio:
    try:
        numbers = fragment_numbers(voicemail)
        audio: Audio | None = None
        for payload in media(voicemail, numbers):
            audio = add_fragments(audio, payload, voicemail.contact_id)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise NoAudio(f"contact {voicemail.contact_id}: stream {voicemail.stream_arn} does not exist "
                          "(its retention may have passed)") from None  # fmt: skip
        raise
    if audio is None or not audio.pcm:
        raise NoAudio(f"contact {voicemail.contact_id}: {len(numbers)} fragment(s) of {voicemail.stream_arn} from "
                      f"fragment {voicemail.start_fragment} hold no audio of the caller for this contact")  # fmt: skip
    return audio


@tracer.capture_method
def record_handler(record: KinesisStreamRecord) -> None:
    voicemail = parse(record)
    bucket, key = required("VOICEMAIL_BUCKET"), voicemail_key(voicemail.queue_id, voicemail.contact_id)
    if already_packaged(bucket, key):
        logger.info("voicemail already packaged (re-delivered record)", extra={"key": key})
        return
    audio = caller_audio(voicemail)
    if audio.truncated:
        logger.warning("the stream was cut short; the voicemail keeps the complete samples",
                       extra={"contact_id": voicemail.contact_id})  # fmt: skip
    tags = {QUEUE: voicemail.queue_id, CONTACT: voicemail.contact_id, DURATION: str(round(audio.duration_seconds))}
    if voicemail.caller:
        tags[CALLER] = voicemail.caller
    body = to_wav(audio)
    client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType="audio/wav", Tagging=urlencode(tags))
    metrics.add_metric(name="VoicemailsPackaged", unit="Count", value=1)
    metrics.add_metric(name="VoicemailSeconds", unit="Seconds", value=audio.duration_seconds)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_stream_batch("voicemail_packager", event, context, record_handler, processor)
