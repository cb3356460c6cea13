"""The migration runner against a real PostgreSQL: ordered, once, refuses edited history."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def empty_database(postgres):
    with postgres.connect() as admin:
        admin.execute("DROP DATABASE IF EXISTS cc_migrations_test")
        admin.execute("CREATE DATABASE cc_migrations_test")
    with postgres.connect("cc_migrations_test") as connection:
        yield connection
    with postgres.connect() as admin:
        admin.execute("DROP DATABASE cc_migrations_test WITH (FORCE)")


def test_shipped_migrations_apply_once(empty_database) -> None:
    from cc_shared import migrations

    applied = migrations.apply(empty_database)
    assert applied == [m.file_name for m in migrations.discover()] and applied[0] == "0001_core_schema.sql"
    assert migrations.apply(empty_database) == []
    tables = {row[0] for row in empty_database.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"queues", "agents", "contacts", "voicemails", "schema_migrations"} <= tables


def test_new_migration_applies_and_an_edited_one_is_refused(empty_database, tmp_path: Path) -> None:
    from cc_shared import migrations

    (tmp_path / "0001_first.sql").write_text("CREATE TABLE one (id int);")
    assert migrations.apply(empty_database, tmp_path) == ["0001_first.sql"]
    (tmp_path / "0002_second.sql").write_text("CREATE TABLE two (id int); CREATE INDEX two_id ON two (id);")
    assert migrations.apply(empty_database, tmp_path) == ["0002_second.sql"]
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE one (id bigint);")
    with pytest.raises(migrations.MigrationError, match=r"0001_first\.sql was changed after it was applied"):
        migrations.apply(empty_database, tmp_path)


def test_failing_migration_leaves_nothing_behind(empty_database, tmp_path: Path) -> None:
    import psycopg
    from cc_shared import migrations

    (tmp_path / "0001_ok.sql").write_text("CREATE TABLE fine (id int);")
    (tmp_path / "0002_broken.sql").write_text("CREATE TABLE half (id int); SELECT * FROM missing_table;")
    with pytest.raises(psycopg.errors.UndefinedTable):
        migrations.apply(empty_database, tmp_path)
    tables = {row[0] for row in empty_database.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == set(), "one transaction: the first migration and the half-applied second are rolled back"


@pytest.mark.parametrize(
    ("names", "message"), [(["1_bad.sql"], "NNNN_snake_case"), (["0001_a.sql", "0001_b.sql"], "version 1")]
)
def test_inconsistent_folders_are_refused(tmp_path: Path, names: list[str], message: str) -> None:
    from cc_shared import migrations

    for name in names:
        (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(migrations.MigrationError, match=message):
        migrations.discover(tmp_path)
