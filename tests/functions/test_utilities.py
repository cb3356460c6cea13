"""utilities: the scheduled jobs against a real PostgreSQL and moto's S3."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

BUCKET = "cc-test-exports"


@pytest.fixture
def run(database: str, aws, lambda_context: Any, monkeypatch: pytest.MonkeyPatch):
    import utilities

    aws.client("s3").create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("EXPORTS_BUCKET", BUCKET)
    return lambda event: utilities.handler(event, lambda_context)


def insert_contacts(postgres, database: str, initiated: list[str]) -> None:
    with postgres.connect(database) as connection:
        for index, at in enumerate(initiated):
            connection.execute(
                "INSERT INTO contacts (contact_id, channel, initiation_method, queue_name, initiated_at,"
                " last_update_at) VALUES (%s, 'VOICE', 'INBOUND', %s, %s, %s)",
                (f"c-{index}", 'Support, "Tier 1"', at, at),
            )


def test_nightly_export_writes_one_days_contacts_as_csv(run, aws, postgres, database: str) -> None:
    insert_contacts(
        postgres,
        database,
        ["2026-11-22T23:59:59Z", "2026-11-23T00:00:00Z", "2026-11-23T18:30:00Z", "2026-11-24T00:00:00Z"],
    )
    result = run({"job": "nightly-export", "date": "2026-11-23"})
    assert result["rows"] == 2 and result["key"] == "reports/contacts/date=2026-11-23/contacts.csv"
    body = aws.client("s3").get_object(Bucket=BUCKET, Key=result["key"])["Body"].read().decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["contact_id"] for row in rows] == ["c-1", "c-2"]
    assert rows[0]["queue_name"] == 'Support, "Tier 1"' and rows[0]["disconnected_at"] == ""


def test_purge_deletes_only_expired_rows(run, postgres, database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import utilities

    monkeypatch.setattr(utilities, "PURGE_BATCH", 2)  # several batches
    insert_contacts(postgres, database, ["2020-01-01T00:00:00Z"] * 5 + ["2099-01-01T00:00:00Z"])
    monkeypatch.setenv("CONTACT_RETENTION_DAYS", "30")
    result = run({"job": "purge-expired"})
    assert result["deleted"] == {"contacts": 5, "voicemails": 0}
    with postgres.connect(database) as connection:
        assert connection.execute("SELECT contact_id FROM contacts").fetchall() == [("c-5",)]


def test_migrate_job_is_idempotent(run) -> None:
    assert run({"job": "migrate"}) == {"job": "migrate", "applied": []}  # the template database is migrated


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"job": "reindex"}, "unknown job 'reindex'"),
        ({}, "unknown job None"),
        ({"job": "nightly-export", "date": "23/11/2026"}, "YYYY-MM-DD"),
    ],
)
def test_bad_jobs_raise_a_clear_error(run, event: dict, message: str) -> None:
    import utilities

    with pytest.raises(utilities.JobError, match=message):
        run(event)
