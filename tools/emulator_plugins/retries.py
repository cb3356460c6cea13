"""An SDK's retry of a request the emulator already answered gets that answer again, not a second run.

The AWS SDKs stamp every call with an ``amz-sdk-invocation-id`` that stays the same across its
retries and an ``amz-sdk-request: attempt=N; max=M`` that counts them. When an answer does not reach
the client (under load the client resets the connection while the emulator writes the answer: the
emulator's log shows ``ConnectionResetError``), the SDK sends the same call again, and a call that
changes something (CreateFunction, a security group revoke) then fails on what its first attempt
did: "Function already exist", "InvalidPermission.NotFound". AWS does not lose answers this way; the
emulator, a development server on a 2-core machine running a dozen Terraform processes, now and
then did, and the deploy failed.

So every call that may change something (any method but GET and HEAD) is remembered by its
invocation id for ``KEEP_SECONDS``, with its answer when that answer was a success. A later attempt
of the same invocation is answered from there: the success again when there was one, or, while the
first attempt is still running, after it ends. An attempt whose predecessor failed (a 4xx or 5xx
the client saw) runs again, as on AWS, so throttling and server errors are retried for real. Each
replay is one line in the emulator's log naming the call, so how often it happens stays visible.
"""

from __future__ import annotations

import io
import re
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO
from urllib.parse import parse_qs

from tools.emulator_plugins.moto_call import CREDENTIAL_SCOPE, WsgiApp, read_body

StartResponse = Callable[..., Any]

KEEP_SECONDS = 300.0  # how long a call's answer is kept: far longer than an SDK waits between attempts (<= 20 s)
ATTEMPT = re.compile(r"attempt=(?P<attempt>\d+)")
KEEP_BYTES = 1 << 20  # a larger success is not kept (a retry of it runs again, and says so)
READS = frozenset({"GET", "HEAD"})
QUERY_ACTION = "emulator.query_action"  # where a query-protocol call's action is kept in the environ
Clock = Callable[[], float]


@dataclass
class _Call:
    """An invocation's latest attempt: done once it has answered; ``answer`` kept only for a success."""

    started: float
    done: threading.Event = field(default_factory=threading.Event)
    answer: tuple[str, list[tuple[str, str]], bytes] | None = None
    status: str = ""


def attempt_of(environ: dict[str, Any]) -> int:
    """Which attempt of its invocation a request is (1 when the SDK did not say)."""
    found = ATTEMPT.search(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
    return int(found["attempt"]) if found else 1


def call_name(environ: dict[str, Any]) -> str:
    """The call a request makes, for the log: its service and action (or method and path)."""
    scope = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope["service"] if scope else "?"
    action = environ.get(QUERY_ACTION) or environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
    return f"{service} {action or environ.get('REQUEST_METHOD', '') + ' ' + environ.get('PATH_INFO', '/')}"


def _keep_query_action(environ: dict[str, Any]) -> None:
    """A query-protocol call (EC2, IAM, SQS, RDS: a form POST to /) names its action only in the
    body: read it once, keep the action in the environ, and hand the body on unread."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if not 0 < length <= KEEP_BYTES:
        return
    body = read_body(environ)
    environ["wsgi.input"] = io.BytesIO(body)
    environ[QUERY_ACTION] = parse_qs(body.decode(errors="replace")).get("Action", [""])[0]


class RetriedRequests:
    """WSGI middleware in front of the whole emulator (``tools/emulator_server.application``)."""

    def __init__(self, app: WsgiApp, log: TextIO | None = None, clock: Clock = time.monotonic) -> None:
        self.app, self._log, self._clock = app, log, clock
        self._calls: OrderedDict[str, _Call] = OrderedDict()  # invocation id -> its latest attempt, oldest first
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if not invocation or environ.get("REQUEST_METHOD", "GET") in READS:
            return self.app(environ, start_response)
        _keep_query_action(environ)
        earlier = self._earlier(invocation)
        if earlier is not None:
            replayed = self._replay(earlier, environ, start_response)
            if replayed is not None:
                return replayed
        call = self._record(invocation)
        try:
            return self._answer(call, environ, start_response)
        finally:
            call.done.set()

    def _earlier(self, invocation: str) -> _Call | None:
        """The invocation's latest attempt still remembered (older ones are forgotten here)."""
        now = self._clock()
        with self._lock:
            while self._calls and now - next(iter(self._calls.values())).started > KEEP_SECONDS:
                self._calls.popitem(last=False)
            return self._calls.get(invocation)

    def _record(self, invocation: str) -> _Call:
        """This attempt becomes the one a later attempt of the invocation is answered from."""
        with self._lock:
            self._calls.pop(invocation, None)
            call = self._calls[invocation] = _Call(started=self._clock())
            return call

    def _answer(self, call: _Call, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        seen: list[Any] = []

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen[:] = [status, list(headers)]
            return start_response(status, headers, exc_info)

        body = b"".join(self.app(environ, keep))
        call.status = str(seen[0]) if seen else ""
        if call.status[:1] in ("2", "3") and len(body) <= KEEP_BYTES:
            call.answer = (call.status, seen[1], body)
        return [body]

    def _replay(self, earlier: _Call, environ: dict[str, Any], start_response: StartResponse) -> list[bytes] | None:
        """The earlier attempt's success again (waiting for it if it still runs); None to run anew."""
        earlier.done.wait(KEEP_SECONDS)
        request = f"{call_name(environ)} attempt {attempt_of(environ)}"
        if earlier.answer is None:
            answered = f"answered {earlier.status}" if earlier.status else "not answered"
            self._say(f"emulator: {request} runs again: the earlier attempt was {answered}")
            return None
        status, headers, body = earlier.answer
        self._say(f"emulator: {request} answered again with the earlier attempt's {status} (the client lost it)")
        start_response(status, headers)
        return [body]

    def _say(self, line: str) -> None:
        print(line, file=self._log or sys.stderr, flush=True)
