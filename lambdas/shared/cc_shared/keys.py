"""The queue-experience table's keys, in one place (design: modules/dynamodb.py's docstring)."""

from __future__ import annotations

CONFIG_SK = "CONFIG"


def queue_pk(queue_id: str) -> str:
    return f"QUEUE#{queue_id}"


def event_sk(timestamp: str, contact_id: str) -> str:
    return f"EVENT#{timestamp}#{contact_id}"


def callback_sk(timestamp: str, contact_id: str) -> str:
    return f"CALLBACK#{timestamp}#{contact_id}"


def contact_gsi(contact_id: str) -> str:
    return f"CONTACT#{contact_id}"


def callback_status_gsi(status: str) -> str:
    return f"CALLBACK#{status}"
