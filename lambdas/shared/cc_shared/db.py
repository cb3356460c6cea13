"""The function's PostgreSQL connection: opened on first use, reused while it is healthy.

Why it looks like this:
- Lambda keeps the execution environment between invocations, so one connection per environment
  (not per request) keeps RDS's connection count near the function's concurrency.
- Where the database is comes from the data layer's connection secret (``DB_CONNECTION_SECRET_ARN``:
  host, port, database name and the ARN of the RDS-managed credentials secret), and the password
  from that credentials secret; both are cached for five minutes. The data layer keeps the
  connection secret current, so the functions never wait for the database at deploy time, and a
  database restored or replaced is found again without a redeploy.
- When RDS rotates the password, the next login fails once; we then re-read the credentials and
  retry. When the database cannot be reached, we re-read the connection secret and retry once if it
  now points elsewhere.
- ``autocommit`` is on and writes use ``connection.transaction()``, so a failed statement never
  leaves the reused connection inside an aborted transaction.
- TLS is required by default (the parameter group also forces it); tests against a local server
  set ``DB_SSLMODE=disable``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from aws_lambda_powertools.utilities import parameters
from psycopg.rows import dict_row

from cc_shared.settings import optional, required

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


@dataclass(frozen=True)
class Location:
    """Where the database is, as the data layer's connection secret says."""

    host: str
    port: int
    dbname: str
    credentials_secret_arn: str


def _location(*, refresh: bool) -> Location:
    secret = _json_secret(required("DB_CONNECTION_SECRET_ARN"), refresh=refresh)
    try:
        return Location(
            host=str(secret["host"]),
            port=int(secret["port"]),
            dbname=str(secret["dbname"]),
            credentials_secret_arn=str(secret["credentials_secret_arn"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise RuntimeError(
            "the database connection secret must be JSON with 'host', 'port', 'dbname' and "
            f"'credentials_secret_arn' (modules/rds.py writes it): {error!r} is missing or wrong"
        ) from None


def _credentials(location: Location, *, refresh: bool) -> dict[str, str]:
    secret = _json_secret(location.credentials_secret_arn, refresh=refresh)
    if not {"username", "password"} <= secret.keys():
        raise RuntimeError("the database secret must be JSON with 'username' and 'password' (RDS-managed format)")
    return secret


def _json_secret(arn: str, *, refresh: bool) -> dict[str, Any]:
    secret = parameters.get_secret(arn, transform="json", max_age=SECRET_MAX_AGE_SECONDS, force_fetch=refresh)
    if not isinstance(secret, dict):
        raise RuntimeError(f"the secret {arn} must hold a JSON object")
    return secret


def _connect() -> psycopg.Connection[dict[str, Any]]:
    location = _location(refresh=False)
    try:
        return _login(location, refresh=False)
    except psycopg.OperationalError as error:
        if "authentication failed" in str(error):
            return _login(location, refresh=True)  # the password was rotated since we cached it
        moved = _location(refresh=True)
        if moved == location:
            raise
        return _login(moved, refresh=False)  # restored or replaced since we cached where it was


def _login(location: Location, *, refresh: bool) -> psycopg.Connection[dict[str, Any]]:
    credentials = _credentials(location, refresh=refresh)
    return psycopg.connect(
        host=location.host,
        port=location.port,
        dbname=location.dbname,
        user=credentials["username"],
        password=credentials["password"],
        sslmode=optional("DB_SSLMODE", "require"),
        connect_timeout=5,
        application_name=optional("AWS_LAMBDA_FUNCTION_NAME", "contact-center"),
        autocommit=True,
        row_factory=dict_row,
    )
