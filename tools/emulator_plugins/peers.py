"""What the emulated services ask moto's own services, in the same process.

Amazon Connect checks that what it is pointed at exists (a bucket for recordings, a stream for
contact trace records, a function a flow invokes); answering from moto's backends makes the
emulator refuse the same mistakes a real deploy would.
"""

from __future__ import annotations

from typing import Any

from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID

PARTITION = "aws"


def _backend(service: str, account: str, region: str) -> Any:
    lookup: Any = get_backend  # moto types it per literal service name; ours come from requests
    return lookup(service)[account][region]


def bucket_exists(name: str, account: str = DEFAULT_ACCOUNT_ID) -> bool:
    try:
        _backend("s3", account, PARTITION).get_bucket(name)
    except Exception:  # moto raises its own MissingBucket
        return False
    return True


def stream_exists(arn: str, account: str, region: str) -> bool:
    try:
        _backend("kinesis", account, region).describe_stream(stream_arn=arn, stream_name=None)
    except Exception:
        return False
    return True


def firehose_exists(arn: str, account: str, region: str) -> bool:
    name = arn.rsplit("/", 1)[-1]
    try:
        _backend("firehose", account, region).describe_delivery_stream(name, None, None)
    except Exception:
        return False
    return True


def key_exists(key_id: str, account: str, region: str) -> bool:
    try:
        _backend("kms", account, region).describe_key(key_id)
    except Exception:
        return False
    return True


def function_exists(arn: str, account: str, region: str) -> bool:
    """A function ARN, possibly qualified by a version or alias (``...:function:name:live``)."""
    parts = arn.split(":")
    if len(parts) not in (7, 8) or parts[2] != "lambda" or parts[5] != "function":
        return False
    qualifier = parts[7] if len(parts) == 8 else None
    try:
        function = _backend("lambda", account, region).get_function(parts[6], qualifier)
    except Exception:
        return False
    return function is not None
