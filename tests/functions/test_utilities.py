"""utilities: the scheduled jobs against a real PostgreSQL and moto's S3."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
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
        ({"job": "reindex"}, "must name a job as text .*got 'reindex'"),
        ({}, "must name a job as text .*got None"),
        ({"job": ["migrate"]}, r"must name a job as text .*got \['migrate'\]"),
        ({"job": "nightly-export", "date": "23/11/2026"}, "YYYY-MM-DD"),
    ],
)
def test_bad_jobs_raise_a_clear_error(run, event: dict, message: str) -> None:
    import utilities

    with pytest.raises(utilities.JobError, match=message):
        run(event)


@pytest.fixture
def connect_emulator(monkeypatch: pytest.MonkeyPatch, lambda_context: Any) -> Iterator[tuple[Any, Any]]:
    """The emulator's Amazon Connect (moto has no phone-number routing), with the handler's boto3
    pointed at it the way the deployed function reaches Connect: credentials and an endpoint."""
    import boto3
    import utilities
    from cc_shared import aws as shared_aws

    from tools.emulator import start_emulator

    emulator = start_emulator()
    for name, value in {"AWS_ENDPOINT_URL": emulator.url, "AWS_ACCESS_KEY_ID": "test",
                        "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    shared_aws.reset()
    try:
        yield boto3.client("connect"), lambda event: utilities.handler(event, lambda_context)
    finally:
        shared_aws.reset()
        emulator.stop()


def _instance_with_two_numbers(connect: Any) -> tuple[str, list[str], dict[str, str]]:
    instance = connect.create_instance(IdentityManagementType="SAML", InstanceAlias="routing-test",
                                       InboundCallsEnabled=True, OutboundCallsEnabled=True)  # fmt: skip
    end = '{"Version": "2019-10-30", "StartAction": "end", "Actions": [{"Identifier": "end", '
    end += '"Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}'
    flows = {name: connect.create_contact_flow(InstanceId=instance["Id"], Name=name, Type="CONTACT_FLOW", Content=end)[
        "ContactFlowId"] for name in ("main", "sales")}  # fmt: skip
    numbers = []
    for _ in range(2):
        search = {"TargetArn": instance["Arn"], "PhoneNumberCountryCode": "US", "PhoneNumberType": "DID"}
        [offer] = connect.search_available_phone_numbers(**search, MaxResults=1)["AvailableNumbersList"]
        numbers.append(connect.claim_phone_number(TargetArn=instance["Arn"], PhoneNumber=offer["PhoneNumber"])[
            "PhoneNumberId"])  # fmt: skip
    return instance["Id"], numbers, flows


def _routed(connect: Any, instance: str) -> dict[str, str]:
    associations = connect.list_flow_associations(InstanceId=instance)["FlowAssociationSummaryList"]
    return {a["ResourceId"].rsplit("/", 1)[1]: a["FlowId"].rsplit("/", 1)[1] for a in associations}


def test_route_phone_numbers_follows_terraforms_create_update_and_delete(connect_emulator) -> None:
    """The events Terraform's aws_lambda_invocation sends with lifecycle_scope CRUD (the ``tf`` key)."""
    connect, run = connect_emulator
    instance, (first, second), flows = _instance_with_two_numbers(connect)
    created = {"job": "route-phone-numbers", "instanceId": instance,
               "routes": [{"phoneNumberId": first, "contactFlowId": flows["main"]},
                          {"phoneNumberId": second, "contactFlowId": flows["main"]}]}  # fmt: skip
    assert run({**created, "tf": {"action": "create", "prev_input": None}})["routed"] == {
        first: flows["main"], second: flows["main"]}  # fmt: skip
    assert _routed(connect, instance) == {first: flows["main"], second: flows["main"]}

    updated = {**created, "routes": [{"phoneNumberId": first, "contactFlowId": flows["sales"]}]}
    result = run({**updated, "tf": {"action": "update", "prev_input": created}})
    assert result["detached"] == [second]
    assert _routed(connect, instance) == {first: flows["sales"]}

    run({**updated, "tf": {"action": "delete", "prev_input": updated}})
    assert _routed(connect, instance) == {}
    run({**updated, "tf": {"action": "delete", "prev_input": updated}})  # again: nothing left, no error
