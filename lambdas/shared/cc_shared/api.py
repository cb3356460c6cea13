"""What the API functions share: one error shape, request validation as 400, opaque cursors, and a
preflight that answers what the routes must never see.

The contract of every route: a 2xx, or a 4xx whose JSON body names what is wrong (``error``, and
``details`` with at most ``MAX_ERROR_DETAILS`` fields), never a 5xx for anything a caller sends.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

MAX_PAGE_SIZE = 100
MAX_BODY_BYTES = 65_536  # the largest body any route takes is a few KB
MAX_JSON_DEPTH = 16  # our bodies nest three levels
MAX_CURSOR_CHARACTERS = 1024
MAX_ERROR_DETAILS = 20
MAX_FIELD_CHARACTERS = 200
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ApiError(Exception):
    """Raised by a route to answer with ``status`` and a message the caller can act on."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _json_default(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def json_response(status: int, body: Any) -> Response:
    """A JSON response for rows that hold timestamps, UUIDs and the like."""
    return Response(status, "application/json", json.dumps(body, default=_json_default))


def error_response(status: int, message: str, details: list[dict[str, Any]] | None = None) -> Response:
    body: dict[str, Any] = {"error": message}
    if details:
        body["details"] = details
    return json_response(status, body)


def resolver() -> APIGatewayRestResolver:
    """A resolver for the ``/v1`` API whose validation failures are 400s naming each bad field."""
    app = APIGatewayRestResolver(enable_validation=True, strip_prefixes=["/v1"])

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response:
        issues = error.errors()
        details = [
            {"field": ".".join(str(part) for part in issue["loc"])[:MAX_FIELD_CHARACTERS], "problem": issue["msg"]}
            for issue in issues[:MAX_ERROR_DETAILS]
        ]
        message = "the request is not valid"
        if len(issues) > MAX_ERROR_DETAILS:
            message += f" ({len(issues)} problems; the first {MAX_ERROR_DETAILS} are listed)"
        return error_response(400, message, details)

    @app.exception_handler(ApiError)
    def api_error(error: ApiError) -> Response:
        return error_response(error.status, error.message)

    return app


def encode_cursor(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, sort_keys=True, default=_json_default).encode()).decode()


CursorField = Callable[[Any], Any]


def cursor_text(value: Any) -> str:
    """An id in a cursor: text PostgreSQL can hold (no NUL, valid Unicode), at most 256 characters."""
    if not isinstance(value, str) or not 0 < len(value) <= 256 or text_problem(value):
        raise ValueError("not an id")
    return value


def cursor_timestamp(value: Any) -> datetime:
    """A timestamp in a cursor, with its time zone."""
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError("not a timestamp")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment


def decode_cursor(cursor: str | None, fields: Mapping[str, CursorField]) -> dict[str, Any] | None:
    """The position a previous page ended at, each field parsed by its type, or a 400 when the cursor
    was not one of ours: nothing from a cursor reaches SQL unchecked."""
    if not cursor:
        return None
    invalid = ApiError(400, "cursor is not valid; pass the next_cursor of a previous page")
    if len(cursor) > MAX_CURSOR_CHARACTERS:
        raise invalid
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeError, RecursionError):
        raise invalid from None
    if not isinstance(position, dict) or set(position) != set(fields):
        raise invalid
    try:
        return {name: parse(position[name]) for name, parse in fields.items()}
    except (ValueError, TypeError, OverflowError):
        raise invalid from None


def text_problem(text: str) -> str | None:
    """Why PostgreSQL (and most stores) would refuse ``text``, or None."""
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate)"
    return None


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    stack = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ApiError(400, f"the body nests deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, child in item.items():
                yield f"{where}.{key}"[:MAX_FIELD_CHARACTERS], key
                stack.append((child, f"{where}.{key}"[:MAX_FIELD_CHARACTERS], depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]", depth + 1) for index, child in enumerate(item))


def _answer(status: int, message: str) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"error": message}), "isBase64Encoded": False}  # fmt: skip


def preflight(event: Any) -> dict[str, Any] | None:
    """A proxy answer for a request no route may see, or None (``event``'s body is then plain JSON
    text): not an API Gateway REST proxy event; a body over ``MAX_BODY_BYTES``, not base64 when it says
    so, not UTF-8, not JSON, nesting too deep, or not an object where one is expected; any text (path,
    query or body) that PostgreSQL cannot hold."""
    try:
        return _preflight(event)
    except ApiError as error:
        return _answer(error.status, error.message)


def _preflight(event: Any) -> dict[str, Any] | None:
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("httpMethod"), str)
        or not isinstance(event.get("path"), str)
    ):
        raise ApiError(400, "not an API Gateway REST proxy request (httpMethod and path are required)")
    texts = [("path", event["path"])]
    for location in ("queryStringParameters", "pathParameters"):
        parameters = event.get(location) or {}
        if not isinstance(parameters, dict):
            raise ApiError(400, f"{location} must be an object")
        texts += [(f"{location}.{name}", str(value)) for name, value in parameters.items()]
    for where, text in texts:
        problem = text_problem(text)
        if problem:
            raise ApiError(400, f"{where[:MAX_FIELD_CHARACTERS]} {problem}")
    body = event.get("body")
    if body is None:
        return None
    if not isinstance(body, str):
        raise ApiError(400, "the body must be text")
    raw = body.encode("utf-8", "surrogatepass")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, "the body is marked base64 but is not valid base64") from None
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
        document = json.loads(text) if text.strip() else None
    except UnicodeDecodeError:
        raise ApiError(400, "the body is not UTF-8 text") from None
    except RecursionError:
        raise ApiError(400, f"the body nests deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as error:
        raise ApiError(400, f"the body is not valid JSON: {str(error)[:MAX_FIELD_CHARACTERS]}") from None
    if event["httpMethod"].upper() in BODY_METHODS and document is not None and not isinstance(document, dict):
        raise ApiError(400, f"the body must be a JSON object, not {type(document).__name__}")
    for where, value in _strings(document, "body"):
        problem = text_problem(value)
        if problem:
            raise ApiError(400, f"{where} {problem}")
    event["body"], event["isBase64Encoded"] = text, False
    return None
