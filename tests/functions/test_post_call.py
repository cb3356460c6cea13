"""post_call: Kinesis CTR batches into PostgreSQL, poison records reported, replays harmless."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.functions.events import kinesis_batch

STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/cc-test-ctr"
QUEUE_ARN = "arn:aws:connect:us-east-1:123456789012:instance/i-1/queue/q-support"
AGENT_ARN = "arn:aws:connect:us-east-1:123456789012:instance/i-1/agent/agent-42"


def ctr(contact_id: str = "c-1", last_update: str = "2026-11-24T10:05:00Z", **overrides: Any) -> bytes:
    record = {
        "AWSAccountId": "123456789012",
        "AWSContactTraceRecordFormatVersion": "2017-03-10",
        "ContactId": contact_id,
        "Channel": "VOICE",
        "InitiationMethod": "INBOUND",
        "InitiationTimestamp": "2026-11-24T10:00:00Z",
        "DisconnectTimestamp": "2026-11-24T10:04:30Z",
        "LastUpdateTimestamp": last_update,
        "Queue": {"ARN": QUEUE_ARN, "Name": "Support", "Duration": 42},
        "Agent": {"ARN": AGENT_ARN, "Username": "jdoe", "AgentInteractionDuration": 200},
        "CustomerEndpoint": {"Address": "+14155550100", "Type": "TELEPHONE_NUMBER"},
        "Attributes": {"language": "en"},
        "Recording": {"Location": "recordings/2026/11/24/c-1.wav"},
        **overrides,
    }
    return json.dumps(record).encode()


@pytest.fixture
def consume(database: str, lambda_context: Any):
    import post_call

    def invoke(payloads: list[bytes]) -> list[str]:
        answer = post_call.handler(kinesis_batch(payloads, STREAM), lambda_context)
        return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]

    return invoke


def rows(postgres, database: str, query: str) -> list[tuple]:
    with postgres.connect(database) as connection:
        return connection.execute(query).fetchall()


def test_records_become_contacts_and_agents(consume, postgres, database: str) -> None:
    assert consume([ctr("c-1"), ctr("c-2")]) == []
    contacts = rows(
        postgres, database, "SELECT contact_id, queue_arn, customer_endpoint, attributes FROM contacts ORDER BY 1"
    )
    assert contacts == [
        ("c-1", QUEUE_ARN, "+14155550100", {"language": "en"}),
        ("c-2", QUEUE_ARN, "+14155550100", {"language": "en"}),
    ]
    assert rows(postgres, database, "SELECT agent_id, username FROM agents") == [("agent-42", "jdoe")]


def test_replays_and_older_records_do_not_duplicate_or_roll_back(consume, postgres, database: str) -> None:
    newer = ctr("c-1", "2026-11-24T10:09:00Z", Attributes={"language": "fr"})
    assert consume([newer]) == []
    assert consume([ctr("c-1", "2026-11-24T10:05:00Z"), newer, newer]) == []
    assert rows(postgres, database, "SELECT count(*), max(attributes->>'language') FROM contacts") == [(1, "fr")]


def test_poison_records_fail_alone_and_the_rest_is_kept(consume, postgres, database: str) -> None:
    batch = [
        ctr("c-1"),
        b"{not json",
        json.dumps({"ContactId": "c-x"}).encode(),
        ctr("c-4", Channel="CARRIER_PIGEON"),
        ctr("c-5"),
    ]
    failures = consume(batch)
    sequence = [
        json.loads(json.dumps(kinesis_batch(batch, STREAM)))["Records"][i]["kinesis"]["sequenceNumber"]
        for i in (1, 2, 3)
    ]
    assert failures == sequence
    assert [r[0] for r in rows(postgres, database, "SELECT contact_id FROM contacts ORDER BY 1")] == ["c-1", "c-5"]


def test_raw_records_are_archived_when_configured(consume, aws, monkeypatch: pytest.MonkeyPatch) -> None:
    aws.client("s3").create_bucket(Bucket="cc-test-exports")
    monkeypatch.setenv("EXPORTS_BUCKET", "cc-test-exports")
    payload = ctr("c-1")
    assert consume([payload, payload]) == []
    listing = aws.client("s3").list_objects_v2(Bucket="cc-test-exports")["Contents"]
    assert [o["Key"] for o in listing] == ["ctr-raw/2026/11/24/c-1-20261124T100500000000Z.json"]
    body = aws.client("s3").get_object(Bucket="cc-test-exports", Key=listing[0]["Key"])["Body"].read()
    assert body == payload


def test_a_database_outage_fails_the_records_instead_of_dropping_them(consume, move_database) -> None:
    from aws_lambda_powertools.utilities import parameters
    from cc_shared import db

    move_database(port=1)  # nothing listens there
    parameters.clear_caches()
    db.close()
    # Every record is reported (not raised): Lambda retries from the first one, then bisects and
    # sends what still fails to the on-failure queue; the invocation is not a function error.
    batch = [ctr("c-1"), ctr("c-2")]
    sequence = [record["kinesis"]["sequenceNumber"] for record in kinesis_batch(batch, STREAM)["Records"]]
    assert consume(batch) == sequence


def test_a_replayed_older_record_does_not_roll_an_agents_username_back(consume, postgres, database: str) -> None:
    renamed = {"ARN": AGENT_ARN, "Username": "jdoe.new", "AgentInteractionDuration": 10}
    assert (
        consume([ctr("c-2", "2026-11-24T11:00:00Z", DisconnectTimestamp="2026-11-24T11:00:00Z", Agent=renamed)]) == []
    )
    assert consume([ctr("c-1")]) == []  # an older contact of the same agent, with the old username
    assert rows(postgres, database, "SELECT username FROM agents") == [("jdoe.new",)]


def test_an_event_that_is_not_a_stream_batch_is_refused_by_name(lambda_context: Any) -> None:
    import post_call

    for event in ({"version": "2.0", "routeKey": "GET /"}, {"Records": [{"s3": {}}]}, []):
        with pytest.raises(ValueError, match="post_call takes Kinesis stream events"):
            post_call.handler(event, lambda_context)


junk = st.one_of(
    st.binary(max_size=64),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
        max_leaves=6,
    ).map(lambda value: json.dumps(value).encode()),
    st.sampled_from(["ContactId", "Channel", "InitiationTimestamp", "LastUpdateTimestamp"]).map(
        lambda dropped: json.dumps({k: v for k, v in json.loads(ctr()).items() if k != dropped}).encode()
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(st.one_of(st.just(None), junk), min_size=1, max_size=6))
def test_any_mix_of_poison_and_good_records_keeps_every_good_one(consume, postgres, database: str, batch) -> None:
    """``None`` stands for a valid CTR (a fresh contact id); anything else is junk. Nothing raises, exactly
    the junk is reported, and every valid record is stored."""
    run = uuid.uuid4().hex[:8]
    payloads = [ctr(f"{run}-{index}") if item is None else item for index, item in enumerate(batch)]
    records = kinesis_batch(payloads, STREAM)["Records"]
    expected_failures = [
        r["kinesis"]["sequenceNumber"] for r, item in zip(records, batch, strict=True) if item is not None
    ]
    assert consume(payloads) == expected_failures
    stored = rows(postgres, database, f"SELECT contact_id FROM contacts WHERE contact_id LIKE '{run}-%' ORDER BY 1")
    assert [r[0] for r in stored] == sorted(f"{run}-{i}" for i, item in enumerate(batch) if item is None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    versions=st.lists(st.integers(min_value=0, max_value=59), min_size=1, max_size=5, unique=True),
    order=st.randoms(use_true_random=False),
    repeats=st.integers(min_value=1, max_value=2),
)
def test_any_order_of_replays_leaves_the_newest_contact_and_username(
    consume, postgres, database: str, versions: list[int], order: Any, repeats: int
) -> None:
    """Versions of one contact (minute m, the agent named user-m) delivered in any order, some twice:
    the contact row and the agent's username are the newest version's."""
    run = uuid.uuid4().hex[:8]
    agent = {"ARN": f"{AGENT_ARN}-{run}", "AgentInteractionDuration": 1}

    def version(minute: int) -> bytes:
        at = f"2026-11-24T11:{minute:02d}:00Z"
        return ctr(f"{run}-c", at, DisconnectTimestamp=at, Attributes={"v": str(minute)},
                   Agent={**agent, "Username": f"user-{minute}"})  # fmt: skip

    deliveries = [version(minute) for minute in versions] * repeats
    order.shuffle(deliveries)
    for delivery in deliveries:
        assert consume([delivery]) == []
    newest = max(versions)
    assert rows(postgres, database, f"SELECT attributes->>'v' FROM contacts WHERE contact_id = '{run}-c'") == [
        (str(newest),)
    ]
    assert rows(postgres, database, f"SELECT username FROM agents WHERE agent_arn = '{agent['ARN']}'") == [
        (f"user-{newest}",)
    ]


def test_a_queued_callback_is_recorded_once_and_completed_by_the_callback_contact(
    consume, aws: Any, table: str
) -> None:
    asked = ctr("c-cb", Attributes={"queueId": "support", "callbackRequested": "true"})
    assert consume([asked, asked]) == []  # a re-delivered record records nothing twice
    items = aws.client("dynamodb").scan(TableName=table)["Items"]
    [callback] = [i for i in items if i["sk"]["S"].startswith("CALLBACK#")]
    assert (callback["status"]["S"], callback["queue_id"]["S"], callback["phone_number"]["S"]) == (
        "QUEUED", "support", "+14155550100")  # fmt: skip

    answered = ctr("c-cb-back", InitiationMethod="CALLBACK", PreviousContactId="c-cb")
    assert consume([answered, answered]) == []
    items = aws.client("dynamodb").scan(TableName=table)["Items"]
    [callback] = [i for i in items if i["sk"]["S"].startswith("CALLBACK#")]
    assert (callback["status"]["S"], callback["agent_arn"]["S"]) == ("COMPLETED", AGENT_ARN)


def test_a_queued_callback_without_a_queue_is_reported_not_lost(consume, table: str) -> None:
    nowhere = ctr("c-lost", Attributes={"callbackRequested": "true"})
    assert len(consume([nowhere])) == 1  # retried, then the dead-letter queue: a person calls back
