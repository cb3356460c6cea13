"""Start and stop the local AWS emulator on a loopback port: moto's server with our plugins for the
services moto lacks (``tools/emulator_server.py``; today Amazon Connect).

Tests start their own emulator on a free port and always stop it; `make local` starts one on the
port of ``envs/local.toml`` and leaves it running, remembering its pid in ``.local/``.

Usage: ``python -m tools.emulator start|stop|status``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tools.emulator_plugins.rds_data import DUMPS_SETTING as RDS_DUMPS_SETTING
from tools.emulator_plugins.rds_data import SETTING as RDS_DATA_SETTING
from tools.local_postgres import PostgresServer

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = REPO_ROOT / ".local"
PID_FILE = RUN_DIR / "emulator.pid"
LOG_FILE = RUN_DIR / "emulator.log"
LOOPBACK = "127.0.0.1"


class EmulatorError(RuntimeError):
    """The emulator could not be started, or something else holds its port."""


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def loopback_url(port: int) -> str:
    """Where an emulator on ``port`` answers (what the provider and backend point at)."""
    return f"http://{LOOPBACK}:{port}"


def server_command(port: int) -> list[str]:
    """The emulator server, run by this venv's Python (``make setup`` installs moto[server] into it)."""
    return [sys.executable, "-m", "tools.emulator_server", "-H", LOOPBACK, "-p", str(port)]


def is_serving(url: str, timeout: float = 1.0) -> bool:
    """True when a moto server answers its management API at ``url``."""
    try:
        with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Emulator:
    """A running emulator server child process; ``url`` is what the provider and backend point at."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path | None = None  # where its output goes (None: discarded)
    # Where its RDS snapshots keep their data (with a PostgreSQL server): removed once it has stopped.
    snapshot_dumps: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return loopback_url(self.port)

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.snapshot_dumps is not None:
            self.snapshot_dumps.cleanup()


def start_emulator(
    port: int | None = None, log_path: Path | None = None, timeout: float = 60, postgres: PostgresServer | None = None
) -> Emulator:
    """Start the emulator server on ``port`` (a free one if None) and wait until it answers.
    ``postgres``: the server RDS instances keep their data on (tools/emulator_plugins/rds_data.py)."""
    port = port or free_loopback_port()
    url = loopback_url(port)
    if is_serving(url):
        raise EmulatorError(f"something already serves {url}; stop it (`make local-down`) or choose another port")
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    # Snapshot dumps go with the emulator's (in-memory) state: kept here, so that the server can exit
    # at once and a killed one leaves nothing behind.
    dumps = tempfile.TemporaryDirectory(prefix="cc-emulator-rds-") if postgres else None
    process = subprocess.Popen(
        server_command(port),
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # not killed by a Ctrl-C meant for `make`
        env={**os.environ, RDS_DATA_SETTING: postgres.to_json(), RDS_DUMPS_SETTING: dumps.name}
        if postgres and dumps
        else None,
    )
    emulator = Emulator(process, port, log_path, dumps)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorError(f"the emulator server exited with {process.returncode} (log: {log_path or 'not kept'})")
        if is_serving(url):
            return emulator
        time.sleep(0.2)
    emulator.stop()
    raise EmulatorError(f"the emulator server did not answer on {url} within {timeout:.0f} s")


def _port_of(url: str) -> int:
    port = urlsplit(url).port
    if port is None:
        raise EmulatorError(f"emulator endpoint {url} has no port")
    return port


def start_background(url: str) -> str:
    """Start a detached emulator for `make local`, or reuse the one already serving ``url``."""
    if is_serving(url):
        return f"emulator already running on {url}"
    RUN_DIR.mkdir(exist_ok=True)
    emulator = start_emulator(_port_of(url), log_path=LOG_FILE)
    PID_FILE.write_text(str(emulator.process.pid))
    return f"emulator started on {url} (pid {emulator.process.pid}, log {LOG_FILE.relative_to(REPO_ROOT)})"


def stop_background() -> str:
    if not PID_FILE.is_file():
        return "no emulator started by `make local` is running"
    pid = int(PID_FILE.read_text())
    PID_FILE.unlink()
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return f"emulator (pid {pid}) had already stopped"
    return f"emulator (pid {pid}) stopped"


def main(argv: Sequence[str]) -> int:
    from envs import load_env

    emulator = load_env("local").emulator
    if emulator is None:
        print("error: envs/local.toml has no [emulator] section; the local env runs on the emulator", file=sys.stderr)
        return 2
    url = emulator.url
    command = argv[0] if argv else ""
    if command == "start":
        print(start_background(url))
    elif command == "stop":
        print(stop_background())
    elif command == "status":
        print(f"emulator {'is' if is_serving(url) else 'is not'} serving {url}")
    else:
        print("usage: python -m tools.emulator start|stop|status", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
