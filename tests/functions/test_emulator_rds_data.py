"""The emulator's RDS data plane (tools/emulator_plugins/rds_data.py): what the DR drill relies on.

An instance holds a database on a real PostgreSQL server; a snapshot and a restore carry its rows,
a delete drops them, and what the emulator cannot honour (an earlier restore time) is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tools.emulator_plugins.rds_data import DUMPS_SETTING, SETTING, database_name
from tools.local_postgres import PostgresServer


@pytest.fixture
def rds_data_setting(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[PostgresServer]:
    """Listed before ``emulator_in_process``: the emulator reads the settings when it is built."""
    monkeypatch.setenv(SETTING, postgres.to_json())
    monkeypatch.setenv(DUMPS_SETTING, str(tmp_path))
    yield postgres
    with postgres.connect() as admin:
        for (name,) in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'rds\\_%'").fetchall():
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _rds(url: str) -> Any:
    return boto3.client("rds", region_name="us-east-1", endpoint_url=url)


def _instance(rds: Any, identifier: str) -> None:
    rds.create_db_instance(DBInstanceIdentifier=identifier, Engine="postgres", DBInstanceClass="db.t4g.micro",
                           MasterUsername="cc_admin", ManageMasterUserPassword=True, AllocatedStorage=20)  # fmt: skip


def _write(server: PostgresServer, identifier: str, *notes: str, create: bool = False) -> None:
    """Rows of the instance's ``notes`` table (numbered from the ones already there)."""
    with server.connect(database_name(identifier)) as connection:
        if create:
            connection.execute("CREATE TABLE notes (id int PRIMARY KEY, note text)")
        for note in notes:
            connection.execute("INSERT INTO notes SELECT coalesce(max(id), 0) + 1, %s FROM notes", (note,))


def _rows(server: PostgresServer, identifier: str) -> list[tuple[Any, ...]]:
    with server.connect(database_name(identifier)) as connection:
        return connection.execute("SELECT id, note FROM notes ORDER BY id").fetchall()


def test_a_snapshot_carries_the_rows_into_a_restored_instance_and_a_delete_drops_them(
    rds_data_setting: PostgresServer, emulator_in_process: str
) -> None:
    server, rds = rds_data_setting, _rds(emulator_in_process)
    _instance(rds, "cc-test-postgres")
    _write(server, "cc-test-postgres", "before the snapshot", create=True)
    rds.create_db_snapshot(DBInstanceIdentifier="cc-test-postgres", DBSnapshotIdentifier="cc-test-manual-1")
    _write(server, "cc-test-postgres", "after the snapshot")

    rds.delete_db_instance(DBInstanceIdentifier="cc-test-postgres", SkipFinalSnapshot=True)
    assert not server.has_database(database_name("cc-test-postgres"))

    rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="cc-test-postgres", DBSnapshotIdentifier="cc-test-manual-1"
    )
    assert _rows(server, "cc-test-postgres") == [(1, "before the snapshot")]


def test_a_final_snapshot_keeps_the_last_rows_and_a_latest_time_restore_copies_the_source(
    rds_data_setting: PostgresServer, emulator_in_process: str
) -> None:
    server, rds = rds_data_setting, _rds(emulator_in_process)
    _instance(rds, "cc-test-postgres")
    _write(server, "cc-test-postgres", "kept", create=True)
    rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier="cc-test-postgres", TargetDBInstanceIdentifier="cc-test-copy",
        UseLatestRestorableTime=True,
    )  # fmt: skip
    assert _rows(server, "cc-test-copy") == [(1, "kept")]
    rds.delete_db_instance(DBInstanceIdentifier="cc-test-postgres", FinalDBSnapshotIdentifier="cc-test-final")
    rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="cc-test-back", DBSnapshotIdentifier="cc-test-final")
    assert _rows(server, "cc-test-back") == [(1, "kept")]


def test_what_the_emulator_cannot_restore_is_refused_by_name(
    rds_data_setting: PostgresServer, emulator_in_process: str
) -> None:
    rds = _rds(emulator_in_process)
    _instance(rds, "cc-test-postgres")
    with pytest.raises(ClientError, match="restores to the latest restorable time only"):
        rds.restore_db_instance_to_point_in_time(SourceDBInstanceIdentifier="cc-test-postgres",
                                                 TargetDBInstanceIdentifier="cc-test-copy",
                                                 RestoreTime="2026-11-26T01:00:00Z")  # fmt: skip
    assert [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]] == ["cc-test-postgres"]
