"""Handing a request on to moto from a plugin that reads it first (and may change the answer)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Answer = tuple[int, dict[str, str], bytes]
# A request's region and service, from its SigV4 credential scope (as AWS's front end reads them).
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/(?P<region>[^/,]+)/(?P<service>[^/,]+)/aws4_request")


def read_body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def moto_answer(moto_app: WsgiApp, environ: dict[str, Any], body: bytes) -> Answer:
    """moto's answer to the request whose ``body`` the plugin already read."""
    replay = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    status: list[Any] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        status[:] = [int(line.split()[0]), dict(headers)]

    chunks = b"".join(moto_app(replay, start_response))
    headers = {k: v for k, v in status[1].items() if k.lower() != "content-length"}
    return status[0], headers, chunks
