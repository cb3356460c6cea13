"""core_api against a real PostgreSQL (migrated) and moto's DynamoDB, with API Gateway proxy events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.functions.events import api_request

QUEUE = {
    "queue_id": "support",
    "name": "Support",
    "connect_queue_arn": "arn:aws:connect:us-east-1:123456789012:instance/i/queue/q1",
}


@pytest.fixture
def call(database: str, table: str, lambda_context: Any):
    import core_api

    def invoke(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        answer = core_api.handler(api_request(method, path, **kwargs), lambda_context)
        return answer["statusCode"], json.loads(answer["body"])

    return invoke


def test_create_then_read_a_queue(call) -> None:
    status, created = call("POST", "/v1/queues", body=QUEUE)
    assert status == 201 and created["queue_id"] == "support" and created["name"] == "Support"
    status, fetched = call("GET", "/v1/queues/support")
    assert status == 200 and fetched["connect_queue_arn"] == QUEUE["connect_queue_arn"]


def test_duplicate_queue_is_a_conflict_naming_the_field(call) -> None:
    call("POST", "/v1/queues", body=QUEUE)
    status, body = call("POST", "/v1/queues", body={**QUEUE, "queue_id": "other", "connect_queue_arn": None})
    assert status == 409 and body == {"error": "a queue with this name already exists"}


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        ({"name": "No id"}, "body.queue_id"),
        ({"queue_id": "Bad Id!", "name": "x"}, "body.queue_id"),
        ({"queue_id": "ok", "name": "x", "colour": "red"}, "body.colour"),
    ],
)
def test_invalid_queue_bodies_are_400s_naming_the_field(call, request_body: dict, field: str) -> None:
    status, body = call("POST", "/v1/queues", body=request_body)
    assert status == 400
    assert body["error"] == "the request is not valid"
    assert field in [detail["field"] for detail in body["details"]]


def test_malformed_json_is_a_400(call) -> None:
    status, body = call("POST", "/v1/queues", raw_body='{"queue_id": "x",')
    assert status == 400 and body["error"].startswith("the body is not valid JSON: Expecting")


def test_sql_injection_strings_are_plain_values(call, postgres, database: str) -> None:
    call("POST", "/v1/queues", body=QUEUE)
    status, body = call("GET", "/v1/queues/x' OR '1'='1")
    assert status == 404 and "does not exist" in body["error"]
    status, _ = call("POST", "/v1/queues", body={"queue_id": "q2", "name": "Robert'); DROP TABLE queues;--"})
    assert status == 201
    with postgres.connect(database) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM queues ORDER BY name")]
    assert names == ["Robert'); DROP TABLE queues;--", "Support"]


def test_queues_are_paginated_with_an_opaque_cursor(call) -> None:
    for number in range(5):
        call("POST", "/v1/queues", body={"queue_id": f"q{number}", "name": f"Queue {number}"})
    status, first = call("GET", "/v1/queues", query={"limit": "2"})
    assert status == 200 and [q["queue_id"] for q in first["items"]] == ["q0", "q1"]
    _, second = call("GET", "/v1/queues", query={"limit": "2", "cursor": first["next_cursor"]})
    _, third = call("GET", "/v1/queues", query={"limit": "2", "cursor": second["next_cursor"]})
    assert [q["queue_id"] for q in second["items"] + third["items"]] == ["q2", "q3", "q4"]
    assert third["next_cursor"] is None


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"cursor": "not-a-cursor"}])
def test_bad_paging_parameters_are_400s(call, query: dict[str, str]) -> None:
    status, body = call("GET", "/v1/queues", query=query)
    assert status == 400, body


def test_queue_experience_defaults_then_stored(call) -> None:
    call("POST", "/v1/queues", body=QUEUE)
    status, body = call("GET", "/v1/queues/support/experience")
    assert status == 200 and body["configured"] is False
    assert body["experience"]["callback"]["enabled"] is False
    experience = {**body["experience"], "callback": {"enabled": True, "max_wait_minutes": 20}}
    status, _ = call("PUT", "/v1/queues/support/experience", body=experience)
    assert status == 200
    _, stored = call("GET", "/v1/queues/support/experience")
    assert stored["configured"] is True and stored["experience"]["callback"] == {
        "enabled": True,
        "max_wait_minutes": 20,
    }


def test_experience_of_an_unknown_queue_is_404(call) -> None:
    status, body = call("PUT", "/v1/queues/ghost/experience", body={})
    assert status == 404 and body == {"error": "queue 'ghost' does not exist"}


def test_invalid_experience_is_rejected_and_nothing_is_stored(call) -> None:
    call("POST", "/v1/queues", body=QUEUE)
    status, body = call("PUT", "/v1/queues/support/experience", body={"prompt_interval_seconds": 1})
    assert status == 400 and body["details"][0]["field"] == "body.prompt_interval_seconds"
    _, stored = call("GET", "/v1/queues/support/experience")
    assert stored["configured"] is False


def test_contacts_of_a_queue_newest_first(call, postgres, database: str) -> None:
    call("POST", "/v1/queues", body=QUEUE)
    with postgres.connect(database) as connection:
        for hour in range(3):
            connection.execute(
                "INSERT INTO contacts (contact_id, channel, initiation_method, queue_arn, initiated_at, last_update_at)"
                " VALUES (%s, 'VOICE', 'INBOUND', %s, %s, %s)",
                (f"c{hour}", QUEUE["connect_queue_arn"], f"2026-11-24T0{hour}:00:00Z", f"2026-11-24T0{hour}:05:00Z"),
            )
    status, page = call("GET", "/v1/contacts", query={"queueId": "support", "limit": "2"})
    assert status == 200 and [c["contact_id"] for c in page["items"]] == ["c2", "c1"]
    _, rest = call("GET", "/v1/contacts", query={"queueId": "support", "limit": "2", "cursor": page["next_cursor"]})
    assert [c["contact_id"] for c in rest["items"]] == ["c0"]
    status, contact = call("GET", "/v1/contacts/c1")
    assert status == 200 and contact["channel"] == "VOICE" and contact["events"] == []
    assert call("GET", "/v1/contacts/missing")[0] == 404


def test_contacts_need_a_queue_id(call) -> None:
    status, body = call("GET", "/v1/contacts")
    assert status == 400 and body["details"][0]["field"] == "query.queueId"


def test_callbacks_are_queued_and_listed_when_due(call) -> None:
    call("POST", "/v1/queues", body=QUEUE)
    status, created = call(
        "POST", "/v1/callbacks", body={"queue_id": "support", "phone_number": "+14155550100", "contact_id": "c9"}
    )
    assert status == 201 and created["status"] == "PENDING"
    call("POST", "/v1/callbacks", body={"queue_id": "support", "phone_number": "+14155550101",
                                        "due_at": "2099-01-01T00:00:00Z"})  # fmt: skip
    status, due = call("GET", "/v1/callbacks")
    assert status == 200 and [c["phone_number"] for c in due["items"]] == ["+14155550100"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"queue_id": "support", "phone_number": "555-0100"}, "body.phone_number"),
        ({"queue_id": "support"}, "body.phone_number"),
    ],
)
def test_invalid_callbacks_are_400s(call, body: dict, field: str) -> None:
    status, answer = call("POST", "/v1/callbacks", body=body)
    assert status == 400 and field in [d["field"] for d in answer["details"]]


def test_agents_list_is_paginated(call, postgres, database: str) -> None:
    with postgres.connect(database) as connection:
        for number in range(3):
            connection.execute(
                "INSERT INTO agents (agent_id, agent_arn, username) VALUES (%s, %s, %s)",
                (f"a{number}", f"arn:aws:connect:us-east-1:123456789012:instance/i/agent/a{number}", f"agent{number}"),
            )
    _, page = call("GET", "/v1/agents", query={"limit": "2"})
    assert [a["username"] for a in page["items"]] == ["agent0", "agent1"] and page["next_cursor"]


def test_unknown_route_is_404(call) -> None:
    status, _ = call("GET", "/v1/nothing-here")
    assert status == 404
