"""Walk a simulated contact through the rendered flows, offline, and report the path it took.

The simulator runs the flow language the way the reference describes each action (the subset in
``language.py``): it keeps the contact's attributes, ``$.External`` (the last function's answer),
the stored input, the working queue and the event hooks; it takes the caller's key presses from a
script, decides in/out of hours from the queue's hours at a given time, and calls a Lambda
*invoker* where a flow invokes a function: the tests pass one that runs our real handler in
process with the event Connect sends (the emulator cannot run Lambda code). When a contact is
queued, the customer-queue flow its ``CustomerQueue`` hook names runs until an agent answers
(after a given number of the flow's checks), the caller leaves, or the flow ends the contact.

What the simulator reports (``Journey``): every block run (flow, Identifier, type, where it went),
what the caller heard, the function calls, callbacks created, media streaming, and how it ended.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from modules.connect_flows.language import FlowType

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
PATH = re.compile(r"\$\.[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*")
MAX_STEPS = 2000


class SimulationError(RuntimeError):
    """The flows cannot be run as written (a loop that never ends, an action the simulator lacks)."""


class InvokeError(RuntimeError):
    """What an invoker raises for a failed or timed-out invocation: the flow takes its error branch."""


Invoker = Callable[[str, dict[str, Any], int], Mapping[str, Any]]
# Where Connect streams a caller's audio once a flow enables media streaming: what the flow then
# reads as ``$.MediaStreams.Customer.Audio.<StreamARN|StartFragmentNumber|StartTimestamp>``.
MediaStreamer = Callable[["Caller"], Mapping[str, str]]


def stand_in_stream(caller: Caller) -> Mapping[str, str]:
    """A stream that exists nowhere, for journeys that do not read the audio."""
    return {"StreamARN": f"arn:aws:kinesisvideo:us-east-1:123456789012:stream/simulated-contact-{caller.contact_id}/1",
            "StartFragmentNumber": "91343852333181432392682062607743920146264217204",
            "StartTimestamp": str(int(caller.when.timestamp() * 1000))}  # fmt: skip


@dataclass(frozen=True)
class Step:
    flow: str
    identifier: str
    type: str
    went: str  # "next", "condition <value>", "error <ErrorType>", "end"


@dataclass
class Caller:
    """Who calls, when, and what they do: ``keys`` are answered in order to each input prompt
    (``None``: no key before the time limit; ``"#"``: ends a recording)."""

    when: datetime
    keys: Sequence[str | None] = ()
    number: str = "+14155550100"
    dialled: str = "+18005550199"
    channel: str = "VOICE"
    contact_id: str = "c-simulated"
    # The customer-queue flow's checks that pass before an agent answers (None: nobody answers).
    agent_answers_after_checks: int | None = None


@dataclass
class Journey:
    """What happened to one contact."""

    steps: list[Step] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    invocations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    streaming: list[str] = field(default_factory=list)  # "Enabled"/"Disabled", in order
    recording: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    queue: str | None = None  # the working queue's ARN
    queued: bool = False
    checks: int = 0  # the customer-queue flow's checks while queued
    ended: str = ""  # "disconnected", "connected to an agent", "callback queued", ...

    def visited(self, flow: str | None = None) -> list[str]:
        return [step.identifier for step in self.steps if flow is None or step.flow == flow]


@dataclass(frozen=True)
class Flow:
    name: str
    flow_type: FlowType
    content: Mapping[str, Any]

    def action(self, identifier: str) -> Mapping[str, Any]:
        for action in self.content["Actions"]:
            if action["Identifier"] == identifier:
                return action
        raise SimulationError(f"{self.name}: no action {identifier!r}")


@dataclass
class _State:
    caller: Caller
    journey: Journey
    keys: list[str | None]
    external: dict[str, str] = field(default_factory=dict)
    stored_input: str | None = None
    media: Mapping[str, str] = field(default_factory=dict)  # the caller's audio stream, once started
    hooks: dict[str, str] = field(default_factory=dict)
    loops: dict[tuple[str, str], int] = field(default_factory=dict)


class _Ended(Exception):
    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


class _Returned(Exception):
    """EndFlowModuleExecution / EndFlowExecution: back to whoever ran this flow."""


class Simulator:
    """``flows`` by ARN (or id) as a flow references them; ``queue_names`` ARN -> name;
    ``open_at(queue_arn, when)`` decides CheckHoursOfOperation; ``at_capacity`` lists full queues."""

    def __init__(
        self,
        flows: Mapping[str, Flow],
        queue_names: Mapping[str, str],
        open_at: Callable[[str, datetime], bool],
        invoke: Invoker,
        at_capacity: Sequence[str] = (),
        stream_media: MediaStreamer = stand_in_stream,
    ) -> None:
        self.flows, self.queue_names, self.open_at, self.invoke = flows, queue_names, open_at, invoke
        self.at_capacity = set(at_capacity)
        self.stream_media = stream_media

    def run(self, entry: str, caller: Caller) -> Journey:
        """Run the contact from the flow ``entry`` (ARN or id) until it ends."""
        state = _State(caller, Journey(), list(caller.keys))
        try:
            self._run_flow(self.flows[entry], state)
            state.journey.ended = state.journey.ended or "flow ended"
        except _Ended as ended:
            state.journey.ended = ended.how
        except _Returned:
            state.journey.ended = "flow ended"
        state.journey.attributes = dict(state.journey.attributes)
        return state.journey

    # -- running flows -------------------------------------------------------------------------

    def _run_flow(self, flow: Flow, state: _State) -> None:
        current: str | None = str(flow.content["StartAction"])
        while current is not None:
            if len(state.journey.steps) > MAX_STEPS:
                raise SimulationError(f"{flow.name}: more than {MAX_STEPS} blocks run; the contact never ends")
            action = flow.action(current)
            current = self._step(flow, action, state)

    def _go(self, flow: Flow, action: Mapping[str, Any], state: _State, went: str) -> str | None:
        state.journey.steps.append(Step(flow.name, action["Identifier"], action["Type"], went))
        transitions = action.get("Transitions") or {}
        if went == "next":
            return transitions.get("NextAction")
        kind, _, value = went.partition(" ")
        if kind == "error":
            for error in transitions.get("Errors") or []:
                if error["ErrorType"] == value:
                    return str(error["NextAction"])
            for error in transitions.get("Errors") or []:
                if error["ErrorType"] == "NoMatchingError":
                    return str(error["NextAction"])
            raise SimulationError(f"{flow.name}: {action['Identifier']} has no branch for error {value}")
        return value  # "goto <Identifier>" (a condition's target)

    def _branch(self, flow: Flow, action: Mapping[str, Any], state: _State, result: str) -> str | None:
        for condition in (action.get("Transitions") or {}).get("Conditions") or []:
            if _holds(condition["Condition"], result):
                state.journey.steps.append(Step(flow.name, action["Identifier"], action["Type"], f"condition {result}"))
                return str(condition["NextAction"])
        return self._go(flow, action, state, "error NoMatchingCondition")

    def _step(self, flow: Flow, action: Mapping[str, Any], state: _State) -> str | None:
        kind = action["Type"]
        parameters = action.get("Parameters") or {}
        handler = getattr(self, f"_do_{kind}", None)
        if handler is None:
            raise SimulationError(f"{flow.name}: the simulator cannot run {kind} ({action['Identifier']})")
        return handler(flow, action, parameters, state)

    # -- values -----------------------------------------------------------------------------------

    def _lookup(self, path: str, state: _State) -> str | None:
        parts = path.removeprefix("$.").split(".")
        head, rest = parts[0], parts[1:]
        journey = state.journey
        if head == "Attributes" and rest:
            return journey.attributes.get(rest[0])
        if head == "External" and rest:
            return state.external.get(rest[0])
        if head == "StoredCustomerInput":
            return state.stored_input
        if head == "CustomerEndpoint":
            return state.caller.number
        if head == "SystemEndpoint":
            return state.caller.dialled
        if head == "Channel":
            return state.caller.channel
        if head in {"ContactId", "InitialContactId"}:
            return state.caller.contact_id
        if head == "MediaStreams" and rest[:2] == ["Customer", "Audio"] and len(rest) == 3:
            return state.media.get(rest[2])
        if head == "Queue" and rest:
            return {"ARN": journey.queue, "Name": self.queue_names.get(journey.queue or "")}.get(rest[0])
        raise SimulationError(f"the simulator does not know {path}")

    def _value(self, value: Any, state: _State) -> Any:
        """A parameter with its JSONPaths resolved (a single path, or paths inside text)."""
        if isinstance(value, str):
            if PATH.fullmatch(value):
                return self._lookup(value, state) or ""
            return PATH.sub(lambda m: self._lookup(m.group(0), state) or "", value)
        if isinstance(value, dict):
            return {key: self._value(item, state) for key, item in value.items()}
        if isinstance(value, list):
            return [self._value(item, state) for item in value]
        return value

    def _say(self, parameters: Mapping[str, Any], state: _State) -> None:
        for key in ("Text", "SSML"):
            if key in parameters:
                text = str(self._value(parameters[key], state))
                state.journey.heard.append(re.sub(r"<[^>]+>", "", text).strip() if key == "SSML" else text)

    # -- actions ----------------------------------------------------------------------------------

    def _do_UpdateFlowLoggingBehavior(self, flow, action, parameters, state):
        return self._go(flow, action, state, "next")

    def _do_UpdateContactRecordingBehavior(self, flow, action, parameters, state):
        state.journey.recording = json.loads(json.dumps(parameters))
        return self._go(flow, action, state, "next")

    def _do_UpdateContactAttributes(self, flow, action, parameters, state):
        state.journey.attributes.update({k: str(v) for k, v in self._value(parameters["Attributes"], state).items()})
        return self._go(flow, action, state, "next")

    def _do_UpdateContactTargetQueue(self, flow, action, parameters, state):
        queue = self._value(parameters.get("QueueId"), state)
        if queue not in self.queue_names:
            return self._go(flow, action, state, "error NoMatchingError")
        state.journey.queue = queue
        return self._go(flow, action, state, "next")

    def _do_CheckHoursOfOperation(self, flow, action, parameters, state):
        queue = state.journey.queue
        if queue is None:
            return self._go(flow, action, state, "error NoMatchingError")
        return self._branch(flow, action, state, str(self.open_at(queue, state.caller.when)))

    def _do_InvokeLambdaFunction(self, flow, action, parameters, state):
        arn = str(self._value(parameters["LambdaFunctionARN"], state))
        attributes = self._value(parameters.get("LambdaInvocationAttributes") or {}, state)
        event = self._connect_event(attributes, state)
        state.journey.invocations.append((arn, event))
        try:
            answer = dict(self.invoke(arn, event, int(parameters["InvocationTimeLimitSeconds"])))
        except InvokeError:
            return self._go(flow, action, state, "error NoMatchingError")
        if (parameters.get("ResponseValidation") or {}).get("ResponseType", "STRING_MAP") == "STRING_MAP" and any(
            not isinstance(value, str) for value in answer.values()
        ):
            return self._go(flow, action, state, "error NoMatchingError")  # not a flat map of strings
        state.external = {key: str(value) for key, value in answer.items()}
        return self._go(flow, action, state, "next")

    def _connect_event(self, parameters: Mapping[str, str], state: _State) -> dict[str, Any]:
        """The event Connect sends an "Invoke AWS Lambda function" block (Details.ContactData + Parameters)."""
        journey, caller = state.journey, state.caller
        queue = {"ARN": journey.queue, "Name": self.queue_names.get(journey.queue or "")} if journey.queue else None
        return {
            "Name": "ContactFlowEvent",
            "Details": {
                "ContactData": {
                    "Attributes": dict(journey.attributes),
                    "Channel": caller.channel,
                    "ContactId": caller.contact_id,
                    "CustomerEndpoint": {"Address": caller.number, "Type": "TELEPHONE_NUMBER"},
                    "InitialContactId": caller.contact_id,
                    "InitiationMethod": "INBOUND",
                    "PreviousContactId": caller.contact_id,
                    "Queue": queue,
                    "SystemEndpoint": {"Address": caller.dialled, "Type": "TELEPHONE_NUMBER"},
                },
                "Parameters": dict(parameters),
            },
        }

    def _do_MessageParticipant(self, flow, action, parameters, state):
        self._say(parameters, state)
        return self._go(flow, action, state, "next")

    def _do_GetParticipantInput(self, flow, action, parameters, state):
        self._say(parameters, state)
        key = state.keys.pop(0) if state.keys else None
        if parameters.get("StoreInput") == "True":
            state.stored_input = key
            return self._go(flow, action, state, "next" if key is not None else "error NoMatchingError")
        if key is None:
            return self._go(flow, action, state, "error InputTimeLimitExceeded")
        return self._branch(flow, action, state, key)

    def _do_Compare(self, flow, action, parameters, state):
        return self._branch(flow, action, state, str(self._value(parameters["ComparisonValue"], state)))

    def _do_Loop(self, flow, action, parameters, state):
        count = int(self._value(parameters["LoopCount"], state) or 0)
        key = (flow.name, action["Identifier"])
        done = state.loops.get(key, 0)
        if done < count:
            state.loops[key] = done + 1
            return self._branch(flow, action, state, "ContinueLooping")
        state.loops[key] = 0
        return self._branch(flow, action, state, "DoneLooping")

    def _do_UpdateContactEventHooks(self, flow, action, parameters, state):
        [(hook, target)] = self._value(parameters["EventHooks"], state).items()
        if target not in self.flows:
            return self._go(flow, action, state, "error NoMatchingError")
        state.hooks[hook] = target
        return self._go(flow, action, state, "next")

    def _do_InvokeFlowModule(self, flow, action, parameters, state):
        module = self.flows.get(str(self._value(parameters["FlowModuleId"], state)))
        if module is None:
            return self._go(flow, action, state, "error NoMatchingError")
        state.journey.steps.append(Step(flow.name, action["Identifier"], action["Type"], f"module {module.name}"))
        with contextlib.suppress(_Returned):
            self._run_flow(module, state)
        return (action.get("Transitions") or {}).get("NextAction")

    def _do_EndFlowModuleExecution(self, flow, action, parameters, state):
        self._go(flow, action, state, "end")
        raise _Returned

    def _do_EndFlowExecution(self, flow, action, parameters, state):
        self._go(flow, action, state, "end")
        raise _Returned

    def _do_DisconnectParticipant(self, flow, action, parameters, state):
        self._go(flow, action, state, "end")
        raise _Ended(state.journey.ended or "disconnected")

    def _do_TransferContactToQueue(self, flow, action, parameters, state):
        queue = state.journey.queue
        if queue is None:
            return self._go(flow, action, state, "error NoMatchingError")
        if queue in self.at_capacity:
            return self._go(flow, action, state, "error QueueAtCapacity")
        state.journey.steps.append(Step(flow.name, action["Identifier"], action["Type"], "queued"))
        state.journey.queued = True
        self._wait_in_queue(state)
        raise _Ended(state.journey.ended)

    def _wait_in_queue(self, state: _State) -> None:
        """The customer-queue flow, run again each time it ends, until an agent answers or it disconnects."""
        queue_flow = self.flows.get(state.hooks.get("CustomerQueue", ""))
        while True:
            if queue_flow is None:
                raise SimulationError("the contact waits in a queue with no customer-queue flow set")
            try:
                self._run_flow(queue_flow, state)
            except _Returned:
                continue  # EndFlowExecution: back to the queue, the flow starts again

    def _do_MessageParticipantIteratively(self, flow, action, parameters, state):
        for message in parameters.get("Messages") or []:
            self._say(message, state)
        answers = state.caller.agent_answers_after_checks
        if answers is not None and state.journey.checks >= answers:
            state.journey.steps.append(Step(flow.name, action["Identifier"], action["Type"], "agent answered"))
            self._whisper(state)
            raise _Ended("connected to an agent")
        state.journey.checks += 1
        return self._branch(flow, action, state, "MessagesInterrupted")

    def _whisper(self, state: _State) -> None:
        whisper = self.flows.get(state.hooks.get("AgentWhisper", ""))
        if whisper is not None:
            with contextlib.suppress(_Returned):
                self._run_flow(whisper, state)

    def _do_UpdateContactCallbackNumber(self, flow, action, parameters, state):
        number = str(self._value(parameters["CallbackNumber"], state))
        if not E164.fullmatch(number):
            return self._go(flow, action, state, "error InvalidCallbackNumber")
        state.journey.attributes["$callbackNumber"] = number
        return self._go(flow, action, state, "next")

    def _do_CreateCallbackContact(self, flow, action, parameters, state):
        journey = state.journey
        journey.callbacks.append({
            "queue": self._value(parameters.get("QueueId"), state) or journey.queue,
            "number": journey.attributes.get("$callbackNumber", state.caller.number),
            "initial_delay_seconds": int(parameters["InitialCallDelaySeconds"]),
            "attempts": int(parameters["MaximumConnectionAttempts"]),
            "retry_delay_seconds": int(parameters["RetryDelaySeconds"]),
        })  # fmt: skip
        journey.ended = "callback queued"
        return self._go(flow, action, state, "next")

    def _do_UpdateContactMediaStreamingBehavior(self, flow, action, parameters, state):
        state.journey.streaming.append(str(parameters["MediaStreamingState"]))
        if parameters["MediaStreamingState"] == "Enabled" and not state.media:
            state.media = dict(self.stream_media(state.caller))
        if parameters["MediaStreamingState"] == "Disabled" and state.journey.attributes.get("voicemail") == "true":
            state.journey.ended = "voicemail recorded"
        return self._go(flow, action, state, "next")


def _holds(condition: Mapping[str, Any], result: str) -> bool:
    operator, [operand] = condition["Operator"], condition["Operands"]
    if operator == "Equals":
        return result == operand
    if operator == "TextStartsWith":
        return result.startswith(operand)
    if operator == "TextEndsWith":
        return result.endswith(operand)
    if operator == "TextContains":
        return operand in result
    try:
        left, right = float(result), float(operand)
    except ValueError:
        return False  # "false if either is not numeric"
    return {
        "NumberGreaterThan": left > right,
        "NumberGreaterOrEqualTo": left >= right,
        "NumberLessThan": left < right,
        "NumberLessOrEqualTo": left <= right,
    }[operator]
