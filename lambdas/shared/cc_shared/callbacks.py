"""Callbacks as items of the queue-experience table: one model for every way a callback arrives.

- ``PENDING``: requested through the API (``POST /v1/callbacks``); someone dials it when due.
- ``QUEUED``: a caller chose a callback while on hold and Connect queued it (the customer-queue
  flow's ``CreateCallbackContact``); Connect dials it. post_call records it from the contact's CTR.
- ``COMPLETED``: an agent took the callback (the CTR of Connect's callback contact, whose
  ``PreviousContactId`` is the caller's contact).

Keys (modules/dynamodb.py): ``pk`` the queue, ``sk`` ``CALLBACK#<requested at>#<contact>``,
``gsi1pk`` the contact (``by-contact``), ``gsi2pk``/``gsi2sk`` the status and when it is due
(``by-status``). Items expire ``RETENTION_DAYS`` after the request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from botocore.exceptions import ClientError

from cc_shared import keys
from cc_shared.aws import client

Status = Literal["PENDING", "QUEUED", "COMPLETED"]
RETENTION_DAYS = 30


def new_item(
    queue_id: str, phone_number: str, contact_id: str, requested: datetime, due: datetime, status: Status
) -> dict[str, str]:
    """The callback as the table keeps it (plain strings; ``expires_at`` is the TTL, epoch seconds)."""
    return {
        "pk": keys.queue_pk(queue_id),
        "sk": keys.callback_sk(requested.isoformat(), contact_id),
        "gsi1pk": keys.contact_gsi(contact_id),
        "gsi1sk": requested.isoformat(),
        "gsi2pk": keys.callback_status_gsi(status),
        "gsi2sk": due.isoformat(),
        "queue_id": queue_id,
        "contact_id": contact_id,
        "phone_number": phone_number,
        "status": status,
        "expires_at": str(int((requested + timedelta(days=RETENTION_DAYS)).timestamp())),
    }


def store(table: str, item: dict[str, str]) -> bool:
    """Put the item unless one with its keys exists (a re-delivered record); whether it was new."""
    try:
        client("dynamodb").put_item(
            TableName=table,
            Item={name: {"N": value} if name == "expires_at" else {"S": value} for name, value in item.items()},
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def of_contact(table: str, contact_id: str) -> list[dict[str, Any]]:
    """The callback items requested by ``contact_id`` (the ``by-contact`` index)."""
    answer = client("dynamodb").query(
        TableName=table,
        IndexName="by-contact",
        KeyConditionExpression="gsi1pk = :contact",
        FilterExpression="begins_with(sk, :callback)",  # the contact's events share the index
        ExpressionAttributeValues={":contact": {"S": keys.contact_gsi(contact_id)}, ":callback": {"S": "CALLBACK#"}},
    )
    return list(answer.get("Items", []))


def complete(table: str, contact_id: str, agent_arn: str, at: datetime) -> int:
    """Mark the callbacks ``contact_id`` requested as taken by ``agent_arn``; how many changed.
    Idempotent: an already completed callback is left as it is."""
    changed = 0
    for item in of_contact(table, contact_id):
        if item.get("status", {}).get("S") == "COMPLETED":
            continue
        client("dynamodb").update_item(
            TableName=table,
            Key={"pk": item["pk"], "sk": item["sk"]},
            UpdateExpression="SET #status = :done, gsi2pk = :index, agent_arn = :agent, completed_at = :at",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":done": {"S": "COMPLETED"},
                ":index": {"S": keys.callback_status_gsi("COMPLETED")},
                ":agent": {"S": agent_arn},
                ":at": {"S": at.isoformat()},
            },
        )
        changed += 1
    return changed
