"""RDS data plane for the emulator: what an instance holds, and what a snapshot and a restore carry.

moto keeps RDS's control plane (instances, snapshots, their attributes) but no data: an instance is
a record, a snapshot a copy of that record. With a PostgreSQL server given to the emulator
(``EMULATOR_POSTGRES``, a ``tools.local_postgres.PostgresServer`` as JSON), each instance also
gets a database on that server, and the RDS calls that move data move it:

- CreateDBInstance: an empty database ``rds_<identifier>`` (``database_name``);
- CreateDBSnapshot: ``pg_dump`` of the instance's database, kept as the snapshot's content;
- DeleteDBInstance: the final snapshot (when asked) dumped first, then the database dropped;
- RestoreDBInstanceFromDBSnapshot: a new database loaded from the snapshot's dump;
- RestoreDBInstanceToPointInTime: a copy of the source's database at the latest restorable time
  (the emulator keeps no transaction log: a request for an earlier ``RestoreTime`` is refused);
- DeleteDBSnapshot: the dump removed.

moto answers every call first (or, for a snapshot, right after the dump), so the control plane's
errors and shapes stay moto's. Without ``EMULATOR_POSTGRES`` the plugin passes everything to moto.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from tools.emulator_plugins.moto_call import WsgiApp, moto_answer, read_body
from tools.local_postgres import PostgresServer

SETTING = "EMULATOR_POSTGRES"
DUMPS_SETTING = "EMULATOR_RDS_DUMPS"  # the folder snapshot dumps go to (tools.emulator.start_emulator owns it)
DATA_ACTIONS = frozenset({
    "CreateDBInstance", "CreateDBSnapshot", "DeleteDBInstance", "DeleteDBSnapshot",
    "RestoreDBInstanceFromDBSnapshot", "RestoreDBInstanceToPointInTime",
})  # fmt: skip


def database_name(instance_identifier: str) -> str:
    """The database on the emulator's PostgreSQL server that holds an instance's data."""
    return "rds_" + re.sub(r"[^a-z0-9]", "_", instance_identifier.lower())


def snapshot_name(snapshot: str) -> str:
    """A snapshot's identifier from its identifier or ARN (``arn:...:snapshot:<id>``)."""
    return snapshot.rsplit(":snapshot:", 1)[-1]


class DataPlaneError(RuntimeError):
    """A data step that failed; answered as an RDS error naming it."""


def _error(code: str, message: str, status: int = 400) -> tuple[int, dict[str, str], bytes]:
    body = (
        '<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>emulator</RequestId></ErrorResponse>"
    )
    return status, {"Content-Type": "text/xml"}, body.encode()


class RdsDataPlane:
    """Served in front of moto for the ``rds`` service (see the module docstring)."""

    def __init__(self, moto_app: WsgiApp, server: PostgresServer | None, dumps: Path | None = None) -> None:
        if server is not None and dumps is None:
            raise ValueError(f"with a PostgreSQL server ({SETTING}) the RDS data plane needs a folder for dumps")
        self.moto_app, self.server, self.dumps = moto_app, server, dumps
        self._lock = threading.Lock()  # one data step at a time: dumps and restores of one instance

    @classmethod
    def from_environment(cls, moto_app: WsgiApp) -> RdsDataPlane:
        setting, dumps = os.environ.get(SETTING), os.environ.get(DUMPS_SETTING)
        return cls(moto_app, PostgresServer.from_json(setting) if setting else None, Path(dumps) if dumps else None)

    def handles(self, path: str) -> bool:
        return self.server is not None

    def reset(self) -> None:
        if self.dumps is None:
            return
        for dump in self.dumps.glob("*.dump"):
            dump.unlink()

    def __call__(self, environ: dict[str, Any], region: str) -> tuple[int, dict[str, str], bytes]:
        body = read_body(environ)
        params = {k: v[-1] for k, v in parse_qs(body.decode() + "&" + environ.get("QUERY_STRING", "")).items()}
        action = params.get("Action", "")
        if action not in DATA_ACTIONS:
            return self._moto(environ, body)
        with self._lock:
            try:
                return self._with_data(action, params, environ, body)
            except DataPlaneError as error:
                print(f"rds data plane: {error}", file=sys.stderr, flush=True)
                return _error("InvalidParameterValue", str(error))
            except Exception as error:  # a bug here: said at once, with the traceback in the log
                traceback.print_exc()
                return _error("InternalFailure", f"the emulator's RDS data plane failed: {error}", 500)

    def _with_data(
        self, action: str, params: dict[str, str], environ: dict[str, Any], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        instance = params.get("DBInstanceIdentifier", "")
        if action == "RestoreDBInstanceToPointInTime" and params.get("RestoreTime"):
            raise DataPlaneError("the local emulator restores to the latest restorable time only (no RestoreTime)")
        if action == "CreateDBSnapshot":
            snapshot = params["DBSnapshotIdentifier"]
            self._dump(instance, snapshot)
            answer = self._moto(environ, body)
            if answer[0] != 200:
                self._dump_path(snapshot).unlink(missing_ok=True)
            return answer
        final = params.get("FinalDBSnapshotIdentifier")
        if action == "DeleteDBInstance" and final and params.get("SkipFinalSnapshot", "false") != "true":
            self._dump(instance, final)
        answer = self._moto(environ, body)
        if answer[0] != 200:
            return answer
        if action == "CreateDBInstance":
            self._create(instance)
        elif action == "DeleteDBInstance":
            self._drop(instance)
        elif action == "DeleteDBSnapshot":
            self._dump_path(params["DBSnapshotIdentifier"]).unlink(missing_ok=True)
        elif action == "RestoreDBInstanceFromDBSnapshot":
            self._load(instance, self._dump_path(params["DBSnapshotIdentifier"]))
        elif action == "RestoreDBInstanceToPointInTime":
            target = params["TargetDBInstanceIdentifier"]
            source = params.get("SourceDBInstanceIdentifier", "")
            copy = self._dump_path(f"pitr-{target}")
            self._dump(source, copy.stem)
            self._load(target, copy)
            copy.unlink()
        return answer

    # --- PostgreSQL -------------------------------------------------------------------------------

    def _dump_path(self, snapshot: str) -> Path:
        assert self.dumps is not None
        return self.dumps / f"{snapshot_name(snapshot)}.dump"

    def _run(self, *command: str) -> None:
        assert self.server is not None
        done = subprocess.run(
            [str(Path(self.server.bin_dir) / command[0]), *command[1:]],
            env=self.server.client_env(), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise DataPlaneError(f"{command[0]} failed: {done.stderr.strip()}")

    def _create(self, instance: str) -> None:
        assert self.server is not None
        with self.server.connect() as admin:
            admin.execute(f'CREATE DATABASE "{database_name(instance)}"')

    def _drop(self, instance: str) -> None:
        assert self.server is not None
        with self.server.connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database_name(instance)}" WITH (FORCE)')

    def _dump(self, instance: str, snapshot: str) -> None:
        assert self.server is not None
        if not self.server.has_database(database_name(instance)):
            raise DataPlaneError(f"instance {instance} has no data on the emulator's PostgreSQL server")
        self._run("pg_dump", "--format=custom", f"--file={self._dump_path(snapshot)}", database_name(instance))

    def _load(self, instance: str, dump: Path) -> None:
        if not dump.exists():
            raise DataPlaneError(f"the emulator holds no data for snapshot {dump.stem}")
        self._create(instance)
        self._run("pg_restore", "--no-owner", f"--dbname={database_name(instance)}", str(dump))

    def _moto(self, environ: dict[str, Any], body: bytes) -> tuple[int, dict[str, str], bytes]:
        return moto_answer(self.moto_app, environ, body)
