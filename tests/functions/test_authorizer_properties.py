"""The authorizer against many hostile variants (Hypothesis): headers and claims of every JSON type,
signed with the real key so that only their content can be wrong, and events of the wrong shape.

The contract: a token that is not exactly what an identity provider issues is a 401
(``Unauthorized``), never another exception (API Gateway would answer 500); an accepted token's
policy comes only from well-typed claims.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.functions.strategies import PROPERTY_SETTINGS
from tests.functions.strategies import json_values as json_values_of
from tests.functions.test_authorizer import AUDIENCE, ISSUER, METHOD_ARN, RSA_KEY
from tests.functions.test_authorizer import authorize as authorize

json_values = json_values_of(leaves=8, text=20)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(header: Any, claims: Any) -> str:
    """A token with exactly this header and payload, validly signed with the key the authorizer trusts."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = jwt.get_algorithm_by_name("RS256").sign(signing_input.encode(), RSA_KEY)
    return f"{signing_input}.{b64(signature)}"


def good_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "agent-7", "exp": now + 300, "iat": now,
              "scope": "contact-center/read"}  # fmt: skip
    return {**claims, **overrides}


def outcome(authorize: Any, header: str, method_arn: str = METHOD_ARN) -> dict[str, Any] | None:
    """The policy, or None for a 401; any other exception fails the test."""
    import authorizer

    try:
        return dict(authorize(header, method_arn))
    except authorizer.Unauthorized:
        return None


@PROPERTY_SETTINGS
@given(
    alg=st.one_of(st.just("RS256"), json_values),
    kid=st.one_of(st.just("rsa-1"), json_values),
    extra=st.dictionaries(
        st.sampled_from(["typ", "crit", "jku", "x5u", "jwk", "x5c", "cty", "b64", "zip"]), json_values, max_size=2
    ),
)
def test_any_header_that_is_not_exactly_ours_is_a_401(authorize: Any, alg: Any, kid: Any, extra: dict) -> None:
    header = {"alg": alg, "kid": kid, **extra}
    answer = outcome(authorize, f"Bearer {signed(header, good_claims())}")
    exact = alg == "RS256" and kid == "rsa-1" and set(extra) <= {"typ"} and extra.get("typ", "JWT") in ("JWT", "at+jwt")
    assert (answer is not None) == exact, header


@PROPERTY_SETTINGS
@given(
    claim=st.sampled_from(["sub", "scope", "scp", "aud", "iss", "exp", "nbf", "iat", "email"]),
    value=json_values,
)
def test_claims_of_any_type_never_crash_and_grant_only_when_well_typed(authorize: Any, claim: str, value: Any) -> None:
    claims = good_claims(**{claim: value})
    answer = outcome(authorize, f"Bearer {signed({'alg': 'RS256', 'kid': 'rsa-1', 'typ': 'JWT'}, claims)}")
    if answer is None:
        return
    assert isinstance(claims["sub"], str) and claims["sub"].strip() and answer["principalId"] == claims["sub"]
    statement = answer["policyDocument"]["Statement"][0]
    granted = set(answer["context"]["scope"].split())
    if claim == "scope":
        assert isinstance(value, str) and granted == set(value.split()) & {"contact-center/read",
                                                                            "contact-center/write",
                                                                            "contact-center/supervisor"}  # fmt: skip
    if claim == "scp":
        assert isinstance(value, list) and all(isinstance(item, str) for item in value)
    if statement["Effect"] == "Allow":
        assert granted, answer


@PROPERTY_SETTINGS
@given(
    authorization=st.one_of(st.text(max_size=200), json_values, st.just("Bearer " + "a." * 5000)),
    method_arn=st.one_of(st.just(METHOD_ARN), json_values),
)
def test_events_of_the_wrong_shape_are_a_401(authorize: Any, authorization: Any, method_arn: Any) -> None:
    import authorizer

    event = {"type": "TOKEN", "authorizationToken": authorization, "methodArn": method_arn}
    with pytest.raises(authorizer.Unauthorized):
        authorizer.handler(event, _context())


def _context() -> Any:
    class Context:
        function_name = "cc-test-authorizer"
        function_version = "$LATEST"
        memory_limit_in_mb = 256
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:cc-test-authorizer"
        aws_request_id = "00000000-0000-0000-0000-000000000001"

    return Context()
