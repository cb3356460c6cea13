"""Kinesis Video Streams media on the emulator: what moto lacks for a voicemail's audio.

moto serves the control plane (``CreateStream``, ``DescribeStream``, ...); this serves, in front of
it, the media APIs a producer and a reader use, as the KVS API reference describes them:

- ``GetDataEndpoint`` (control plane): answered with this emulator's own address, so clients that
  follow the returned endpoint (as they must on AWS) reach the media APIs below. The stream must
  exist in moto (``ResourceNotFoundException`` otherwise).
- ``PutMedia`` (what Amazon Connect does while it streams a caller): a Matroska stream whose clusters
  each become a fragment, numbered in increasing order, stamped with the server time and the
  producer time (``x-amzn-fragment-timecode-type`` ABSOLUTE or RELATIVE to
  ``x-amzn-producer-start-timestamp``). The MKV's tags go with every fragment (Connect tags each
  with ``ContactId``). Answers one JSON acknowledgement per fragment (``PERSISTED``).
- ``ListFragments`` by server or producer timestamp range, paginated.
- ``GetMediaForFragmentList``: the fragments as KVS returns them, each a Matroska document of its
  own (EBML header, a segment of unknown size with the stream's Info and Tracks, a Tags element with
  the producer's tags plus ``AWS_KINESISVIDEO_FRAGMENT_NUMBER``, ``..._SERVER_TIMESTAMP`` and
  ``..._PRODUCER_TIMESTAMP``, and the cluster).

Only these paths are taken from moto; every other Kinesis Video request goes to moto as before.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import ebmlite

from tools.emulator_plugins.rest_json import ServiceError

MATROSKA = ebmlite.loadSchema("matroska.xml")
UNKNOWN_SIZE = bytes([0x01]) + b"\xff" * 7
SEGMENT_ID = bytes.fromhex("18538067")
API_NAMES = {"PUT_MEDIA", "GET_MEDIA", "LIST_FRAGMENTS", "GET_MEDIA_FOR_FRAGMENT_LIST", "GET_HLS_STREAMING_SESSION_URL",
             "GET_DASH_STREAMING_SESSION_URL", "GET_CLIP", "GET_IMAGES"}  # fmt: skip
FIRST_FRAGMENT = 91343852333181432392682062607743920146264217204  # KVS numbers are long decimal strings
MAX_FRAGMENTS_PER_GET = 1000
NOT_FOUND, INVALID = "ResourceNotFoundException", "InvalidArgumentException"


@dataclass(frozen=True)
class Fragment:
    number: int
    server_timestamp: float  # epoch seconds
    producer_timestamp: float
    length_ms: int
    document: bytes  # the fragment as GetMediaForFragmentList returns it

    def listed(self) -> dict[str, Any]:
        return {
            "FragmentNumber": str(self.number),
            "FragmentSizeInBytes": len(self.document),
            "ProducerTimestamp": self.producer_timestamp,
            "ServerTimestamp": self.server_timestamp,
            "FragmentLengthInMilliseconds": self.length_ms,
        }


class KinesisVideoMedia:
    """The media APIs above; fragments are kept per stream ARN until ``reset``."""

    PATHS = frozenset({"/getDataEndpoint", "/putMedia", "/listFragments", "/getMediaForFragmentList"})

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.fragments: dict[str, list[Fragment]] = {}
            self._next = FIRST_FRAGMENT

    def handles(self, path: str) -> bool:
        return path in self.PATHS

    def __call__(self, environ: dict[str, Any], region: str) -> tuple[int, dict[str, str], bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else environ["wsgi.input"].read()
            path = environ.get("PATH_INFO", "/")
            if path == "/putMedia":
                return self.put_media(environ, body, region)
            request = self._json(body)
            if path == "/getDataEndpoint":
                return self._ok(self.get_data_endpoint(request, region, environ))
            if path == "/listFragments":
                return self._ok(self.list_fragments(request, region))
            return 200, {"Content-Type": "video/webm"}, self.get_media_for_fragment_list(request, region)
        except ServiceError as error:
            print(f"kinesisvideo {error.code}: {error.message}", flush=True)
            status = 404 if error.code == NOT_FOUND else 400
            payload = json.dumps({"__type": error.code, "message": error.message}).encode()
            return status, {"Content-Type": "application/json", "x-amzn-ErrorType": error.code}, payload

    # -- APIs ---------------------------------------------------------------------------------------

    def get_data_endpoint(self, request: dict[str, Any], region: str, environ: dict[str, Any]) -> dict[str, Any]:
        if request.get("APIName") not in API_NAMES:
            raise ServiceError(INVALID, f"APIName must be one of {', '.join(sorted(API_NAMES))}")
        _stream(request.get("StreamName"), request.get("StreamARN"), region)
        scheme = environ.get("wsgi.url_scheme", "http")
        return {"DataEndpoint": f"{scheme}://{environ['HTTP_HOST']}"}

    def put_media(self, environ: dict[str, Any], body: bytes, region: str) -> tuple[int, dict[str, str], bytes]:
        arn = _stream(environ.get("HTTP_X_AMZN_STREAM_NAME"), environ.get("HTTP_X_AMZN_STREAM_ARN"), region)
        timecode_type = environ.get("HTTP_X_AMZN_FRAGMENT_TIMECODE_TYPE")
        if timecode_type not in ("ABSOLUTE", "RELATIVE"):
            raise ServiceError(INVALID, "x-amzn-fragment-timecode-type must be ABSOLUTE or RELATIVE")
        try:
            producer_start = float(environ.get("HTTP_X_AMZN_PRODUCER_START_TIMESTAMP", ""))
        except ValueError:
            raise ServiceError(INVALID, "x-amzn-producer-start-timestamp must be epoch seconds") from None
        acknowledgements = []
        for timecode_ms, prefix, cluster, length_ms in _fragments_of(body):
            produced = (producer_start if timecode_type == "RELATIVE" else 0.0) + timecode_ms / 1000
            fragment = self._store(arn, produced, length_ms, prefix, cluster)
            acknowledgements.append({"EventType": "PERSISTED", "FragmentTimecode": timecode_ms,
                                     "FragmentNumber": str(fragment.number)})  # fmt: skip
        if not acknowledgements:
            raise ServiceError(INVALID, "the PutMedia body holds no Matroska cluster (no fragment to store)")
        answer = "".join(json.dumps(event) + "\n" for event in acknowledgements).encode()
        return 200, {"Content-Type": "application/json"}, answer

    def list_fragments(self, request: dict[str, Any], region: str) -> dict[str, Any]:
        arn = _stream(request.get("StreamName"), request.get("StreamARN"), region)
        selector = request.get("FragmentSelector") or {}
        kind = selector.get("FragmentSelectorType")
        if kind not in ("PRODUCER_TIMESTAMP", "SERVER_TIMESTAMP"):
            raise ServiceError(INVALID, "FragmentSelectorType must be PRODUCER_TIMESTAMP or SERVER_TIMESTAMP")
        window = selector.get("TimestampRange") or {}
        start, end = float(window.get("StartTimestamp", 0)), float(window.get("EndTimestamp", 0))
        if end < start:
            raise ServiceError(INVALID, "TimestampRange: EndTimestamp is before StartTimestamp")
        with self._lock:
            stored = list(self.fragments.get(arn, []))
        at = (lambda f: f.server_timestamp) if kind == "SERVER_TIMESTAMP" else (lambda f: f.producer_timestamp)
        matching = [f.listed() for f in stored if start <= at(f) <= end]
        limit = int(request.get("MaxResults") or 100)
        if not 1 <= limit <= 1000:
            raise ServiceError(INVALID, "MaxResults must be between 1 and 1000")
        offset = int(request.get("NextToken") or 0)
        page: dict[str, Any] = {"Fragments": matching[offset : offset + limit]}
        if offset + limit < len(matching):
            page["NextToken"] = str(offset + limit)
        return page

    def get_media_for_fragment_list(self, request: dict[str, Any], region: str) -> bytes:
        arn = _stream(request.get("StreamName"), request.get("StreamARN"), region)
        wanted = request.get("Fragments")
        if not isinstance(wanted, list) or not 1 <= len(wanted) <= MAX_FRAGMENTS_PER_GET:
            raise ServiceError(INVALID, f"Fragments lists 1 to {MAX_FRAGMENTS_PER_GET} fragment numbers")
        with self._lock:
            by_number = {str(f.number): f for f in self.fragments.get(arn, [])}
        missing = [number for number in wanted if number not in by_number]
        if missing:
            raise ServiceError(NOT_FOUND, f"the stream has no fragment {missing[0]}")
        return b"".join(by_number[number].document for number in wanted)

    # -- helpers ------------------------------------------------------------------------------------

    def _store(self, arn: str, produced: float, length_ms: int, prefix: bytes, cluster: bytes) -> Fragment:
        with self._lock:
            number, self._next = self._next, self._next + 1 + len(cluster)  # increasing, not contiguous
            stamp = time.time()
            document = prefix + _kvs_tags(number, stamp, produced) + cluster
            fragment = Fragment(number, stamp, produced, length_ms, document)
            self.fragments.setdefault(arn, []).append(fragment)
        return fragment

    @staticmethod
    def _json(body: bytes) -> dict[str, Any]:
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise ServiceError(INVALID, "the request body is not JSON") from None
        if not isinstance(request, dict):
            raise ServiceError(INVALID, "the request body is not a JSON object")
        return request

    @staticmethod
    def _ok(answer: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()


def _stream(name: str | None, arn: str | None, region: str) -> str:
    """The ARN of the moto stream named by ``name`` or ``arn`` (exactly one)."""
    from moto.kinesisvideo.models import kinesisvideo_backends

    if bool(name) == bool(arn):
        raise ServiceError(INVALID, "name the stream with exactly one of StreamName and StreamARN")
    for account in list(kinesisvideo_backends):
        backend = kinesisvideo_backends[account][region]
        for stream in list(backend.streams.values()):
            if stream.arn == arn or stream.stream_name == name:
                return str(stream.arn)
    raise ServiceError(NOT_FOUND, f"stream {name or arn} not found in {region}")


def _fragments_of(body: bytes) -> Iterator[tuple[int, bytes, bytes, int]]:
    """(cluster timecode in ms, the fragment's Matroska document up to its cluster, the cluster,
    length in ms) per cluster of ``body``; the producer's Info, Tracks and Tags go with each."""
    document = MATROSKA.loads(body)
    segments = [element for element in document if element.name == "Segment"]
    if not segments:
        raise ServiceError(INVALID, "the PutMedia body is not a Matroska stream (no Segment)")
    for segment in segments:
        header = body[: segments[0].offset]  # the EBML header element
        shared: list[bytes] = []
        scale_ns = 1_000_000
        clusters = []
        for child in segment:
            raw = body[child.offset : child.payloadOffset + child.size]
            if child.name == "Info":
                shared.append(raw)
                scale_ns = next((int(e.value) for e in child if e.name == "TimecodeScale"), scale_ns)
            elif child.name in ("Tracks", "Tags"):
                shared.append(raw)
            elif child.name == "Cluster":
                timecode = next((int(e.value) for e in child if e.name == "Timecode"), 0)
                clusters.append((timecode * scale_ns // 1_000_000, raw))
        for index, (timecode_ms, raw) in enumerate(clusters):
            following = clusters[index + 1][0] if index + 1 < len(clusters) else timecode_ms
            prefix = header + SEGMENT_ID + UNKNOWN_SIZE + b"".join(shared)
            yield timecode_ms, prefix, raw, max(following - timecode_ms, 0)


def _kvs_tags(number: int, server: float, producer: float) -> bytes:
    """The Tags element KVS adds to each fragment it returns."""
    return MATROSKA.encodes({"Tags": [{"Tag": [{"Targets": {}, "SimpleTag": [
        {"TagName": "AWS_KINESISVIDEO_FRAGMENT_NUMBER", "TagString": str(number)},
        {"TagName": "AWS_KINESISVIDEO_SERVER_TIMESTAMP", "TagString": f"{server:.3f}"},
        {"TagName": "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", "TagString": f"{producer:.3f}"},
    ]}]}]})  # fmt: skip
