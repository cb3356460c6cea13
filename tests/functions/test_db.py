"""The functions find the database through the data layer's connection secret (cc_shared/db.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest


def current_database() -> str:
    from cc_shared import db

    row = db.connection().execute("SELECT current_database() AS name").fetchone()
    assert row is not None
    return str(row["name"])


def test_the_connection_secret_leads_to_the_database_and_its_credentials(database: str) -> None:
    assert current_database() == database


def test_a_database_restored_elsewhere_is_found_again_without_a_redeploy(
    database: str, postgres: Any, move_database: Any
) -> None:
    from aws_lambda_powertools.utilities import parameters
    from cc_shared import db

    move_database(port=1)  # what a function cached before the restore: an address nothing answers at
    parameters.clear_caches()
    db._location(refresh=False)
    move_database(port=postgres.port)  # the data layer rewrote the secret for the restored instance
    db.close()
    assert current_database() == database


def test_an_unreachable_database_that_has_not_moved_is_an_error(database: str, move_database: Any) -> None:
    import psycopg
    from aws_lambda_powertools.utilities import parameters
    from cc_shared import db

    move_database(port=1)
    parameters.clear_caches()
    db.close()
    with pytest.raises(psycopg.OperationalError):
        db.connection()


def test_a_connection_secret_without_the_credentials_arn_is_refused_by_name(
    database: str, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cc_shared import db

    wrong = aws.client("secretsmanager").create_secret(
        Name="cc-test/database/wrong", SecretString=json.dumps({"host": "db", "port": 5432, "dbname": "x"})
    )
    monkeypatch.setenv("DB_CONNECTION_SECRET_ARN", wrong["ARN"])
    db.close()
    with pytest.raises(RuntimeError, match="'credentials_secret_arn'"):
        db.connection()
