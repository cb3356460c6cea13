"""The entry of a function that consumes a Kinesis stream through an event source mapping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord


def process_stream_batch(
    function: str,
    event: Any,
    context: Any,
    record_handler: Callable[[KinesisStreamRecord], None],
    processor: BatchProcessor,
) -> dict[str, Any]:
    """Each record through ``record_handler``; the failed ones reported as batch item failures (the
    mapping bisects, retries, then sends them to the function's dead-letter queue). Another event
    shape fails at once, naming the shape ``function`` takes."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) and "kinesis" in r for r in records):
        shape = "{'Records': [{'kinesis': ...}]}"
        raise ValueError(f"{function} takes Kinesis stream events ({shape}), not this event")
    answer = process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    return dict(answer)  # {"batchItemFailures": [...]}, as the event source mapping reads it
