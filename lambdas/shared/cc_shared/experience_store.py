"""Reading a queue's experience from the queue-experience table: one read for core_api (the API),
queue_experience (the flows) and notification (who to tell about a voicemail)."""

from __future__ import annotations

from cc_shared import keys
from cc_shared.aws import client
from cc_shared.models import QueueExperience


def stored_experience(table: str, queue_id: str, *, consistent: bool = False) -> QueueExperience | None:
    """The queue's experience as last stored, or None when the queue has none (it then gets the
    defaults). ``consistent``: read after a write (the API answering its own PUT)."""
    item = client("dynamodb").get_item(
        TableName=table,
        Key={"pk": {"S": keys.queue_pk(queue_id)}, "sk": {"S": keys.CONFIG_SK}},
        ConsistentRead=consistent,
    )
    stored = item.get("Item", {}).get("experience", {}).get("S")
    return QueueExperience.model_validate_json(stored) if stored else None
