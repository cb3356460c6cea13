"""Simulated contacts through the flows as an env renders them, with the real queue_experience
handler answering the flow (in process, against moto's DynamoDB and Kinesis) where Connect would
invoke it. Each journey asserts the path the contact took and what the caller heard."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from envs import EnvConfig
from modules.connect_flows.simulator import (
    Caller,
    Flow,
    InvokeError,
    Journey,
    MediaStreamer,
    Simulator,
    stand_in_stream,
)
from modules.connect_flows.templates import load_templates, render, stand_ins
from modules.naming import Function

STREAM = "cc-test-queue-experience"
# A Wednesday, 15:00 UTC = 10:00 in New York: open. 03:00 UTC = 22:00 the day before: closed.
OPEN = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
CLOSED = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
# Connect gives a function 8 s; the timeout test's simulated clock runs 100 times faster.
TIME_SCALE = 0.01


def store_experience(aws: Any, table: str, queue: str, **experience: Any) -> None:
    item = {"pk": {"S": f"QUEUE#{queue}"}, "sk": {"S": "CONFIG"}, "experience": {"S": json.dumps(experience)}}
    aws.client("dynamodb").put_item(TableName=table, Item=item)


class Contact:
    """The prod flows, the real function behind them, and a way to call."""

    def __init__(self, config: EnvConfig, lambda_context: Any) -> None:
        import queue_experience

        templates = load_templates()
        self.references = stand_ins(config, templates, [f.value for f in Function])
        self.flows: dict[str, Flow] = {}
        for template in templates:
            flow = Flow(template.name, template.flow_type, render(template, config, self.references))
            key = self.references.modules.get(template.name) or self.references.flows[template.name]
            self.flows[key] = flow
        self.config, self.context, self.handler = config, lambda_context, queue_experience.handler
        self.failure: Exception | None = None  # what the function raises instead of answering
        self.slowness = 0.0  # seconds the function takes on top of its work (simulated clock)
        # Real seconds per simulated second: 1 (Connect's real 8 s limit), so a loaded machine never
        # times a journey out; a test of the timeout itself runs the clock faster (TIME_SCALE).
        self.time_scale = 1.0
        self.workers: list[threading.Thread] = []  # invocations, joined before the test's settings go

    def queue(self, queue_id: str) -> str:
        return self.references.queues[queue_id]

    def invoke(self, arn: str, event: dict[str, Any], limit_seconds: int) -> dict[str, Any]:
        assert arn == self.references.functions[Function.QUEUE_EXPERIENCE.value]
        answer: dict[str, Any] = {}

        def run() -> None:
            if self.failure is not None:
                return
            time.sleep(self.slowness * self.time_scale)
            answer.update(self.handler(event, self.context))

        worker = threading.Thread(target=run, daemon=True)
        self.workers.append(worker)
        worker.start()
        worker.join(limit_seconds * self.time_scale)
        if self.failure is not None:
            raise InvokeError(f"the function failed: {self.failure}")
        if worker.is_alive():
            raise InvokeError(f"the function did not answer within {limit_seconds} s")
        return answer

    def call(
        self, caller: Caller, at_capacity: tuple[str, ...] = (), stream_media: MediaStreamer = stand_in_stream
    ) -> Journey:
        names = {arn: queue for queue, arn in self.references.queues.items()}
        connect = self.config.connect

        def open_at(queue_arn: str, when: datetime) -> bool:
            return connect.hours.open_at(when, connect.time_zone)

        simulator = Simulator(self.flows, names, open_at, self.invoke, at_capacity, stream_media)
        return simulator.run(self.references.flows["inbound"], caller)


@pytest.fixture
def contact(aws: Any, table: str, lambda_context: Any, configs: dict[str, EnvConfig], monkeypatch: pytest.MonkeyPatch):
    aws.client("kinesis").create_stream(StreamName=STREAM, ShardCount=1)
    monkeypatch.setenv("STREAM_NAME", STREAM)
    contact = Contact(configs["prod"], lambda_context)
    yield contact
    for worker in contact.workers:  # a timed-out call still finishes its work, as Lambda would
        worker.join()


def test_in_hours_the_caller_hears_the_queues_welcome_and_waits_with_its_hold_message(
    contact: Contact, aws: Any, table: str
) -> None:
    store_experience(aws, table, "support", welcome_message="Welcome to support.", hold_message="Hold on.",
                     prompt_interval_seconds=30)  # fmt: skip
    journey = contact.call(Caller(OPEN, keys=["1"], agent_answers_after_checks=2))
    assert journey.ended == "connected to an agent"
    assert journey.queue == contact.queue("support") and journey.queued
    assert journey.heard[:2] == [contact.config.connect.menu_prompt, "Welcome to support."]
    assert journey.heard.count("Hold on.") == 3  # played at the start, then after each of the 2 checks
    assert journey.attributes["holdPromptSsml"].startswith("<speak>Hold on.<break")
    assert journey.heard[-1] == "Call from the support queue."  # the agent's whisper
    [(_, event)] = journey.invocations
    assert event["Details"]["Parameters"] == {"queueId": "support", "checkSeconds": "60"}
    inbound = journey.visited("inbound")
    assert inbound[:4] == ["enable-logging", "recording", "menu", "route-support"] and "check-hours" in inbound
    assert journey.recording["RecordingBehavior"]["RecordedParticipants"] == ["Agent", "Customer"]


@pytest.mark.parametrize("queue", ["support", "billing"])
def test_every_configured_queue_is_reached_by_its_key(contact: Contact, queue: str) -> None:
    [option] = [o for o in contact.config.connect.menu_options if o.queue == queue]
    journey = contact.call(Caller(OPEN, keys=[option.digit], agent_answers_after_checks=0))
    assert journey.queue == contact.queue(queue) and journey.ended == "connected to an agent"


def test_no_key_or_an_unknown_key_goes_to_the_default_queue(contact: Contact) -> None:
    for keys in ([None], ["7"]):
        journey = contact.call(Caller(OPEN, keys=keys, agent_answers_after_checks=0))
        assert journey.queue == contact.queue(contact.config.connect.default_queue), keys


def test_after_hours_the_caller_hears_so_and_may_leave_a_voicemail(contact: Contact) -> None:
    journey = contact.call(Caller(CLOSED, keys=["2", "#"]))
    assert not journey.queued
    assert "after-hours" in {step.flow for step in journey.steps} and "voicemail" in {s.flow for s in journey.steps}
    assert contact.config.connect.prompts.closed in journey.heard
    assert journey.streaming == ["Enabled", "Disabled"] and journey.ended == "voicemail recorded"
    assert journey.attributes["voicemail"] == "true" and journey.attributes["voicemailQueue"] == "billing"
    # Where Connect streamed the caller, for the packager (the simulator's stand-in stream here).
    assert journey.attributes["voicemailStreamArn"].startswith("arn:aws:kinesisvideo:")
    assert journey.attributes["voicemailStartFragment"].isdigit()


def test_a_full_queue_offers_a_voicemail_instead(contact: Contact) -> None:
    journey = contact.call(Caller(OPEN, keys=["1", "#"]), at_capacity=(contact.queue("support"),))
    assert not journey.queued and contact.config.connect.prompts.at_capacity in journey.heard
    assert journey.ended == "voicemail recorded"


def test_a_queue_without_voicemail_says_sorry_when_full(contact: Contact, aws: Any, table: str) -> None:
    store_experience(aws, table, "support", voicemail_enabled=False)
    journey = contact.call(Caller(OPEN, keys=["1"]), at_capacity=(contact.queue("support"),))
    assert journey.ended == "disconnected" and journey.streaming == []


@pytest.mark.parametrize("trouble", ["error", "timeout"])
def test_when_the_function_fails_the_flow_uses_safe_defaults(contact: Contact, trouble: str) -> None:
    if trouble == "error":
        contact.failure = RuntimeError("DynamoDB unreachable")
    else:
        contact.slowness = 9  # Connect waits 8 s at most
        contact.time_scale = TIME_SCALE  # 9 simulated seconds of sleep against an 8-second limit, 100x faster
    journey = contact.call(Caller(OPEN, keys=["2"], agent_answers_after_checks=1))
    assert "default-experience" in journey.visited("inbound") and "keep-experience" not in journey.visited("inbound")
    assert journey.heard[1] == "Thank you for calling. Your call is important to us."
    assert journey.attributes["offers"] == "none" and journey.ended == "connected to an agent"


def test_a_waiting_caller_can_ask_for_a_callback(contact: Contact, aws: Any, table: str) -> None:
    store_experience(aws, table, "support", max_queue_seconds=120, callback={"enabled": True, "max_wait_minutes": 20})
    journey = contact.call(Caller(OPEN, keys=["1", "1"]))
    assert journey.queued and journey.checks == 2  # offered at the first check at or after 120 s (every 60 s)
    assert journey.ended == "callback queued"
    [callback] = journey.callbacks
    assert callback["number"] == "+14155550100" and callback["queue"] == contact.queue("support")
    callback_settings = contact.config.connect.callback
    assert (callback["initial_delay_seconds"], callback["attempts"]) == (
        callback_settings.initial_delay_seconds,
        callback_settings.attempts,
    )
    assert "To be called back within 20 minutes, press 1." in " ".join(journey.heard)
    assert journey.attributes["callbackRequested"] == "true"


def test_a_waiting_caller_can_leave_a_voicemail_instead(contact: Contact, aws: Any, table: str) -> None:
    store_experience(aws, table, "billing", max_queue_seconds=60, voicemail_enabled=True)
    journey = contact.call(Caller(OPEN, keys=["2", "2", "#"]))
    assert journey.queued and journey.ended == "voicemail recorded"
    assert journey.streaming == ["Enabled", "Disabled"]
    assert journey.visited("customer-queue")[-1] == "goodbye"


def test_a_queue_that_offers_nothing_keeps_the_caller_waiting(contact: Contact, aws: Any, table: str) -> None:
    store_experience(aws, table, "support", max_queue_seconds=60, voicemail_enabled=False)
    journey = contact.call(Caller(OPEN, keys=["1"], agent_answers_after_checks=5))
    assert journey.ended == "connected to an agent" and journey.callbacks == [] and journey.streaming == []
    assert "offer" not in journey.visited("customer-queue")
