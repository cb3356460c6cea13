"""A throwaway PostgreSQL server from the machine's PostgreSQL binaries, as RDS would be reached:
loopback TCP, password (scram-sha-256) authentication.

Used by the handler tests (a real database for the functions' SQL) and by the emulator's RDS data
plane (``tools/emulator_plugins/rds_data.py``: what a snapshot and a restore carry). Debian puts the
server binaries outside PATH; ``.ci/run`` installs the ``postgresql`` package when absent.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

USER, PASSWORD = "cc_admin", "local-only-password"


class PostgresNotInstalled(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    bin_dir: str
    user: str = USER
    password: str = PASSWORD

    def connect(self, dbname: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(
            host=self.host, port=self.port, dbname=dbname, user=self.user, password=self.password, autocommit=True
        )

    def has_database(self, name: str) -> bool:
        with self.connect() as admin:
            return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> PostgresServer:
        return cls(**json.loads(text))

    def client_env(self) -> dict[str, str]:
        """Environment for pg_dump / pg_restore run against this server."""
        return {**os.environ, "PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user,
                "PGPASSWORD": self.password}  # fmt: skip


def bin_dir() -> Path:
    """The newest installed PostgreSQL server binaries."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent  # a symlink on PATH: the folder with the other binaries
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not candidates:
        raise PostgresNotInstalled(
            "PostgreSQL server binaries not found: install the Debian package `postgresql` (.ci/run does)"
        )
    return candidates[-1].parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A fresh cluster on a free loopback port, stopped and removed on exit."""
    binaries = bin_dir()
    # Not under pytest's tmp dir: as root, the server runs as `postgres`, which cannot enter that one.
    root = Path(tempfile.mkdtemp(prefix="cc-postgres-"))
    data, password_file = root / "data", root / "pgpass"
    data.mkdir()
    password_file.write_text(PASSWORD)
    as_postgres: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:  # initdb refuses to run as root
        for path in (root, data, password_file):
            shutil.chown(path, "postgres")
    subprocess.run(
        [*as_postgres, str(binaries / "initdb"), "-D", str(data), "-U", USER, "--auth=scram-sha-256",
         f"--pwfile={password_file}", "--no-sync", "-E", "UTF8"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*as_postgres, str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(data / "log"),
         "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield PostgresServer("127.0.0.1", port, str(binaries))
    finally:
        subprocess.run(
            [*as_postgres, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)
