"""AWS's rest-json protocol on the server side, driven by botocore's service model.

An emulated service implements operations as Python methods taking and returning plain dicts named
as in the API reference; this module turns an HTTP request into such a dict (URI labels, query
string, JSON body, checked against the operation's input shape the way AWS's front end checks it)
and the method's answer or error back into the HTTP answer the AWS SDKs decode (JSON named by the
output shape, timestamps as epoch seconds, errors with ``x-amzn-ErrorType`` and the error shape's
status). Using the model, not hand-written routes, keeps every field name and status exactly what
the provider's SDK expects.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.session
import regex
from botocore.model import OperationModel, Shape, StructureShape

JSON_CONTENT_TYPE = "application/json"


class ServiceError(Exception):
    """An error the service answers with: ``code`` is the error shape's name (e.g.
    ResourceNotFoundException); ``fields`` are its other members (e.g. ``problems``)."""

    def __init__(self, code: str, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields


@dataclass(frozen=True)
class Route:
    operation: OperationModel
    method: str
    pattern: re.Pattern[str]
    labels: tuple[str, ...]
    literal_length: int  # more literal characters = more specific, tried first


def _route(operation: OperationModel) -> Route:
    path = operation.http["requestUri"].split("?", 1)[0]
    labels: list[str] = []
    regex, literal = "", 0
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{"):
            name = piece[1:-1]
            greedy = name.endswith("+")
            labels.append(name.rstrip("+"))
            regex += "(.+)" if greedy else "([^/]+)"
        else:
            regex += re.escape(piece)
            literal += len(piece)
    return Route(operation, operation.http["method"], re.compile(f"^{regex}/?$"), tuple(labels), literal)


class Protocol:
    """Routes, parses and serializes for one service (e.g. ``Protocol("connect")``)."""

    def __init__(self, service: str) -> None:
        self.model = botocore.session.get_session().get_service_model(service)
        routes = [_route(self.model.operation_model(name)) for name in self.model.operation_names]
        self.routes = sorted(routes, key=lambda route: -route.literal_length)

    def match(self, method: str, raw_path: str) -> tuple[OperationModel, dict[str, str]]:
        path = raw_path.split("?", 1)[0]
        allowed = False
        for route in self.routes:
            found = route.pattern.match(path)
            if not found:
                continue
            if route.method != method:
                allowed = True
                continue
            return route.operation, {
                label: unquote(value) for label, value in zip(route.labels, found.groups(), strict=True)
            }
        if allowed:
            raise ServiceError("InvalidRequestException", f"{method} is not allowed on {path}")
        raise ServiceError("ResourceNotFoundException", f"no {self.model.service_name} operation serves {path}")

    def parse(self, operation: OperationModel, labels: Mapping[str, str], query: str, body: bytes) -> dict[str, Any]:
        """The operation's input as a dict, checked against its shape (required, lengths, ranges, enums)."""
        shape = operation.input_shape
        if shape is None:
            return {}
        params: dict[str, Any] = {}
        if body.strip():
            try:
                decoded = json.loads(body)
            except ValueError as error:
                raise ServiceError("InvalidRequestException", f"the request body is not JSON: {error}") from None
            if not isinstance(decoded, dict):
                raise ServiceError("InvalidRequestException", "the request body must be a JSON object")
            params.update(decoded)
        queries = parse_qs(query, keep_blank_values=True)
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "uri":
                params[name] = labels[wire]
            elif location == "querystring" and wire in queries:
                values = queries[wire]
                params[name] = values if member.type_name == "list" else _scalar(member, values[-1], name)
        problems = list(_validate(shape, params, ""))
        if problems:
            raise ServiceError("InvalidParameterException", "; ".join(problems))
        return params

    def answer(self, operation: OperationModel, result: Mapping[str, Any] | None) -> tuple[int, dict[str, str], bytes]:
        shape = operation.output_shape
        body = _serialize(shape, result or {}) if shape is not None else {}
        status = int(operation.http.get("responseCode", 200))
        return status, {"Content-Type": JSON_CONTENT_TYPE}, json.dumps(body).encode()

    def error(self, error: ServiceError) -> tuple[int, dict[str, str], bytes]:
        shape = self.model.shape_for(error.code) if error.code in self.model.shape_names else None
        status = int(shape.metadata.get("error", {}).get("httpStatusCode", 400)) if shape is not None else 400
        body = {"Message": error.message, "message": error.message, **error.fields}
        headers = {"Content-Type": JSON_CONTENT_TYPE, "x-amzn-ErrorType": error.code}
        return status, headers, json.dumps(body).encode()


def _scalar(shape: Shape, text: str, name: str) -> Any:
    if shape.type_name in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise ServiceError("InvalidParameterException", f"{name} must be a number, not {text!r}") from None
    if shape.type_name == "boolean":
        return text.lower() == "true"
    return text


def _validate(shape: Shape, value: Any, path: str) -> Iterable[str]:
    """What AWS's request validation would name: missing required members, wrong types, lengths,
    ranges and enum values (each as ``path: problem``)."""
    where = path or "request"
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            yield f"{where} must be an object"
            return
        assert isinstance(shape, StructureShape)
        for required in shape.required_members:
            if value.get(required) is None:
                yield f"{_join(path, required)} is required"
        for name, member_value in value.items():
            member = shape.members.get(name)
            if member is not None and member_value is not None:
                yield from _validate(member, member_value, _join(path, name))
    elif kind == "list":
        if not isinstance(value, list):
            yield f"{where} must be a list"
            return
        yield from _bounds(shape, len(value), where, "items")
        for index, item in enumerate(value):
            yield from _validate(shape.member, item, f"{where}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            yield f"{where} must be an object"
            return
        yield from _bounds(shape, len(value), where, "entries")
        for key, item in value.items():
            yield from _validate(shape.key, key, f"{where} key")
            yield from _validate(shape.value, item, f"{where}.{key}")
    elif kind == "string":
        if not isinstance(value, str):
            yield f"{where} must be a string"
            return
        yield from _bounds(shape, len(value), where, "characters")
        if shape.enum and value not in shape.enum:
            yield f"{where} must be one of {', '.join(shape.enum)}, not {value!r}"
        pattern = shape.metadata.get("pattern")
        if pattern and not _matches(pattern, value):
            yield f"{where} does not match {pattern}"
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            yield f"{where} must be a whole number"
            return
        yield from _bounds(shape, value, where, "")
    elif kind == "boolean" and not isinstance(value, bool):
        yield f"{where} must be true or false"


def _matches(pattern: str, value: str) -> bool:
    """Smithy patterns are searched, not anchored (ECMA semantics). Some of the model's patterns carry
    an extra level of escaping or JavaScript slashes; they are read as meant. A construct neither
    ``re`` nor ``regex`` compiles is AWS's check, not ours to guess."""
    pattern = pattern.replace("\\\\", "\\")
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        pattern = pattern[1:-1]
    try:
        return regex.search(pattern, value) is not None
    except regex.error:
        return True


def _bounds(shape: Shape, size: int, where: str, unit: str) -> Iterable[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    label = f" {unit}" if unit else ""
    if low is not None and size < low:
        yield f"{where} must have at least {low}{label}" if unit else f"{where} must be at least {low}"
    if high is not None and size > high:
        yield f"{where} must have at most {high}{label}" if unit else f"{where} must be at most {high}"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _serialize(shape: Shape, value: Any) -> Any:
    """``value`` as the SDKs decode ``shape``: members the shape does not have are a bug in the
    emulator, so they raise instead of reaching a client that would silently drop them."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        out = {}
        for name, member_value in value.items():
            if member_value is None:
                continue
            if name not in shape.members:
                raise KeyError(f"{shape.name} has no member {name}")
            member = shape.members[name]
            out[member.serialization.get("name", name)] = _serialize(member, member_value)
        return out
    if kind == "list":
        return [_serialize(shape.member, item) for item in value]
    if kind == "map":
        return {key: _serialize(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        return value.timestamp() if isinstance(value, datetime) else float(value)
    if kind == "blob":
        return base64.b64encode(value).decode() if isinstance(value, bytes) else value
    return value


Handler = Callable[[dict[str, Any]], dict[str, Any] | None]
