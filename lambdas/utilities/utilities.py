"""Scheduled jobs, chosen by the EventBridge rule's input ``{"job": ...}``.

- ``nightly-export``: the previous UTC day's contacts (or ``"date": "YYYY-MM-DD"``) as CSV in the
  exports bucket, ``reports/contacts/date=<day>/contacts.csv``; re-running a day overwrites it.
- ``purge-expired``: deletes contacts and voicemail rows older than ``CONTACT_RETENTION_DAYS`` /
  ``VOICEMAIL_RETENTION_DAYS`` in batches, so no delete holds locks for long. (The table's items
  expire by TTL; the recordings by the buckets' lifecycle rules.)
- ``migrate``: applies the pending SQL migrations (idempotent, see cc_shared.migrations).
- ``route-phone-numbers``: points each of the instance's claimed numbers at its contact flow
  (``{"instanceId": ..., "routes": [{"phoneNumberId": ..., "contactFlowId": ...}]}``). Terraform
  invokes it when the connect layer is applied (``aws_lambda_invocation``, create/update/delete;
  the provider has no resource for it): on delete, or for numbers dropped by an update, it
  detaches them again. Every change is idempotent, so a re-run is harmless.

An unknown job or a bad date raises an error naming it; the rule's retries and dead-letter
queue keep the event.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from cc_shared import db, migrations
from cc_shared.aws import client
from cc_shared.settings import integer, required

logger = Logger()
tracer = Tracer()
metrics = Metrics()

EXPORT_COLUMNS = (
    "contact_id", "channel", "initiation_method", "queue_name", "queue_arn", "agent_arn",
    "initiated_at", "disconnected_at", "last_update_at",
)  # fmt: skip
PURGE_BATCH = 5000


class JobError(ValueError):
    """The scheduled event asks for something this function cannot do; the message says what."""


def export_day(event: dict[str, Any]) -> dict[str, Any]:
    day = _day(event.get("date"))
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    key = f"reports/contacts/date={day.isoformat()}/contacts.csv"
    rows = 0
    with tempfile.SpooledTemporaryFile(max_size=32 * 2**20, mode="w+b") as spool:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(EXPORT_COLUMNS)
        connection = db.connection()
        with connection.transaction(), connection.cursor(name="export") as cursor:  # server-side: constant memory
            cursor.execute(
                f"SELECT {', '.join(EXPORT_COLUMNS)} FROM contacts"
                " WHERE initiated_at >= %s AND initiated_at < %s ORDER BY initiated_at, contact_id",
                (start, start + timedelta(days=1)),
            )
            for row in cursor:
                writer.writerow(_csv_value(row[column]) for column in EXPORT_COLUMNS)
                rows += 1
        text.detach()  # flushes into the spool and leaves it open for the upload
        spool.seek(0)
        client("s3").upload_fileobj(
            spool,
            required("EXPORTS_BUCKET"),
            key,
            ExtraArgs={"ContentType": "text/csv"},  # the bucket default (the storage CMK) encrypts it
        )
    metrics.add_metric(name="ContactsExported", unit="Count", value=rows)
    return {"job": "nightly-export", "date": day.isoformat(), "key": key, "rows": rows}


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _day(requested: Any) -> date:
    if requested is None:
        return datetime.now(UTC).date() - timedelta(days=1)
    try:
        return date.fromisoformat(str(requested))
    except ValueError:
        raise JobError(f"'date' must be YYYY-MM-DD, got {requested!r}") from None


def purge_expired(event: dict[str, Any]) -> dict[str, Any]:
    deleted = {
        "contacts": _purge("contacts", "contact_id", "initiated_at", integer("CONTACT_RETENTION_DAYS", 400)),
        "voicemails": _purge("voicemails", "voicemail_id", "received_at", integer("VOICEMAIL_RETENTION_DAYS", 400)),
    }
    for table, count in deleted.items():
        metrics.add_metric(name=f"{table.title()}Purged", unit="Count", value=count)
    return {"job": "purge-expired", "deleted": deleted}


def _purge(table: str, key: str, timestamp: str, days: int) -> int:
    if days < 1:
        raise JobError(f"retention for {table} must be at least one day, got {days}")
    statement = (
        f"DELETE FROM {table} WHERE {key} IN ("
        f" SELECT {key} FROM {table} WHERE {timestamp} < now() - make_interval(days => %s) LIMIT %s)"
    )
    total = 0
    while True:
        with db.connection().transaction():
            deleted = db.connection().execute(statement, (days, PURGE_BATCH)).rowcount
        total += deleted
        if deleted < PURGE_BATCH:
            return total


def migrate(event: dict[str, Any]) -> dict[str, Any]:
    return {"job": "migrate", "applied": migrations.apply(db.connection())}


def _routes(document: Any, where: str) -> tuple[str, dict[str, str]]:
    """The instance id and phone number id -> flow id of a routing document, validated."""
    if not isinstance(document, dict) or not isinstance(document.get("instanceId"), str) or not document["instanceId"]:
        raise JobError(f"{where}: 'instanceId' (a Connect instance id) is required")
    routes = document.get("routes")
    if not isinstance(routes, list):
        raise JobError(f"{where}: 'routes' must be a list of {{phoneNumberId, contactFlowId}}")
    table: dict[str, str] = {}
    for index, route in enumerate(routes):
        if not isinstance(route, dict) or not all(
            isinstance(route.get(k), str) and route[k] for k in ("phoneNumberId", "contactFlowId")
        ):
            raise JobError(f"{where}: routes[{index}] needs a phoneNumberId and a contactFlowId")
        table[route["phoneNumberId"]] = route["contactFlowId"]
    return document["instanceId"], table


def route_phone_numbers(event: dict[str, Any]) -> dict[str, Any]:
    given = event.get("tf")
    terraform: dict[str, Any] = given if isinstance(given, dict) else {}
    action = terraform.get("action", "create")
    instance, wanted = _routes(event, "route-phone-numbers")
    before: dict[str, str] = {}
    if isinstance(terraform.get("prev_input"), dict):
        _, before = _routes(terraform["prev_input"], "route-phone-numbers (previous input)")
    connect = client("connect")
    if action == "delete":
        dropped, wanted = sorted(wanted), {}
    else:
        dropped = sorted(set(before) - set(wanted))
    for number in dropped:
        try:
            connect.disassociate_phone_number_contact_flow(PhoneNumberId=number, InstanceId=instance)
        except connect.exceptions.ResourceNotFoundException:
            logger.info("number already gone", extra={"phone_number_id": number})
    for number, flow in sorted(wanted.items()):
        connect.associate_phone_number_contact_flow(PhoneNumberId=number, InstanceId=instance, ContactFlowId=flow)
    return {"job": "route-phone-numbers", "action": action, "routed": wanted, "detached": dropped}


JOBS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "nightly-export": export_day,
    "purge-expired": purge_expired,
    "migrate": migrate,
    "route-phone-numbers": route_phone_numbers,
}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job = event.get("job") if isinstance(event, dict) else None
    if not isinstance(job, str) or job not in JOBS:
        raise JobError(f"the event must name a job as text ({{'job': ...}}), one of {sorted(JOBS)}; got {job!r}")
    result = JOBS[job](event)
    logger.info("job finished", extra=result)
    return result
