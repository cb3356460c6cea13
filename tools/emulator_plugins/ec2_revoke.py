"""EC2's security group rule revokes, answered once per request even when the client sends it twice.

Under load (a dozen Terraform processes starting at once on 2 cores), the provider now and then
sent a revoke again right after the emulator had carried it out ("InvalidPermission.NotFound" for
the rule it had just removed: a security group's default egress rule on create, the default group's
rules when it is locked down). The rule is gone either way, which is what the revoke asked for; AWS
does not lose its answers, so the provider never meets this there. A revoke that moto refuses as
NotFound is answered as done when the same revoke (same group and rules, same body) succeeded within
``REPLAY_SECONDS``; every other refusal, and every other EC2 call, is moto's answer unchanged.

An SDK retry (same invocation id) is answered before it gets here (``retries.py``); what this plugin
still answers is the same revoke sent as a new call, and each time it does, the emulator's log says so.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any
from urllib.parse import parse_qs

from tools.emulator_plugins.moto_call import Answer, WsgiApp, moto_answer, read_body

REVOKES = frozenset({"RevokeSecurityGroupEgress", "RevokeSecurityGroupIngress"})
REPLAY_SECONDS = 120.0
NOT_FOUND = b"InvalidPermission.NotFound"
DONE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<{action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
    "<requestId>{request}</requestId><return>true</return></{action}Response>"
)


class RevokeReplays:
    """Served in front of moto for the ``ec2`` service."""

    def __init__(self, moto_app: WsgiApp) -> None:
        self.moto_app = moto_app
        self._done: dict[tuple[str, bytes], float] = {}  # (region, revoke without its request id) -> when
        self._lock = threading.Lock()

    def handles(self, path: str) -> bool:
        return True

    def reset(self) -> None:
        with self._lock:
            self._done.clear()

    def __call__(self, environ: dict[str, Any], region: str) -> Answer:
        body = read_body(environ)
        status, headers, answer = moto_answer(self.moto_app, environ, body)
        action = parse_qs(body.decode(errors="replace")).get("Action", [""])[0]
        if action not in REVOKES:
            return status, headers, answer
        key, now = (region, body), time.monotonic()
        with self._lock:
            if status == 200:
                self._done[key] = now
                return status, headers, answer
            done = self._done.get(key)
        if status == 400 and NOT_FOUND in answer and done is not None and now - done <= REPLAY_SECONDS:
            # An SDK retry never gets here (tools/emulator_plugins/retries.py answers it first): this is
            # the same revoke sent as a new call. Said in the log, to learn whether this plugin is still needed.
            again = f"sent again as a new call {now - done:.1f} s after it succeeded: answered as done"
            print(f"emulator: ec2 {action} {again}", file=sys.stderr, flush=True)
            return 200, {"Content-Type": "text/xml"}, DONE.format(action=action, request="replayed").encode()
        return status, headers, answer
