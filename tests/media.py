"""A caller's audio as Amazon Connect streams it to Kinesis Video Streams, made by a real encoder.

``connect_stream`` runs ffmpeg (Debian's; ``.ci/run`` installs it) to write Matroska the way
Connect's live media streaming does: two 16-bit little-endian PCM tracks at 8 kHz,
``AUDIO_FROM_CUSTOMER`` and ``AUDIO_TO_CUSTOMER``, tagged with the ``ContactId``, one cluster (one
KVS fragment) per second. ``put_media`` sends it to the emulator's ``PutMedia`` as a producer does
(SigV4-signed POST), and ``caller_pcm`` decodes the caller's track with ffmpeg, to compare against.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from typing import Any

import ebmlite
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

MATROSKA = ebmlite.loadSchema("matroska.xml")
SAMPLE_RATE = 8000
FRAGMENT_MS = 1000


def ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    assert found, "ffmpeg is missing: `bash .ci/run` installs it (Debian package ffmpeg)"
    return found


def connect_stream(contact_id: str, seconds: float, caller_hz: int = 440, agent_hz: int = 300) -> bytes:
    """``seconds`` of a caller (a ``caller_hz`` tone) and the prompt side, as Connect streams them.

    ffmpeg upper-cases tag names; Connect's tag is ``ContactId``, so the Tags element ffmpeg wrote is
    replaced by Connect's (the segment has an unknown size, so nothing else moves)."""
    tone = "sine=frequency={}:duration={}:sample_rate=" + str(SAMPLE_RATE)
    command = [
        ffmpeg(), "-hide_banner", "-loglevel", "error",
        "-f", "lavfi", "-i", tone.format(caller_hz, seconds), "-f", "lavfi", "-i", tone.format(agent_hz, seconds),
        "-map", "0", "-map", "1", "-c:a", "pcm_s16le",
        "-metadata:s:a:0", "title=AUDIO_FROM_CUSTOMER", "-metadata:s:a:1", "title=AUDIO_TO_CUSTOMER",
        "-cluster_time_limit", str(FRAGMENT_MS), "-f", "matroska", "pipe:1",
    ]  # fmt: skip
    encoded = subprocess.run(command, check=True, capture_output=True).stdout
    return with_connect_tags(encoded, contact_id)


def with_connect_tags(mkv: bytes, contact_id: str) -> bytes:
    """``mkv`` with its segment's Tags replaced by the ones Connect writes on a contact's stream."""
    [segment] = [element for element in MATROSKA.loads(mkv) if element.name == "Segment"]
    tags = MATROSKA.encodes({"Tags": [{"Tag": [{"Targets": {}, "SimpleTag": [
        {"TagName": "ContactId", "TagString": contact_id},
        {"TagName": "InstanceId", "TagString": "00000000-0000-0000-0000-000000000000"},
        {"TagName": "MediaType", "TagString": "audio/L16"},
    ]}]}]})  # fmt: skip
    old = [child for child in segment if child.name == "Tags"]
    start = old[0].offset if old else next(child.offset for child in segment if child.name == "Cluster")
    end = old[0].payloadOffset + old[0].size if old else start
    return mkv[:start] + tags + mkv[end:]


def caller_pcm(seconds: float, caller_hz: int = 440) -> bytes:
    """The caller's samples ``connect_stream`` encodes, decoded by ffmpeg on its own."""
    command = [ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "lavfi",
               "-i", f"sine=frequency={caller_hz}:duration={seconds}:sample_rate={SAMPLE_RATE}",
               "-f", "s16le", "-c:a", "pcm_s16le", "pipe:1"]  # fmt: skip
    return subprocess.run(command, check=True, capture_output=True).stdout


def put_media(endpoint: str, stream_arn: str, mkv: bytes, region: str = "us-east-1") -> list[dict[str, Any]]:
    """``PutMedia`` of ``mkv`` (timecodes relative to now); the acknowledgements KVS answers."""
    headers = {
        "x-amzn-stream-arn": stream_arn,
        "x-amzn-fragment-timecode-type": "RELATIVE",
        "x-amzn-producer-start-timestamp": f"{time.time():.3f}",
    }
    request = AWSRequest(method="POST", url=f"{endpoint}/putMedia", data=mkv, headers=headers)
    SigV4Auth(Credentials("testing", "testing"), "kinesisvideo", region).add_auth(request)
    answer = requests.post(request.url, data=mkv, headers=dict(request.headers.items()), timeout=30)
    assert answer.status_code == 200, answer.text
    return [json.loads(line) for line in answer.text.splitlines()]
