"""The core REST API behind API Gateway (Lambda proxy): queues, queue experience, contacts,
agents and callbacks.

Queues, contacts and agents are rows in PostgreSQL; a queue's experience (what callers hear and
are offered) and callback requests are items in the queue-experience table, where the contact
flows read them. Every SQL statement takes its values as parameters; every body and parameter is
validated before it reaches a query, and a bad one is a 400 that names the field.

No ``from __future__ import annotations`` here: powertools reads the route signatures at runtime.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from cc_shared import callbacks, db, keys
from cc_shared.api import (
    MAX_PAGE_SIZE,
    ApiError,
    cursor_text,
    cursor_timestamp,
    decode_cursor,
    encode_cursor,
    json_response,
    preflight,
    resolver,
)
from cc_shared.aws import client
from cc_shared.experience_store import stored_experience
from cc_shared.models import NewCallback, NewQueue, QueueExperience
from cc_shared.settings import required
from psycopg import errors

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = resolver()

PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


def _table() -> str:
    return required("TABLE_NAME")


def _require_queue(queue_id: str) -> dict[str, Any]:
    row = db.connection().execute("SELECT * FROM queues WHERE queue_id = %s", (queue_id,)).fetchone()
    if row is None:
        raise ApiError(404, f"queue {queue_id!r} does not exist")
    return row


def _page(rows: list[dict[str, Any]], limit: int, cursor_fields: tuple[str, ...]) -> dict[str, Any]:
    items, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor({field: items[-1][field] for field in cursor_fields}) if more else None
    return {"items": items, "next_cursor": next_cursor}


@app.get("/queues")
@tracer.capture_method
def list_queues(limit: PageSize = 25, cursor: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    after = decode_cursor(cursor, {"queue_id": cursor_text})
    rows = (
        db.connection()
        .execute(
            "SELECT * FROM queues WHERE %(after)s::text IS NULL OR queue_id > %(after)s ORDER BY queue_id LIMIT %(n)s",
            {"after": after["queue_id"] if after else None, "n": limit + 1},
        )
        .fetchall()
    )
    return _page(rows, limit, ("queue_id",))


@app.post("/queues")
@tracer.capture_method
def create_queue(
    queue: Annotated[NewQueue, Body()],
):  # no return annotation: powertools would validate a Response against a schema
    try:
        with db.connection().transaction():
            row = (
                db.connection()
                .execute(
                    "INSERT INTO queues (queue_id, name, description, connect_queue_arn)"
                    " VALUES (%s, %s, %s, %s) RETURNING *",
                    (queue.queue_id, queue.name, queue.description, queue.connect_queue_arn),
                )
                .fetchone()
            )
    except errors.UniqueViolation as error:
        raise ApiError(409, f"a queue with this {_conflicting_field(error)} already exists") from None
    metrics.add_metric(name="QueuesCreated", unit="Count", value=1)
    return json_response(201, row)


def _conflicting_field(error: errors.UniqueViolation) -> str:
    constraint = error.diag.constraint_name or ""
    return {"queues_pkey": "queue_id", "queues_name_key": "name"}.get(constraint, "connect_queue_arn")


@app.get("/queues/<queue_id>")
@tracer.capture_method
def get_queue(queue_id: str) -> dict[str, Any]:
    return _require_queue(queue_id)


@app.get("/queues/<queue_id>/experience")
@tracer.capture_method
def get_queue_experience(queue_id: str) -> dict[str, Any]:
    _require_queue(queue_id)
    stored = stored_experience(_table(), queue_id, consistent=True)
    experience = stored or QueueExperience()
    return {"queue_id": queue_id, "configured": stored is not None, "experience": experience.model_dump(mode="json")}


@app.put("/queues/<queue_id>/experience")
@tracer.capture_method
def put_queue_experience(queue_id: str, experience: Annotated[QueueExperience, Body()]) -> dict[str, Any]:
    _require_queue(queue_id)
    client("dynamodb").put_item(
        TableName=_table(),
        Item={
            "pk": {"S": keys.queue_pk(queue_id)},
            "sk": {"S": keys.CONFIG_SK},
            "experience": {"S": experience.model_dump_json()},
            "updated_at": {"S": datetime.now(UTC).isoformat()},
        },
    )
    return {"queue_id": queue_id, "configured": True, "experience": experience.model_dump(mode="json")}


@app.get("/contacts")
@tracer.capture_method
def list_contacts(
    queue_id: Annotated[str, Query(alias="queueId", pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")],
    limit: PageSize = 25,
    cursor: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    queue = _require_queue(queue_id)
    after = decode_cursor(cursor, {"initiated_at": cursor_timestamp, "contact_id": cursor_text})
    rows = (
        db.connection()
        .execute(
            "SELECT * FROM contacts WHERE queue_arn = %(queue_arn)s"
            " AND (%(at)s::timestamptz IS NULL OR (initiated_at, contact_id) < (%(at)s::timestamptz, %(id)s))"
            " ORDER BY initiated_at DESC, contact_id DESC LIMIT %(n)s",
            {
                "queue_arn": queue["connect_queue_arn"],
                "at": after["initiated_at"] if after else None,
                "id": after["contact_id"] if after else None,
                "n": limit + 1,
            },
        )
        .fetchall()
    )
    return _page(rows, limit, ("initiated_at", "contact_id"))


@app.get("/contacts/<contact_id>")
@tracer.capture_method
def get_contact(contact_id: str) -> dict[str, Any]:
    contact = db.connection().execute("SELECT * FROM contacts WHERE contact_id = %s", (contact_id,)).fetchone()
    if contact is None:
        raise ApiError(404, f"contact {contact_id!r} does not exist")
    history = client("dynamodb").query(
        TableName=_table(),
        IndexName="by-contact",
        KeyConditionExpression="gsi1pk = :contact",
        ExpressionAttributeValues={":contact": {"S": keys.contact_gsi(contact_id)}},
        Limit=MAX_PAGE_SIZE,
    )
    return {**contact, "events": [_plain(item) for item in history.get("Items", [])]}


@app.get("/agents")
@tracer.capture_method
def list_agents(limit: PageSize = 25, cursor: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    after = decode_cursor(cursor, {"agent_id": cursor_text})
    rows = (
        db.connection()
        .execute(
            "SELECT * FROM agents WHERE %(after)s::text IS NULL OR agent_id > %(after)s ORDER BY agent_id LIMIT %(n)s",
            {"after": after["agent_id"] if after else None, "n": limit + 1},
        )
        .fetchall()
    )
    return _page(rows, limit, ("agent_id",))


@app.post("/callbacks")
@tracer.capture_method
def request_callback(
    callback: Annotated[NewCallback, Body()],
):  # no return annotation: powertools would validate a Response against a schema
    _require_queue(callback.queue_id)
    now = datetime.now(UTC)
    due = callback.due_at or now
    if due.tzinfo is None:
        raise ApiError(400, "due_at must carry a time zone, e.g. 2026-01-31T09:00:00Z")
    retention = timedelta(days=callbacks.RETENTION_DAYS)
    try:
        due = due.astimezone(UTC)
    except OverflowError:
        raise ApiError(400, "due_at is outside the calendar once converted to UTC") from None
    if due > now + retention:
        raise ApiError(400, f"due_at is more than {retention.days} days away; a callback is kept {retention.days} days")
    contact = callback.contact_id or f"api-{now.strftime('%Y%m%d%H%M%S%f')}"
    item = callbacks.new_item(callback.queue_id, callback.phone_number, contact, now, due, "PENDING")
    if not callbacks.store(_table(), item):
        raise ApiError(409, f"a callback for contact {contact!r} was already requested at this instant")
    metrics.add_metric(name="CallbacksRequested", unit="Count", value=1)
    body = {name: value for name, value in item.items() if not name.startswith("gsi")}
    return json_response(201, {**body, "due_at": item["gsi2sk"]})


@app.get("/callbacks")
@tracer.capture_method
def due_callbacks(limit: PageSize = 25, status: Annotated[callbacks.Status, Query()] = "PENDING") -> dict[str, Any]:
    """Callbacks in ``status`` that are due now, oldest first: ``PENDING`` (the default) are the ones
    someone has to dial; ``QUEUED`` wait in a Connect queue; ``COMPLETED`` were taken by an agent."""
    answer = client("dynamodb").query(
        TableName=_table(),
        IndexName="by-status",
        KeyConditionExpression="gsi2pk = :status AND gsi2sk <= :now",
        ExpressionAttributeValues={
            ":status": {"S": keys.callback_status_gsi(status)},
            ":now": {"S": datetime.now(UTC).isoformat()},
        },
        Limit=limit,
    )
    return {"items": [_plain(item) for item in answer.get("Items", [])]}


def _plain(item: dict[str, dict[str, str]]) -> dict[str, str]:
    """A DynamoDB item (string and number attributes) as plain JSON, without the index keys."""
    return {name: next(iter(value.values())) for name, value in item.items() if not name.startswith("gsi")}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    refused = preflight(event)
    if refused is not None:
        logger.info("request refused before routing", extra={"status": refused["statusCode"], "body": refused["body"]})
        return refused
    return app.resolve(event, context)
