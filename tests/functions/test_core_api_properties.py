"""core_api against hostile requests (Hypothesis and the edge cases found): every request gets a 2xx
or a 4xx naming what is wrong, bounded in size; nothing a caller sends reaches SQL unchecked."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.functions.events import api_request
from tests.functions.strategies import PROPERTY_SETTINGS
from tests.functions.strategies import json_values as json_values_of
from tests.functions.test_core_api import QUEUE
from tests.functions.test_core_api import call as call

MAX_ANSWER_BYTES = 16_384
json_values = json_values_of(leaves=12, text=30)


@pytest.fixture
def raw(database: str, table: str, lambda_context: Any):
    """The handler's proxy answer for an event (status, parsed body, body size); any raise fails."""
    import core_api

    def invoke(event: dict[str, Any]) -> tuple[int, Any, int]:
        answer = core_api.handler(event, lambda_context)
        return answer["statusCode"], json.loads(answer["body"]), len(answer["body"])

    return invoke


def assert_clean(status: int, body: Any, size: int) -> None:
    assert status < 500 and size <= MAX_ANSWER_BYTES, (status, size)
    if status >= 400:
        assert isinstance(body.get("error"), str) and body["error"]


def cursor_of(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@PROPERTY_SETTINGS
@given(
    path=st.sampled_from(["/v1/queues", "/v1/agents", "/v1/contacts"]),
    position=st.one_of(
        json_values,
        st.fixed_dictionaries({"queue_id": json_values}),
        st.fixed_dictionaries({"agent_id": json_values}),
        st.fixed_dictionaries({"initiated_at": json_values, "contact_id": json_values}),
        st.fixed_dictionaries({"initiated_at": st.text(max_size=40), "contact_id": st.text(max_size=40)}),
    ),
)
def test_tampered_cursors_are_400s_never_database_errors(raw, call, path: str, position: Any) -> None:
    call("POST", "/v1/queues", body=QUEUE)
    query = {"cursor": cursor_of(position), **({"queueId": "support"} if path == "/v1/contacts" else {})}
    assert_clean(*raw(api_request("GET", path, query=query)))


@PROPERTY_SETTINGS
@given(cursor=st.text(max_size=300))
def test_cursors_that_are_not_base64_json_are_400s(raw, cursor: str) -> None:
    assert_clean(*raw(api_request("GET", "/v1/queues", query={"cursor": cursor})))


@PROPERTY_SETTINGS
@given(
    route=st.sampled_from(
        [("POST", "/v1/queues"), ("PUT", "/v1/queues/support/experience"), ("POST", "/v1/callbacks")]
    ),
    body=json_values,
)
def test_any_json_body_is_a_2xx_or_a_named_4xx(raw, call, route: tuple[str, str], body: Any) -> None:
    call("POST", "/v1/queues", body=QUEUE)
    before = (call("GET", "/v1/queues", query={"limit": "100"}), call("GET", "/v1/queues/support/experience"))
    status, answer, size = raw(api_request(*route, body=body))
    assert_clean(status, answer, size)
    if status >= 400:  # a refused request changed nothing
        assert (
            call("GET", "/v1/queues", query={"limit": "100"}),
            call("GET", "/v1/queues/support/experience"),
        ) == before


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=200), encoded=st.booleans())
def test_any_bytes_as_a_body_are_a_named_4xx(raw, data: bytes, encoded: bool) -> None:
    event = api_request("POST", "/v1/queues")
    event["body"] = base64.b64encode(data).decode() if encoded else data.decode("latin-1")
    event["isBase64Encoded"] = encoded
    assert_clean(*raw(event))


EDGES = [
    ("deep nesting", {"raw_body": "[" * 5000 + "]" * 5000}, "nests deeper"),
    ("a 5000-digit number", {"raw_body": '{"queue_id": ' + "9" * 5000 + "}"}, "not valid JSON"),
    ("a list for an object", {"body": [QUEUE, {**QUEUE, "queue_id": "other"}]}, "must be a JSON object, not list"),
    ("a NUL in a name", {"body": {**QUEUE, "name": "Sup\x00port"}}, "body.name contains a NUL character"),
    ("a lone surrogate", {"raw_body": '{"queue_id": "x", "name": "\\ud800"}'}, "body.name is not valid Unicode"),
    ("6 MB of unknown keys", {"body": {f"k{i}": i for i in range(600_000)}}, "larger than 65536 bytes"),
]


@pytest.mark.parametrize(("case", "request_parts", "message"), EDGES, ids=[edge[0] for edge in EDGES])
def test_edge_bodies_are_named_4xx(raw, case: str, request_parts: dict[str, Any], message: str) -> None:
    status, body, size = raw(api_request("POST", "/v1/queues", **request_parts))
    assert 400 <= status < 500 and message in body["error"] and size < 1024, (case, body)


def test_strict_numbers_and_booleans_are_not_coerced(call) -> None:
    call("POST", "/v1/queues", body=QUEUE)
    status, body = call("PUT", "/v1/queues/support/experience", body={"prompt_interval_seconds": "20"})
    assert status == 400 and body["details"][0]["field"] == "body.prompt_interval_seconds"
    status, body = call("PUT", "/v1/queues/support/experience", body={"voicemail_enabled": "yes"})
    assert status == 400 and body["details"][0]["field"] == "body.voicemail_enabled"


@pytest.mark.parametrize("due_at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2999-01-01T00:00:00Z"])
def test_callbacks_due_at_the_edge_of_the_calendar_are_400s(call, due_at: str) -> None:
    call("POST", "/v1/queues", body=QUEUE)
    status, body = call("POST", "/v1/callbacks", body={"queue_id": "support", "phone_number": "+14155550100",
                                                       "due_at": due_at})  # fmt: skip
    assert status == 400 and "due_at" in json.dumps(body)


def test_a_400_for_many_bad_fields_is_bounded(call) -> None:
    body = {f"unknown_{i}": i for i in range(2000)}
    status, answer = call("POST", "/v1/queues", body=body)
    assert status == 400 and len(answer["details"]) == 20 and "2002 problems" in answer["error"]
