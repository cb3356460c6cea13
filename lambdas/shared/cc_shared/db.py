"""The function's PostgreSQL connection: opened on first use, reused while it is healthy.

Why it looks like this:
- Lambda keeps the execution environment between invocations, so one connection per environment
  (not per request) keeps RDS's connection count near the function's concurrency.
- Credentials come from the RDS-managed secret (``DB_SECRET_ARN``), cached for five minutes. When
  RDS rotates the password, the next login fails once; we then re-read the secret and retry.
- ``autocommit`` is on and writes use ``connection.transaction()``, so a failed statement never
  leaves the reused connection inside an aborted transaction.
- TLS is required by default (the parameter group also forces it); tests against a local server
  set ``DB_SSLMODE=disable``.
"""

from __future__ import annotations

from typing import Any

import psycopg
from aws_lambda_powertools.utilities import parameters
from psycopg.rows import dict_row

from cc_shared.settings import integer, optional, required

SECRET_MAX_AGE_SECONDS = 300
_connection: psycopg.Connection[dict[str, Any]] | None = None


def connection() -> psycopg.Connection[dict[str, Any]]:
    """The reused connection, reopened when the last one was closed or broke."""
    global _connection
    if _connection is None or _connection.closed or _connection.broken:
        _connection = _connect()
    return _connection


def close() -> None:
    global _connection
    if _connection is not None:
        _connection.close()
    _connection = None


def _credentials(*, refresh: bool) -> dict[str, str]:
    secret = parameters.get_secret(
        required("DB_SECRET_ARN"), transform="json", max_age=SECRET_MAX_AGE_SECONDS, force_fetch=refresh
    )
    if not isinstance(secret, dict) or not {"username", "password"} <= secret.keys():
        raise RuntimeError("the database secret must be JSON with 'username' and 'password' (RDS-managed format)")
    return secret


def _connect() -> psycopg.Connection[dict[str, Any]]:
    try:
        return _open(_credentials(refresh=False))
    except psycopg.OperationalError as error:
        if "authentication failed" not in str(error):
            raise
        return _open(_credentials(refresh=True))  # the password was rotated since we cached it


def _open(credentials: dict[str, str]) -> psycopg.Connection[dict[str, Any]]:
    return psycopg.connect(
        host=required("DB_HOST"),
        port=integer("DB_PORT", 5432),
        dbname=required("DB_NAME"),
        user=credentials["username"],
        password=credentials["password"],
        sslmode=optional("DB_SSLMODE", "require"),
        connect_timeout=5,
        application_name=optional("AWS_LAMBDA_FUNCTION_NAME", "contact-center"),
        autocommit=True,
        row_factory=dict_row,
    )
