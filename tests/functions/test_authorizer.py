"""The JWT authorizer with keys from Secrets Manager (moto) and from a JWKS URL (a local HTTP server)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ISSUER, AUDIENCE = "https://idp.example.com/", "contact-center-api"
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/v1/GET/v1/queues"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(private_key: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = jwt.get_algorithm_by_name(alg)
    return {**json.loads(algorithm.to_jwk(private_key.public_key())), "kid": kid, "alg": alg, "use": "sig"}


JWKS = {"keys": [jwk(RSA_KEY, "rsa-1", "RS256"), jwk(EC_KEY, "ec-1", "ES256")]}


def token(key: Any = RSA_KEY, alg: str = "RS256", kid: str | None = "rsa-1", **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "agent-7", "exp": now + 300, "iat": now,
              "scope": "contact-center/read", "email": "agent7@example.com", **overrides}  # fmt: skip
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid} if kid else None)


@pytest.fixture
def authorize(aws, lambda_context, monkeypatch: pytest.MonkeyPatch):
    import authorizer

    secret = aws.client("secretsmanager").create_secret(
        Name="cc/api/jwt-verification-keys", SecretString=json.dumps(JWKS)
    )
    monkeypatch.setenv("JWT_SECRET_ARN", secret["ARN"])
    monkeypatch.setenv("JWT_ISSUER", ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", AUDIENCE)
    monkeypatch.delenv("JWT_JWKS_URL", raising=False)

    def call(header: str, method_arn: str = METHOD_ARN) -> dict[str, Any]:
        event = {"type": "TOKEN", "authorizationToken": header, "methodArn": method_arn}
        return authorizer.handler(event, lambda_context)

    return call


def allowed(answer: dict[str, Any]) -> list[str]:
    statement = answer["policyDocument"]["Statement"][0]
    return statement["Resource"] if statement["Effect"] == "Allow" else []


def test_valid_rs256_token_gets_only_its_scopes_methods(authorize) -> None:
    answer = authorize(f"Bearer {token()}")
    assert answer["principalId"] == "agent-7"
    resources = allowed(answer)
    prefix = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/v1/"
    assert f"{prefix}GET/v1/queues" in resources and f"{prefix}GET/v1/contacts/*" in resources
    assert all(r.startswith(f"{prefix}GET/") for r in resources), "read scope must not allow writes"
    assert not any("command-center" in r for r in resources)
    assert answer["context"] == {"sub": "agent-7", "scope": "contact-center/read", "email": "agent7@example.com"}


def test_es256_token_with_write_and_supervisor_scopes(authorize) -> None:
    answer = authorize(
        f"Bearer {token(EC_KEY, 'ES256', 'ec-1', scope='contact-center/write contact-center/supervisor')}"
    )
    resources = allowed(answer)
    assert any("/POST/v1/callbacks" in r for r in resources)
    assert any("/GET/v1/command-center/metrics" in r for r in resources)
    assert not any(r[-len("/GET/v1/queues") :] == "/GET/v1/queues" for r in resources)


def test_valid_token_without_known_scope_is_denied(authorize) -> None:
    answer = authorize(f"Bearer {token(scope='openid profile')}")
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def _alg_none_token() -> str:
    return jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60}, None,
                      algorithm="none", headers={"kid": "rsa-1"})  # fmt: skip


def _confused_token() -> str:
    """HS256 signed with the RSA public key's PEM as the HMAC secret: the classic algorithm confusion."""
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60, "scope": "contact-center/write"}
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (lambda: f"Bearer {token(OTHER_RSA_KEY)}", "forged signature"),
        (lambda: f"Bearer {token(exp=int(time.time()) - 3600)}", "expired"),
        (lambda: f"Bearer {token(nbf=int(time.time()) + 3600)}", "not yet valid"),
        (lambda: f"Bearer {token(iss='https://evil.example.com/')}", "wrong issuer"),
        (lambda: f"Bearer {token(aud='another-api')}", "wrong audience"),
        (lambda: f"Bearer {token(sub=None)}", "no subject"),
        (lambda: f"Bearer {token(exp=None)}", "no expiry"),
        (lambda: f"Bearer {_alg_none_token()}", "alg none"),
        (lambda: f"Bearer {_confused_token()}", "algorithm confusion"),
        (lambda: f"Bearer {token(kid=None)}", "no kid"),
        (lambda: f"Bearer {token(kid='unknown')}", "unknown kid"),
        (lambda: f"Bearer {token(EC_KEY, 'ES256', 'rsa-1')}", "key of another algorithm"),
        (lambda: "Bearer not.a.jwt", "malformed"),
        (lambda: token(), "no Bearer scheme"),
        (lambda: "", "no header"),
    ],
)
def test_bad_tokens_are_unauthorized(authorize, header, reason: str) -> None:
    import authorizer

    with pytest.raises(authorizer.Unauthorized) as raised:
        authorize(header())
    assert str(raised.value) == "Unauthorized", reason  # the message API Gateway turns into a 401


def test_symmetric_algorithms_cannot_be_configured(authorize, monkeypatch: pytest.MonkeyPatch) -> None:
    import authorizer

    monkeypatch.setenv("JWT_ALGORITHMS", "RS256,HS256")
    with pytest.raises(authorizer.MissingSetting, match="HS256"):
        authorize(f"Bearer {token()}")


class _JwksHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(JWKS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_keys_from_a_jwks_url(authorize, monkeypatch: pytest.MonkeyPatch) -> None:
    server = HTTPServer(("127.0.0.1", 0), _JwksHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("JWT_JWKS_URL", f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json")
        monkeypatch.setenv("JWT_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:unused")
        assert allowed(authorize(f"Bearer {token(EC_KEY, 'ES256', 'ec-1')}"))
        import authorizer

        with pytest.raises(authorizer.Unauthorized):
            authorize(f"Bearer {token(OTHER_RSA_KEY)}")
    finally:
        server.shutdown()


def test_a_new_route_is_callable_by_its_scope_without_touching_the_authorizer(
    authorize, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grants come from the route table (as the integration layer passes them): a route added to
    a copy of it is allowed to its scope, and to no other, with the authorizer's code unchanged."""
    from fnmatch import fnmatchcase

    import authorizer

    from modules.naming import Function
    from modules.routes import ROUTES, Route, Scope, scope_grants

    reports = Route("GET", "/v1/reports/{reportId}", Function.CORE_API, Scope.SUPERVISOR)
    monkeypatch.setenv("SCOPE_GRANTS", json.dumps(scope_grants((*ROUTES, reports))))
    authorizer.scope_grants.cache_clear()
    method = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/v1/GET/v1/reports/r-1"
    try:
        supervisor = allowed(authorize(f"Bearer {token(scope='contact-center/supervisor')}", method))
        reader = allowed(authorize(f"Bearer {token(scope='contact-center/read')}", method))
    finally:
        authorizer.scope_grants.cache_clear()
    assert any(fnmatchcase(method, resource) for resource in supervisor)
    assert not any(fnmatchcase(method, resource) for resource in reader)
