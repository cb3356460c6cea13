"""API Gateway TOKEN authorizer: verifies the caller's JWT and returns a least-privilege policy.

Verification rules, and why:
- Only asymmetric algorithms (RS256/ES256 by default; ``JWT_ALGORITHMS`` narrows them). Public
  keys are public, so accepting HS256 would let anyone who has one sign tokens (algorithm
  confusion); ``none`` is never accepted.
- The key is chosen by the token's ``kid`` from the JWKS in Secrets Manager (``JWT_SECRET_ARN``)
  or at ``JWT_JWKS_URL``; the key's algorithm (its ``alg``, or the one its type implies) must be
  the token's.
- ``exp``, ``iss``, ``aud`` and ``sub`` are required; ``nbf`` and ``iat`` are checked when present,
  with 30 s of clock leeway.
- The policy lists only the routes the token's scopes allow, on this API and stage. What each scope
  allows comes from the API's route table (``SCOPE_GRANTS``, generated from modules/routes.py by
  the integration layer), so a new route needs no edit here. API Gateway caches the answer per
  token, so the policy covers every allowed route, not just this request's.

- Exactly what an identity provider issues, nothing else: a header of ``alg``, ``kid`` and an
  optional ``typ`` (JWT or at+jwt), each a string; no ``crit`` (we understand no extension), no key
  or key URL in the token (``jwk``, ``jku``, ``x5u``, ``x5c``); a non-empty string ``sub``; scopes as
  a space-separated string (``scope``) or a list of strings (``scp``). A claim of another type is
  not ignored, it makes the token invalid, so a policy only ever comes from well-typed claims.

An invalid token, or an event that is not API Gateway's TOKEN event, raises ``Unauthorized``
(API Gateway answers 401) with the reason logged; a valid token without a known scope gets an
explicit Deny (403).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jwt
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.typing import LambdaContext
from cc_shared.settings import MissingSetting, optional, required

logger = Logger()
metrics = Metrics()

ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]
LEEWAY_SECONDS = 30
HEADER_FIELDS = frozenset({"alg", "kid", "typ"})
TOKEN_TYPES = frozenset({"JWT", "at+jwt"})
MAX_TOKEN_CHARACTERS = 8192  # far above any token we issue; API Gateway's header limit is 10 KB
METHOD_ARN = re.compile(r"^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+/[^/]+/[A-Z]+/\S*$")
GRANT = re.compile(r"^(GET|POST|PUT|PATCH|DELETE)/[A-Za-z0-9*/_-]+$")  # METHOD/path, * for a path parameter
# Scope -> (HTTP methods, resource path patterns below the stage) the scope may call.


class Unauthorized(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__("Unauthorized")
        self.reason = reason


@cache
def scope_grants() -> dict[str, tuple[str, ...]]:
    """Scope -> the ``METHOD/path`` grants its token may call, as the integration layer generates
    them from the API's routes (``SCOPE_GRANTS``, modules/routes.py)."""
    raw = required("SCOPE_GRANTS")
    try:
        grants = json.loads(raw)
    except ValueError:
        raise MissingSetting("SCOPE_GRANTS must be a JSON object of scope -> list of 'METHOD/path'") from None

    def well_formed(paths: object) -> bool:
        return isinstance(paths, list) and all(isinstance(path, str) and GRANT.match(path) for path in paths)

    if not isinstance(grants, dict) or not all(well_formed(paths) for paths in grants.values()):
        raise MissingSetting("SCOPE_GRANTS must be a JSON object of scope -> list of 'METHOD/path'")
    return {str(scope): tuple(paths) for scope, paths in grants.items()}


def allowed_algorithms() -> list[str]:
    configured = [name.strip() for name in optional("JWT_ALGORITHMS", "RS256,ES256").split(",") if name.strip()]
    weak = sorted(set(configured) - ASYMMETRIC_ALGORITHMS)
    if weak or not configured:
        raise MissingSetting(f"JWT_ALGORITHMS may only list asymmetric algorithms; not allowed: {weak or 'empty'}")
    return configured


def _keys_from_secret() -> jwt.PyJWKSet:
    document = parameters.get_secret(required("JWT_SECRET_ARN"), max_age=300)
    try:
        return jwt.PyJWKSet.from_dict(json.loads(document))
    except (ValueError, jwt.PyJWKSetError) as error:
        raise MissingSetting(f"the JWT secret must hold a JWKS document ({{'keys': [...]}}): {error}") from None


@cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)


def signing_key(kid: str) -> jwt.PyJWK:
    url = optional("JWT_JWKS_URL")
    if url:
        try:
            return _jwks_client(url).get_signing_key(kid)
        except jwt.PyJWKClientError as error:
            raise Unauthorized(f"no key {kid!r} at the JWKS URL: {error}") from None
    for key in _keys_from_secret().keys:
        if key.key_id == kid:
            return key
    raise Unauthorized(f"no key with kid {kid!r}")


def checked_header(token: str) -> tuple[str, str]:
    """The token's algorithm and key id, from a header that is exactly what an identity provider issues."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:  # DecodeError and PyJWT's own header checks (kid, crit types)
        raise Unauthorized(f"malformed token: {error}") from None
    extra = sorted(set(header) - HEADER_FIELDS)
    if extra:
        raise Unauthorized(f"the token header has fields we do not accept: {', '.join(extra)}")
    algorithm, kid, kind = header.get("alg"), header.get("kid"), header.get("typ", "JWT")
    if not isinstance(algorithm, str) or algorithm not in allowed_algorithms():
        raise Unauthorized(f"algorithm {algorithm!r} is not accepted")
    if not isinstance(kid, str) or not kid:
        raise Unauthorized("the token names no key (kid)")
    if not isinstance(kind, str) or kind not in TOKEN_TYPES:
        raise Unauthorized(f"token type {kind!r} is not accepted")
    return algorithm, kid


def verify(token: str) -> dict[str, Any]:
    """The token's claims, or ``Unauthorized`` naming what is wrong with it."""
    algorithm, kid = checked_header(token)
    key = signing_key(kid)
    if key.algorithm_name != algorithm:  # the JWK's alg, or the one its key type implies
        raise Unauthorized(f"key {kid!r} is for {key.algorithm_name}, the token says {algorithm}")
    try:
        return jwt.decode(
            token,
            key=key.key,
            algorithms=[algorithm],
            audience=required("JWT_AUDIENCE"),
            issuer=required("JWT_ISSUER"),
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.InvalidTokenError as error:
        raise Unauthorized(f"{type(error).__name__}: {error}") from None
    except (TypeError, ValueError) as error:  # a claim of a type PyJWT does not expect (e.g. aud as a number)
        raise Unauthorized(f"malformed claims: {error}") from None


def scopes_of(claims: dict[str, Any]) -> list[str]:
    """The known scopes the token grants; ``Unauthorized`` when its scope claims are not well typed."""
    scopes: list[str] = []
    if "scope" in claims:
        if not isinstance(claims["scope"], str):
            raise Unauthorized(f"'scope' must be a space-separated string, not {type(claims['scope']).__name__}")
        scopes += claims["scope"].split()
    if "scp" in claims:
        listed = claims["scp"]
        if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
            raise Unauthorized("'scp' must be a list of strings")
        scopes += listed
    return sorted(set(scopes) & scope_grants().keys())


def principal_of(claims: dict[str, Any]) -> str:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise Unauthorized("'sub' must be a non-empty string")
    return subject


def policy(principal: str, method_arn: str, scopes: list[str], claims: dict[str, Any]) -> dict[str, Any]:
    # arn:aws:execute-api:region:account:api-id/stage/METHOD/path -> only this API and stage
    arn_prefix, _, request_path = method_arn.partition("/")
    stage = request_path.split("/", 1)[0]
    grants = scope_grants()
    resources = sorted({f"{arn_prefix}/{stage}/{grant}" for scope in scopes for grant in grants[scope]})
    statement = (
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resources}
        if resources
        else {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": f"{arn_prefix}/{stage}/*"}
    )
    context = {"sub": principal, "scope": " ".join(scopes)}
    for claim in ("email", "name", "client_id"):
        if isinstance(claims.get(claim), str):
            context[claim] = claims[claim]
    return {
        "principalId": principal,
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        "context": context,
    }


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    method_arn = event.get("methodArn") if isinstance(event, dict) else None
    try:
        header = event.get("authorizationToken") if isinstance(event, dict) else None
        if not isinstance(method_arn, str) or not METHOD_ARN.match(method_arn):
            raise Unauthorized("not an API Gateway TOKEN authorizer event (no execute-api methodArn)")
        if not isinstance(header, str) or len(header) > MAX_TOKEN_CHARACTERS:
            raise Unauthorized("the Authorization header is missing or too long")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("the Authorization header is not 'Bearer <token>'")
        claims = verify(token.strip())
        principal, scopes = principal_of(claims), scopes_of(claims)
    except Unauthorized as denied:
        logger.info("token rejected", extra={"reason": denied.reason, "method_arn": str(method_arn)[:300]})
        metrics.add_metric(name="TokensRejected", unit="Count", value=1)
        raise
    logger.info("token accepted", extra={"sub": principal, "scopes": scopes})
    return policy(principal, method_arn, scopes, claims)
