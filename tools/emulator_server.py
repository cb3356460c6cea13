"""The local AWS emulator: moto's server, with the services moto lacks plugged in front of it.

moto's own server (``moto_server``) serves every service it implements; this is the same WSGI
application, wrapped so that requests for a plugged-in service are answered by the plugin instead:
Amazon Connect (``tools/emulator_plugins/connect.py``), the Kinesis Video Streams media APIs
(``tools/emulator_plugins/kinesis_video.py``; the rest of Kinesis Video stays with moto) and, given
a PostgreSQL server, RDS's data (``tools/emulator_plugins/rds_data.py``: instances hold databases,
snapshots and restores carry them; the control plane stays with moto); CloudTrail's DescribeTrails
is filtered by the names asked for (``tools/emulator_plugins/cloudtrail.py``); a security group
revoke the client sends twice is carried out once (``tools/emulator_plugins/ec2_revoke.py``). In
front of it all, an SDK's retry of a call already answered gets that answer again
(``tools/emulator_plugins/retries.py``), and a connection that drops mid-answer is logged. A
request's service is read from its SigV4 credential scope, as AWS's front end does. ``/moto-api/reset`` resets the
plugins too. Started by ``tools/emulator.py`` (``make local``, the tests), never forked from moto.

Usage: ``python -m tools.emulator_server -H 127.0.0.1 -p 4566``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from types import FrameType
from typing import Any
from typing import Protocol as Protocol_
from urllib.parse import quote

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

from tools.emulator_plugins.cloudtrail import CloudTrailNames
from tools.emulator_plugins.connect import ConnectBackend
from tools.emulator_plugins.ec2_revoke import RevokeReplays
from tools.emulator_plugins.kinesis_video import KinesisVideoMedia
from tools.emulator_plugins.moto_call import CREDENTIAL_SCOPE
from tools.emulator_plugins.rds_data import RdsDataPlane
from tools.emulator_plugins.rest_json import Protocol, ServiceError
from tools.emulator_plugins.retries import RetriedRequests

RESET_PATH = "/moto-api/reset"
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict", 429: "Too Many Requests",
           500: "Internal Server Error"}  # fmt: skip


class Plugin:
    """A service answered in this process: its protocol (routes and shapes) and its backend."""

    def __init__(self, protocol: Protocol, backend: ConnectBackend) -> None:
        self.protocol, self.backend = protocol, backend

    def handles(self, path: str) -> bool:
        return True

    def reset(self) -> None:
        self.backend.reset()

    def __call__(self, environ: dict[str, Any], region: str) -> tuple[int, dict[str, str], bytes]:
        protocol = self.protocol
        try:
            operation, labels = protocol.match(environ["REQUEST_METHOD"], _raw_path(environ))
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            params = protocol.parse(operation, labels, environ.get("QUERY_STRING", ""), body)
            return protocol.answer(operation, self.backend.handle(operation.name, params, region))
        except ServiceError as error:
            # The log says why, whole: some SDKs drop an error's details (Go: InvalidContactFlowException's problems).
            print(f"connect {error.code}: {error.message}", file=sys.stderr, flush=True)
            return protocol.error(error)
        except Exception as error:  # a bug in the emulator: said at once (a 5xx would be retried for minutes)
            traceback.print_exc()
            message = f"the local emulator failed ({type(error).__name__}: {error}); its log has the traceback"
            return protocol.error(ServiceError("InvalidRequestException", message))


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it: labels such as an ARN keep their encoded slashes."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    return str(raw).split("?", 1)[0] if raw else quote(environ.get("PATH_INFO", "/"))


class Served(Protocol_):
    """What a plugin offers: which paths of its service it answers, the answer, and a reset."""

    def handles(self, path: str) -> bool: ...
    def __call__(self, environ: dict[str, Any], region: str) -> tuple[int, dict[str, str], bytes]: ...
    def reset(self) -> None: ...


class EmulatorApp:
    """moto's application with the plugins in front of it."""

    def __init__(self, moto_app: WsgiApp, plugins: dict[str, Served]) -> None:
        self.moto_app, self.plugins = moto_app, plugins

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == RESET_PATH and environ.get("REQUEST_METHOD") == "POST":
            for plugin in self.plugins.values():
                plugin.reset()
        scope = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        served = self.plugins.get(scope["service"]) if scope else None
        if served is None or scope is None or not served.handles(environ.get("PATH_INFO", "/")):
            return self.moto_app(environ, start_response)
        status, headers, body = served(environ, scope["region"])
        start_response(
            f"{status} {REASONS.get(status, 'Error')}", [*headers.items(), ("Content-Length", str(len(body)))]
        )
        return [body]


class EmulatorRequestHandler(MotoRequestHandler):
    """moto's request handler, which also says in the log when an answer did not reach its client."""

    def connection_dropped(self, error: BaseException, environ: dict[str, Any] | None = None) -> None:
        request = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}" if environ else "a request"
        print(f"emulator: the connection dropped while answering {request}: {error!r}", file=sys.stderr, flush=True)


def application() -> RetriedRequests:
    moto_app = DomainDispatcherApplication(create_backend_app)
    plugins: dict[str, Served] = {
        "connect": Plugin(Protocol("connect"), ConnectBackend()),
        "kinesisvideo": KinesisVideoMedia(),
        "rds": RdsDataPlane.from_environment(moto_app),
        "cloudtrail": CloudTrailNames(moto_app),
        "ec2": RevokeReplays(moto_app),
    }
    return RetriedRequests(EmulatorApp(moto_app, plugins))


def _stop(signum: int, frame: FrameType | None) -> None:
    """Exit at once: the state lives in memory and goes with the process (the RDS snapshot dumps
    belong to whoever started it, tools.emulator). An interpreter shutdown that tears moto's objects
    down one by one held a stop for most of a second after a deploy."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))  # moto builds some URLs (e.g. SQS queues) from it
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    run_simple(args.host, args.port, application(), threaded=True, request_handler=EmulatorRequestHandler)


if __name__ == "__main__":
    main(sys.argv[1:])
