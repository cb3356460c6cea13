"""boto3 clients, created once per execution environment (and reset by tests).

S3 clients sign with SigV4: presigned links to SSE-KMS objects (every recording and voicemail)
only work with SigV4, and boto3 may otherwise presign with SigV2 in us-east-1.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

RETRIES = {"mode": "standard", "max_attempts": 3}


@cache
def client(service: str, endpoint_url: str | None = None) -> Any:
    """``endpoint_url``: for services whose data plane lives at a per-resource endpoint (Kinesis
    Video Streams' ``GetDataEndpoint``); otherwise the SDK's own (or ``AWS_ENDPOINT_URL``)."""
    config = Config(retries=RETRIES, signature_version="s3v4" if service == "s3" else None)
    return boto3.client(service, config=config, endpoint_url=endpoint_url)


def reset() -> None:
    client.cache_clear()
