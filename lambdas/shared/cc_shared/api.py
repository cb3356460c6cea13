"""What the API functions share: one error shape, request validation as 400, opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

MAX_PAGE_SIZE = 100


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
        details = [
            {"field": ".".join(str(part) for part in issue["loc"]), "problem": issue["msg"]} for issue in error.errors()
        ]
        return error_response(400, "the request is not valid", details)

    @app.exception_handler(ApiError)
    def api_error(error: ApiError) -> Response:
        return error_response(error.status, error.message)

    return app


def encode_cursor(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, sort_keys=True, default=_json_default).encode()).decode()


def decode_cursor(cursor: str | None, fields: tuple[str, ...]) -> dict[str, Any] | None:
    """The position a previous page ended at, or a 400 when the cursor was not one of ours."""
    if not cursor:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ApiError(400, "cursor is not valid; pass the next_cursor of a previous page") from None
    if not isinstance(position, dict) or set(position) != set(fields):
        raise ApiError(400, "cursor is not valid; pass the next_cursor of a previous page")
    return position
