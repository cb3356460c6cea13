"""Versioned SQL migrations: ``migrations/NNNN_name.sql``, applied in order, each exactly once.

Why it works this way:
- Everything runs in one transaction under an advisory lock: two concurrent runs (a deploy and a
  scheduled job) serialize, and a failing migration leaves the schema as it was (PostgreSQL DDL
  is transactional).
- ``schema_migrations`` records each applied file's SHA-256. Editing a migration after it ran
  is refused with the file's name, since the databases that already ran it would never see the edit;
  add a new migration instead.
- Running it again is a no-op, so it is safe as a deploy step and as the ``migrate`` job.

Run it: ``python -m cc_shared.migrations`` (with the DB_* settings) or the utilities function's
``{"job": "migrate"}``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import tuple_row

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")
ADVISORY_LOCK_ID = 0x43435F4D49475241  # "CC_MIGRA"


class MigrationError(RuntimeError):
    """The migrations folder or the database's migration history is inconsistent."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def file_name(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


def discover(folder: Path = MIGRATIONS) -> list[Migration]:
    migrations: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        match = FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_snake_case.sql")
        version = int(match["version"])
        if version in migrations:
            raise MigrationError(f"{path.name}: version {version} is used by {migrations[version].file_name} too")
        migrations[version] = Migration(version, match["name"], path.read_text())
    return [migrations[version] for version in sorted(migrations)]


def apply(connection: psycopg.Connection[Any], folder: Path = MIGRATIONS) -> list[str]:
    """Apply what is pending; returns the file names applied by this call (empty when up to date)."""
    migrations = discover(folder)
    applied_now: list[str] = []
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_ID,))
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        history = {
            row[0]: (row[1], row[2])
            for row in connection.cursor(row_factory=tuple_row).execute(
                "SELECT version, name, checksum FROM schema_migrations"
            )
        }
        for migration in migrations:
            if migration.version in history:
                _check_unchanged(migration, *history[migration.version])
                continue
            connection.execute(migration.sql)  # several statements, no parameters
            connection.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
            applied_now.append(migration.file_name)
    return applied_now


def _check_unchanged(migration: Migration, name: str, checksum: str) -> None:
    if checksum != migration.checksum or name != migration.name:
        raise MigrationError(
            f"{migration.file_name} was changed after it was applied (recorded as {migration.version:04d}_{name}.sql "
            f"with another checksum); add a new migration instead of editing an applied one"
        )


def main() -> int:
    from cc_shared import db

    applied = apply(db.connection())
    print("applied: " + ", ".join(applied) if applied else "schema is up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
