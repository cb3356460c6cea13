"""An SDK retry of a call the emulator answered gets the same answer; failures and reads run again."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable
from typing import Any

from tools.emulator_plugins.retries import KEEP_SECONDS, RetriedRequests

PATH = "/2015-03-31/functions"


class Counter:
    """A WSGI app answering each call with its number, as a create would; a status per call if given."""

    def __init__(self, statuses: Iterable[str] = (), hold: threading.Event | None = None) -> None:
        self.calls = 0
        self.statuses = list(statuses)
        self.hold = hold

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.calls += 1
        if self.hold is not None:
            self.hold.wait(5)
        status = self.statuses.pop(0) if self.statuses else "201 Created"
        start_response(status, [("Content-Type", "application/json")])
        return [f'{{"call": {self.calls}}}'.encode()]


def request(
    app: RetriedRequests, attempt: int = 1, invocation: str | None = "id-1", method: str = "POST"
) -> tuple[str, bytes]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": PATH, "wsgi.input": io.BytesIO()}
    if invocation:
        environ["HTTP_AMZ_SDK_INVOCATION_ID"] = invocation
        environ["HTTP_AMZ_SDK_REQUEST"] = f"attempt={attempt}; max=25"
    seen: list[str] = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: seen.append(status)))
    return seen[0], body


def test_a_retry_of_an_answered_call_gets_the_same_answer_without_running_it_again() -> None:
    app, log = Counter(), io.StringIO()
    retried = RetriedRequests(app, log=log)
    first = request(retried)
    assert request(retried, attempt=2) == first == ("201 Created", b'{"call": 1}')
    assert app.calls == 1
    assert f"POST {PATH} attempt 2 answered again with the earlier attempt's 201 Created" in log.getvalue()


def test_a_retry_after_a_failure_runs_again_and_a_third_attempt_gets_the_seconds_answer() -> None:
    app = Counter(statuses=["500 Internal Server Error", "200 OK"])
    retried = RetriedRequests(app, log=io.StringIO())
    assert request(retried)[0] == "500 Internal Server Error"
    assert request(retried, attempt=2) == ("200 OK", b'{"call": 2}')
    assert request(retried, attempt=3) == ("200 OK", b'{"call": 2}')
    assert app.calls == 2


def test_other_invocations_reads_and_calls_without_an_id_always_run() -> None:
    app = Counter()
    retried = RetriedRequests(app, log=io.StringIO())
    request(retried, invocation="id-1")
    request(retried, invocation="id-2")
    request(retried, invocation="id-3", method="GET")
    request(retried, invocation="id-3", method="GET", attempt=2)
    request(retried, invocation=None)
    request(retried, invocation=None)
    assert app.calls == 6


def test_a_retry_while_the_first_attempt_still_runs_waits_for_its_answer() -> None:
    hold = threading.Event()
    app = Counter(hold=hold)
    retried = RetriedRequests(app, log=io.StringIO())
    answers: list[tuple[str, bytes]] = []
    first = threading.Thread(target=lambda: answers.append(request(retried)))
    first.start()
    while app.calls == 0:
        threading.Event().wait(0.01)
    second = threading.Thread(target=lambda: answers.append(request(retried, attempt=2)))
    second.start()
    hold.set()
    first.join(5)
    second.join(5)
    assert answers == [("201 Created", b'{"call": 1}')] * 2
    assert app.calls == 1


def test_an_answer_is_forgotten_after_the_keep_window() -> None:
    now = [0.0]
    app = Counter()
    retried = RetriedRequests(app, log=io.StringIO(), clock=lambda: now[0])
    request(retried)
    now[0] = KEEP_SECONDS + 1
    assert request(retried, attempt=2) == ("201 Created", b'{"call": 2}')


def test_the_log_names_a_query_calls_service_and_action_and_the_call_still_gets_its_body() -> None:
    bodies: list[bytes] = []

    def ec2(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        bodies.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        start_response("200 OK", [])
        return [b"<return>true</return>"]

    log = io.StringIO()
    retried = RetriedRequests(ec2, log=log)
    body = b"Action=RevokeSecurityGroupEgress&GroupId=sg-1&Version=2016-11-15"
    for attempt in (1, 2):
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/", "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
            "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=x/20261126/us-east-1/ec2/aws4_request, Signature=y",
            "HTTP_AMZ_SDK_INVOCATION_ID": "id-9", "HTTP_AMZ_SDK_REQUEST": f"attempt={attempt}; max=25",
        }  # fmt: skip
        assert b"".join(retried(environ, lambda status, headers, exc_info=None: None)) == b"<return>true</return>"
    assert bodies == [body]
    assert "ec2 RevokeSecurityGroupEgress attempt 2 answered again" in log.getvalue()
