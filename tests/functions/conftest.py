"""Fixtures for the handler tests: moto in-process for AWS, a real PostgreSQL server for RDS code.

The server is started once per session from the Debian PostgreSQL binaries (``.ci/run`` installs
them when absent), with password authentication like RDS. The migrations run once into a template
database; each test gets a fresh copy of it, so tests never see each other's rows.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from modules.routes import scope_grants
from tools.local_postgres import PASSWORD, USER, PostgresNotInstalled, PostgresServer, running_postgres

ROOT = Path(__file__).resolve().parents[2]
LAMBDAS = ROOT / "lambdas"
# What the Lambda runtime puts on sys.path: the layer's python/ and the function's own folder.
for folder in sorted(path for path in LAMBDAS.iterdir() if path.is_dir()):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "ContactCenterTests",
        "POWERTOOLS_SERVICE_NAME": "tests",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        # What the integration layer gives the authorizer: the scopes' grants, from the API's routes.
        "SCOPE_GRANTS": json.dumps(scope_grants()),
    }
)
DB_USER, DB_PASSWORD = USER, PASSWORD
TEMPLATE = "cc_template"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    try:
        with running_postgres() as server:
            _create_template(server)
            yield server
    except PostgresNotInstalled as missing:
        pytest.fail(str(missing))


def _create_template(server: PostgresServer) -> None:
    from cc_shared import migrations

    with server.connect() as admin:
        admin.execute(f"CREATE DATABASE {TEMPLATE}")
    with server.connect(TEMPLATE) as connection:
        migrations.apply(connection)


_database_numbers = itertools.count()


CONNECTION_SECRET = "cc-test/database/connection"


@pytest.fixture
def database(postgres: PostgresServer, aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh migrated database, found as the functions find RDS: the connection secret the data
    layer writes (host, port, name, credentials secret) and an RDS-style credentials secret."""
    from cc_shared import db

    name = f"cc_test_{next(_database_numbers)}"
    with postgres.connect() as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    credentials = aws.client("secretsmanager").create_secret(
        Name=f"rds!{name}", SecretString=json.dumps({"username": DB_USER, "password": DB_PASSWORD})
    )
    connection = aws.client("secretsmanager").create_secret(
        Name=CONNECTION_SECRET,
        SecretString=json.dumps(
            {"host": postgres.host, "port": postgres.port, "dbname": name, "credentials_secret_arn": credentials["ARN"]}
        ),
    )
    monkeypatch.setenv("DB_CONNECTION_SECRET_ARN", connection["ARN"])
    monkeypatch.setenv("DB_SSLMODE", "disable")
    yield name
    db.close()
    with postgres.connect() as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def move_database(database: str, aws: Any) -> Callable[..., None]:
    """Rewrite the connection secret as the data layer would after a restore (``port=1``: nowhere)."""

    def move(**changes: object) -> None:
        client = aws.client("secretsmanager")
        current = json.loads(client.get_secret_value(SecretId=CONNECTION_SECRET)["SecretString"])
        client.put_secret_value(SecretId=CONNECTION_SECRET, SecretString=json.dumps(current | changes))

    return move


class Aws:
    """boto3 clients inside moto's in-process mock."""

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name="us-east-1")


@pytest.fixture
def aws() -> Iterator[Aws]:
    from aws_lambda_powertools.utilities import parameters
    from cc_shared import aws as shared_aws
    from moto import mock_aws

    with mock_aws():
        shared_aws.reset()
        parameters.clear_caches()
        yield Aws()
    shared_aws.reset()


@pytest.fixture
def emulator_in_process(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The project's emulator (moto's backends plus our plugins, tools/emulator_server.py) on a
    loopback port in this process, and every SDK client pointed at it with ``AWS_ENDPOINT_URL``: the
    same store the ``aws`` fixture's clients see, reached over HTTP as the functions reach AWS."""
    from cc_shared import aws as shared_aws
    from werkzeug.serving import make_server

    from tools.emulator_server import EmulatorRequestHandler, application

    server = make_server("127.0.0.1", 0, application(), threaded=True, request_handler=EmulatorRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="emulator", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    shared_aws.reset()
    try:
        yield url
    finally:
        server.shutdown()
        shared_aws.reset()


@pytest.fixture
def lambda_context() -> Any:
    class Context:
        function_name = "cc-test-function"
        function_version = "$LATEST"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:cc-test-function"
        aws_request_id = "00000000-0000-0000-0000-000000000000"

        @staticmethod
        def get_remaining_time_in_millis() -> int:
            return 30_000

    return Context()


@pytest.fixture
def table(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> str:
    """The queue-experience table with the keys and indexes modules/dynamodb.py declares."""
    name = "cc-test-queue-experience"
    attributes = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"]
    aws.client("dynamodb").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attributes],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index,
                "KeySchema": [{"AttributeName": pk, "KeyType": "HASH"}, {"AttributeName": sk, "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, pk, sk in (("by-contact", "gsi1pk", "gsi1sk"), ("by-status", "gsi2pk", "gsi2sk"))
        ],
    )
    monkeypatch.setenv("TABLE_NAME", name)
    return name
