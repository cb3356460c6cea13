"""The part of Amazon Connect's flow language (Version 2019-10-30) this platform uses, as data.

One ``ActionSpec`` per action type: its parameters (required, allowed, whether a value may be a
JSONPath), the error types it may transition on (and those it must), its condition rule, and the
flow types that allow it. Written from the Flow language reference
(https://docs.aws.amazon.com/connect/latest/APIReference/flow-language-actions.html and the page of
each action, linked per entry); where the reference and the console's block pages disagree, the
reference's stricter reading is used. An action type that is not here is an error until it is
catalogued: ``modules/connect_flows/checker.py`` enforces all of it offline, in synth, in the tests
and in the emulator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

VERSION = "2019-10-30"
MAX_ACTIONS = 250  # "A single Flow may have no more than 250 Actions defined."
MAX_CONTENT_CHARACTERS = 256_000  # CreateContactFlow / CreateContactFlowModule Content
MAX_IDENTIFIER_LENGTH = 50
IDENTIFIER_FORBIDDEN = re.compile(r"[%:()\\/=$,;\[\]{}]")
IDENTIFIER_RESERVED = frozenset(
    {"__proto__", "constructor", "__defineGetter__", "__defineSetter__", "toString", "hasOwnProperty",
     "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "valueOf"}
)  # fmt: skip
OPERATORS = frozenset(
    {"Equals", "TextStartsWith", "TextEndsWith", "TextContains", "NumberGreaterThan", "NumberGreaterOrEqualTo",
     "NumberLessThan", "NumberLessOrEqualTo"}
)  # fmt: skip
# Error types every action may list besides its own (the reference's two common ones).
NO_MATCHING_ERROR = "NoMatchingError"
NO_MATCHING_CONDITION = "NoMatchingCondition"
REFERENCE = "https://docs.aws.amazon.com/connect/latest/APIReference"


class FlowType(StrEnum):
    """CreateContactFlow's ``Type`` values, plus MODULE for flow modules (which have no type)."""

    CONTACT_FLOW = "CONTACT_FLOW"
    CUSTOMER_QUEUE = "CUSTOMER_QUEUE"
    CUSTOMER_HOLD = "CUSTOMER_HOLD"
    CUSTOMER_WHISPER = "CUSTOMER_WHISPER"
    AGENT_HOLD = "AGENT_HOLD"
    AGENT_WHISPER = "AGENT_WHISPER"
    OUTBOUND_WHISPER = "OUTBOUND_WHISPER"
    AGENT_TRANSFER = "AGENT_TRANSFER"
    QUEUE_TRANSFER = "QUEUE_TRANSFER"
    MODULE = "MODULE"


ALL = frozenset(FlowType)
INBOUND_AND_TRANSFER = frozenset({FlowType.CONTACT_FLOW, FlowType.AGENT_TRANSFER, FlowType.QUEUE_TRANSFER})
WITH_QUEUE_FLOW = INBOUND_AND_TRANSFER | {FlowType.CUSTOMER_QUEUE}
WHISPERS = frozenset({FlowType.CUSTOMER_WHISPER, FlowType.AGENT_WHISPER, FlowType.OUTBOUND_WHISPER})
HOLDS = frozenset({FlowType.CUSTOMER_HOLD, FlowType.AGENT_HOLD})


def with_modules(types: frozenset[FlowType]) -> frozenset[FlowType]:
    """Modules run only from inbound flows (InvokeFlowModule), so what an inbound flow may do, a module may."""
    return types | {FlowType.MODULE} if FlowType.CONTACT_FLOW in types else types


class Value(Enum):
    """How a parameter value may be given (the reference's three phrasings)."""

    STATIC = "must be static"  # no JSONPath at all
    SINGLE_PATH = "static or a single JSONPath"  # "$.Attributes.x" as the whole value, or a constant
    DYNAMIC = "static or dynamic"  # anything, JSONPath inside text included


@dataclass(frozen=True)
class Param:
    """One parameter: whether it is required, how it may be given, and what a static value may be."""

    value: Value = Value.STATIC
    required: bool = False
    choices: tuple[str, ...] = ()  # allowed static values (empty: any)
    integer: tuple[int, int] | None = None  # inclusive range of a static integer (given as a string)
    check: Callable[[Any], str | None] | None = None  # structure of an object or list value


# (conditions, parameters) -> problems with the conditions
ConditionRule = Callable[[Sequence[Mapping[str, Any]], Mapping[str, Any]], list[str]]
# action -> further problems (rules that involve several fields)
ActionRule = Callable[[Mapping[str, Any]], list[str]]


@dataclass(frozen=True)
class ActionSpec:
    type: str
    doc: str
    flow_types: frozenset[FlowType]
    params: Mapping[str, Param] = field(default_factory=dict)
    errors: frozenset[str] = frozenset()  # error types it may list
    required_errors: frozenset[str] = frozenset()
    conditions: ConditionRule | None = None  # None: the action takes no conditions
    terminal: bool = False  # Transitions must be {}
    one_of: tuple[tuple[str, ...], ...] = ()  # at most one parameter of each group
    rules: tuple[ActionRule, ...] = ()

    @property
    def url(self) -> str:
        return f"{REFERENCE}/{self.doc}.html"


def _operands(condition: Mapping[str, Any]) -> tuple[str | None, list[Any]]:
    inner = condition.get("Condition") or {}
    return inner.get("Operator"), list(inner.get("Operands") or [])


def exactly_equals(*results: str) -> ConditionRule:
    """Exactly one ``Equals <result>`` condition per result and no other (CheckHoursOfOperation, Loop)."""

    def rule(conditions: Sequence[Mapping[str, Any]], _: Mapping[str, Any]) -> list[str]:
        seen = [(_operands(c)[0], tuple(_operands(c)[1])) for c in conditions]
        wanted = [("Equals", (result,)) for result in results]
        if sorted(seen, key=str) != sorted(wanted, key=str):
            found = ", ".join(f"{op} {'/'.join(map(str, ops))}" for op, ops in seen) or "none"
            return [f"needs exactly one Equals condition for each of {', '.join(results)} and no other (has: {found})"]
        return []

    return rule


def equals_one_of(pattern: str, description: str) -> ConditionRule:
    def rule(conditions: Sequence[Mapping[str, Any]], _: Mapping[str, Any]) -> list[str]:
        problems = []
        for condition in conditions:
            operator, operands = _operands(condition)
            if operator != "Equals" or len(operands) != 1 or not re.fullmatch(pattern, str(operands[0])):
                problems.append(f"conditions must be Equals {description} (has: {operator} {operands})")
        values = [tuple(_operands(c)[1]) for c in conditions]
        if len(values) != len(set(values)):
            problems.append("two conditions test the same value")
        return problems

    return rule


def digit_conditions(conditions: Sequence[Mapping[str, Any]], parameters: Mapping[str, Any]) -> list[str]:
    if parameters.get("StoreInput") == "True":
        return ["takes no conditions when StoreInput is True"] if conditions else []
    return equals_one_of(r"[0-9*#]", "a single static digit, * or #")(conditions, parameters)


def any_operator(conditions: Sequence[Mapping[str, Any]], _: Mapping[str, Any]) -> list[str]:
    problems = []
    for condition in conditions:
        operator, operands = _operands(condition)
        if operator not in OPERATORS:
            problems.append(f"unknown condition operator {operator!r} (known: {', '.join(sorted(OPERATORS))})")
        elif len(operands) != 1 or not isinstance(operands[0], str):
            problems.append(f"{operator} takes exactly one string operand (has: {operands})")
    return problems


def metric_conditions(conditions: Sequence[Mapping[str, Any]], parameters: Mapping[str, Any]) -> list[str]:
    if str(parameters.get("MetricType", "")).startswith("NumberOfAgents"):
        wrong = [c for c in conditions if _operands(c) != ("NumberGreaterThan", ["0"])]
        return ["NumberOfAgents* metrics only take the condition NumberGreaterThan 0"] if wrong else []
    problems = any_operator(conditions, parameters)
    if any(_operands(c)[0] not in {"Equals"} and not str(_operands(c)[0]).startswith("Number") for c in conditions):
        problems.append("queue metrics take Equals or Number* conditions")
    return problems


def _text_or_prompt(field_name: str) -> tuple[tuple[str, ...], ...]:
    return (("Text", "SSML", "PromptId", field_name),) if field_name else (("Text", "SSML", "PromptId"),)


def _message(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a non-empty list of messages"
    for item in value:
        if (
            not isinstance(item, dict)
            or len(item) != 1
            or next(iter(item)) not in {"Text", "SSML", "PromptId", "Media"}
        ):
            return "each message is an object with one of Text, SSML, PromptId or Media"
    return None


def _string_map(value: Any) -> str | None:
    if not isinstance(value, dict) or not value:
        return "must be a non-empty object of string keys and values"
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return "keys and values must be strings"
    return None


EVENT_HOOKS = ("AgentHold", "AgentWhisper", "CustomerHold", "CustomerQueue", "CustomerRemaining", "CustomerWhisper",
               "DefaultAgentUI", "DisconnectAgentUI", "PauseContact", "ResumeContact")  # fmt: skip


# What each event hook must point at (console: Set customer queue flow, Set whisper flow, Set hold flow).
HOOK_TARGETS = {
    "CustomerQueue": FlowType.CUSTOMER_QUEUE,
    "AgentWhisper": FlowType.AGENT_WHISPER,
    "CustomerWhisper": FlowType.CUSTOMER_WHISPER,
    "CustomerHold": FlowType.CUSTOMER_HOLD,
    "AgentHold": FlowType.AGENT_HOLD,
}
TRANSFER_TARGETS = frozenset({FlowType.CONTACT_FLOW, FlowType.AGENT_TRANSFER, FlowType.QUEUE_TRANSFER})


def flow_targets(action: Mapping[str, Any]) -> list[tuple[str, frozenset[FlowType]]]:
    """The flows an action points at, each with the flow types it may be (a hook's, a transfer's)."""
    raw = action.get("Parameters")
    parameters: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
    targets: list[tuple[str, frozenset[FlowType]]] = []
    if action.get("Type") == "UpdateContactEventHooks" and isinstance(parameters.get("EventHooks"), dict):
        for hook, value in parameters["EventHooks"].items():
            if hook in HOOK_TARGETS:
                targets.append((str(value), frozenset({HOOK_TARGETS[hook]})))
    if action.get("Type") == "TransferToFlow":
        targets.append((str(parameters.get("ContactFlowId", "")), TRANSFER_TARGETS))
    return targets


def _event_hooks(value: Any) -> str | None:
    if not isinstance(value, dict) or len(value) != 1:
        return "must hold exactly one event hook (Only one entry may be present in this map)"
    [(key, target)] = value.items()
    if key not in EVENT_HOOKS:
        return f"unknown event hook {key!r} (known: {', '.join(EVENT_HOOKS)})"
    if not isinstance(target, str) or not target:
        return "the hook's value is a flow id or ARN"
    return None


def _recording(value: Any) -> str | None:
    if not isinstance(value, dict) or set(value) - {
        "RecordedParticipants",
        "ScreenRecordedParticipants",
        "IVRRecordingBehavior",
    }:
        return "allows RecordedParticipants, ScreenRecordedParticipants and IVRRecordingBehavior"
    participants = value.get("RecordedParticipants", [])
    if not isinstance(participants, list) or set(participants) - {"Agent", "Customer"}:
        return "RecordedParticipants is a list of Agent and/or Customer ([] turns recording off)"
    if set(value.get("ScreenRecordedParticipants", [])) - {"Agent"}:
        return "ScreenRecordedParticipants may only contain Agent"
    return None


ANALYTICS_KEYS = {"Enabled", "AnalyticsLanguage", "AnalyticsRedactionBehavior", "AnalyticsRedactionResults",
                  "AnalyticsRedactionMaskMode", "AnalyticsRedactionEntities", "ChannelConfiguration",
                  "SummaryConfiguration", "SentimentConfiguration"}  # fmt: skip


def _analytics(value: Any) -> str | None:
    if not isinstance(value, dict) or set(value) - ANALYTICS_KEYS:
        return f"allows {', '.join(sorted(ANALYTICS_KEYS))}"
    if value.get("Enabled") not in {"True", "False"}:
        return "Enabled is True or False"
    if "AnalyticsLanguage" in value and not re.fullmatch(r"[a-z]{2}-[A-Z]{2}", str(value["AnalyticsLanguage"])):
        return "AnalyticsLanguage is a language code such as en-US"
    if value.get("AnalyticsRedactionBehavior", "Disabled") not in {"Enabled", "Disabled"}:
        return "AnalyticsRedactionBehavior is Enabled or Disabled"
    if value.get("AnalyticsRedactionResults", "RedactedOnly") not in {"RedactedAndOriginal", "RedactedOnly"}:
        return "AnalyticsRedactionResults is RedactedAndOriginal or RedactedOnly"
    voice = ((value.get("ChannelConfiguration") or {}).get("Voice") or {}).get("AnalyticsModes", [])
    if set(voice) - {"RealTime", "PostContact"}:
        return "ChannelConfiguration.Voice.AnalyticsModes may be RealTime and/or PostContact"
    return None


def analytics_needs_both_parties(action: Mapping[str, Any]) -> list[str]:
    parameters = action.get("Parameters") or {}
    enabled = (parameters.get("AnalyticsBehavior") or {}).get("Enabled") == "True"
    recorded = set((parameters.get("RecordingBehavior") or {}).get("RecordedParticipants", []))
    if enabled and recorded != {"Agent", "Customer"}:
        return ["AnalyticsBehavior can only be enabled when RecordedParticipants has both Agent and Customer"]
    return []


def _streaming_participants(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "is a non-empty list"
    for item in value:
        if not isinstance(item, dict) or item.get("ParticipantType") != "Customer":
            return "each participant has ParticipantType Customer (the only value)"
        if not item.get("MediaDirections") or set(item["MediaDirections"]) - {"From", "To"}:
            return "MediaDirections lists From and/or To"
    return None


def _input_validation(value: Any) -> str | None:
    if not isinstance(value, dict) or len(value) != 1:
        return "is exactly one of PhoneNumberValidation or CustomValidation"
    [(kind, settings)] = value.items()
    if kind == "PhoneNumberValidation":
        if settings.get("NumberFormat") not in {"Local", "E164"}:
            return "PhoneNumberValidation.NumberFormat is Local or E164"
        if settings.get("NumberFormat") == "Local" and not re.fullmatch(r"[A-Z]{2}", str(settings.get("CountryCode"))):
            return "PhoneNumberValidation with Local needs a two-letter CountryCode"
    elif kind == "CustomValidation":
        if not str(settings.get("MaximumLength", "")).isdigit():
            return "CustomValidation.MaximumLength is a number of digits"
    else:
        return "is PhoneNumberValidation or CustomValidation"
    return None


def _dtmf(value: Any) -> str | None:
    allowed = {"InputTerminationSequence", "DisableCancelKey", "InterdigitTimeLimitSeconds"}
    if not isinstance(value, dict) or set(value) - allowed:
        return f"allows {', '.join(sorted(allowed))}"
    if "InputTerminationSequence" in value and not re.fullmatch(
        r"[0-9*#]{1,5}", str(value["InputTerminationSequence"])
    ):
        return "InputTerminationSequence is up to five digits, * or #"
    return None


def _response_validation(value: Any) -> str | None:
    if not isinstance(value, dict) or value.get("ResponseType") not in {"STRING_MAP", "JSON"}:
        return "is {ResponseType: STRING_MAP or JSON}"
    return None


def input_errors(action: Mapping[str, Any]) -> list[str]:
    """GetParticipantInput's errors depend on StoreInput (reference: 'Must be defined only if ...')."""
    parameters = action.get("Parameters") or {}
    listed = {entry.get("ErrorType") for entry in (action.get("Transitions") or {}).get("Errors") or []}
    stored = parameters.get("StoreInput") == "True"
    problems = []
    if stored and "InputValidation" not in parameters:
        problems.append("InputValidation is required when StoreInput is True")
    if not stored and "InputValidation" in parameters:
        problems.append("InputValidation is only allowed when StoreInput is True")
    if stored and NO_MATCHING_CONDITION in listed:
        problems.append("NoMatchingCondition may only be listed when StoreInput is False")
    if not stored and NO_MATCHING_CONDITION not in listed:
        problems.append("NoMatchingCondition must be listed when StoreInput is False")
    phone = stored and "PhoneNumberValidation" in (parameters.get("InputValidation") or {})
    if phone and "InvalidPhoneNumber" not in listed:
        problems.append("InvalidPhoneNumber must be listed when a stored input is validated as a phone number")
    if not phone and "InvalidPhoneNumber" in listed:
        problems.append("InvalidPhoneNumber may only be listed with StoreInput True and PhoneNumberValidation")
    return problems


def queue_or_agent(action: Mapping[str, Any]) -> list[str]:
    parameters = action.get("Parameters") or {}
    return ["QueueId and AgentId exclude each other"] if "QueueId" in parameters and "AgentId" in parameters else []


PROMPT = {
    "Text": Param(Value.DYNAMIC),
    "SSML": Param(Value.DYNAMIC),
    "PromptId": Param(Value.SINGLE_PATH),
    "Media": Param(Value.STATIC),
}
BOOLEAN = ("True", "False")

SPECS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "UpdateFlowLoggingBehavior",
        "flow-control-actions-updateflowloggingbehavior",
        ALL,
        params={"FlowLoggingBehavior": Param(required=True, choices=("Enabled", "Disabled"))},
    ),
    ActionSpec(
        "UpdateContactRecordingBehavior",
        "contact-actions-updatecontactrecordingbehavior",
        with_modules(WITH_QUEUE_FLOW | {FlowType.OUTBOUND_WHISPER}),
        params={
            "RecordingBehavior": Param(required=True, check=_recording),
            "AnalyticsBehavior": Param(check=_analytics),
        },
        rules=(analytics_needs_both_parties,),
    ),
    ActionSpec(
        "CheckHoursOfOperation",
        "flow-control-actions-checkhoursofoperation",
        with_modules(WITH_QUEUE_FLOW),
        params={"HoursOfOperationId": Param(Value.SINGLE_PATH)},
        errors=frozenset({NO_MATCHING_ERROR}),
        conditions=exactly_equals("True", "False"),
    ),
    ActionSpec(
        "InvokeLambdaFunction",
        "interactions-invokelambdafunction",
        ALL,
        params={
            "LambdaFunctionARN": Param(Value.DYNAMIC, required=True),
            "InvocationTimeLimitSeconds": Param(required=True, integer=(1, 8)),
            "InvocationType": Param(choices=("SYNCHRONOUS", "ASYNCHRONOUS")),
            "LambdaInvocationAttributes": Param(Value.DYNAMIC, check=_string_map),
            "ResponseValidation": Param(check=_response_validation),
        },
        errors=frozenset({NO_MATCHING_ERROR}),
    ),
    ActionSpec(
        "UpdateContactAttributes",
        "contact-actions-updatecontactattributes",
        ALL,
        params={
            "Attributes": Param(Value.DYNAMIC, required=True, check=_string_map),
            "TargetContact": Param(choices=("Current", "Related")),
        },
        errors=frozenset({NO_MATCHING_ERROR}),
    ),
    ActionSpec(
        "Compare",
        "flow-control-actions-compare",
        ALL,
        params={"ComparisonValue": Param(Value.SINGLE_PATH, required=True)},
        errors=frozenset({NO_MATCHING_CONDITION}),
        conditions=any_operator,
    ),
    ActionSpec(
        "MessageParticipant",
        "participant-actions-messageparticipant",
        with_modules(WITH_QUEUE_FLOW | WHISPERS),
        params=PROMPT,
        errors=frozenset({NO_MATCHING_ERROR}),
        one_of=_text_or_prompt(""),
    ),
    ActionSpec(
        "GetParticipantInput",
        "participant-actions-getparticipantinput",
        with_modules(WITH_QUEUE_FLOW),
        params={
            **PROMPT,
            "InputTimeLimitSeconds": Param(required=True, integer=(1, 180)),
            "StoreInput": Param(choices=BOOLEAN),
            "InputValidation": Param(check=_input_validation),
            "InputEncryption": Param(Value.DYNAMIC),
            "DTMFConfiguration": Param(check=_dtmf),
        },
        errors=frozenset({NO_MATCHING_ERROR, NO_MATCHING_CONDITION, "InputTimeLimitExceeded", "InvalidPhoneNumber"}),
        required_errors=frozenset({NO_MATCHING_ERROR}),
        conditions=digit_conditions,
        one_of=_text_or_prompt(""),
        rules=(input_errors,),
    ),
    ActionSpec(
        "UpdateContactTargetQueue",
        "contact-actions-updatecontacttargetqueue",
        with_modules(INBOUND_AND_TRANSFER),
        params={"QueueId": Param(Value.SINGLE_PATH), "AgentId": Param(Value.SINGLE_PATH)},
        errors=frozenset({NO_MATCHING_ERROR}),
        rules=(queue_or_agent,),
    ),
    ActionSpec(
        "UpdateContactEventHooks",
        "contact-actions-updatecontacteventhooks",
        ALL,
        params={"EventHooks": Param(Value.SINGLE_PATH, required=True, check=_event_hooks)},
        errors=frozenset({NO_MATCHING_ERROR}),
    ),
    ActionSpec(
        "TransferContactToQueue",
        "contact-actions-transfercontacttoqueue",
        with_modules(INBOUND_AND_TRANSFER),
        errors=frozenset({"QueueAtCapacity", NO_MATCHING_ERROR}),
    ),
    ActionSpec(
        "InvokeFlowModule",
        "flow-language-actions-invoke-flow-module",
        frozenset({FlowType.CONTACT_FLOW}),
        params={"FlowModuleId": Param(Value.DYNAMIC, required=True)},
        errors=frozenset({NO_MATCHING_ERROR}),
    ),
    ActionSpec("EndFlowModuleExecution", "endflowmoduleexecution", frozenset({FlowType.MODULE}), terminal=True),
    ActionSpec(
        "DisconnectParticipant",
        "participant-actions-disconnectparticipant",
        with_modules(WITH_QUEUE_FLOW),
        terminal=True,
    ),
    ActionSpec(
        "EndFlowExecution",
        "flow-control-actions-endflowexecution",
        WHISPERS | {FlowType.CUSTOMER_QUEUE},
        terminal=True,
    ),
    ActionSpec(
        "MessageParticipantIteratively",
        "participant-actions-messageparticipantiteratively",
        HOLDS | {FlowType.CUSTOMER_QUEUE},
        params={
            "Messages": Param(Value.DYNAMIC, required=True, check=_message),
            "InterruptFrequencySeconds": Param(integer=(1, 3600)),
        },
        errors=frozenset({NO_MATCHING_ERROR}),
        conditions=equals_one_of("MessagesInterrupted", "MessagesInterrupted"),
    ),
    ActionSpec(
        "CheckMetricData",
        "flow-control-actions-checkmetricdata",
        with_modules(WITH_QUEUE_FLOW),
        params={
            "MetricType": Param(
                required=True,
                choices=(
                    "NumberOfAgentsAvailable",
                    "NumberOfAgentsStaffed",
                    "NumberOfAgentsOnline",
                    "OldestContactInQueueAgeSeconds",
                    "NumberOfContactsInQueue",
                ),
            ),
            "QueueId": Param(Value.SINGLE_PATH),
            "AgentId": Param(Value.SINGLE_PATH),
        },
        errors=frozenset({NO_MATCHING_ERROR, NO_MATCHING_CONDITION}),
        conditions=metric_conditions,
        rules=(queue_or_agent,),
    ),
    ActionSpec(
        "UpdateContactCallbackNumber",
        "contact-actions-updatecontactcallbacknumber",
        with_modules(WITH_QUEUE_FLOW),
        params={"CallbackNumber": Param(Value.SINGLE_PATH, required=True)},
        errors=frozenset({"InvalidCallbackNumber", "CallbackNumberNotDialable"}),
        rules=(
            lambda action: (
                []
                if str((action.get("Parameters") or {}).get("CallbackNumber", "")).startswith("$.")
                else ["CallbackNumber must be a single JSONPath (it cannot be set statically)"]
            ),
        ),
    ),
    ActionSpec(
        "CreateCallbackContact",
        "interactions-createcallbackcontact",
        with_modules(WITH_QUEUE_FLOW),
        params={
            "QueueId": Param(Value.SINGLE_PATH),
            "AgentId": Param(Value.SINGLE_PATH),
            "InitialCallDelaySeconds": Param(required=True, integer=(1, 259_200)),
            "MaximumConnectionAttempts": Param(required=True, integer=(1, 100)),
            "RetryDelaySeconds": Param(required=True, integer=(1, 259_200)),
            "ContactFlowId": Param(Value.SINGLE_PATH),
            "CallerId": Param(Value.SINGLE_PATH),
        },
        errors=frozenset({NO_MATCHING_ERROR}),
        rules=(queue_or_agent,),
    ),
    ActionSpec(
        "TransferToFlow",
        "flow-control-actions-transfertoflow",
        with_modules(INBOUND_AND_TRANSFER),
        params={"ContactFlowId": Param(Value.SINGLE_PATH, required=True)},
        errors=frozenset({NO_MATCHING_ERROR}),
    ),
    ActionSpec(
        "Loop",
        "flow-control-actions-loop",
        ALL,
        params={"LoopCount": Param(Value.SINGLE_PATH, required=True, integer=(0, 100))},
        conditions=exactly_equals("ContinueLooping", "DoneLooping"),
    ),
    ActionSpec(
        "UpdateContactMediaStreamingBehavior",
        "contact-actions-updatecontactmediastreamingbehavior",
        with_modules(WITH_QUEUE_FLOW | WHISPERS),
        params={
            "MediaStreamingState": Param(required=True, choices=("Enabled", "Disabled")),
            "MediaStreamType": Param(required=True, choices=("Audio",)),
            "Participants": Param(required=True, check=_streaming_participants),
        },
        errors=frozenset({NO_MATCHING_ERROR}),
    ),
    ActionSpec(
        "TagContact",
        "contact-actions-tagcontact",
        ALL,
        params={"Tags": Param(Value.DYNAMIC, required=True, check=_string_map)},
        errors=frozenset({NO_MATCHING_ERROR}),
    ),
    ActionSpec(
        "UpdateContactTextToSpeechVoice",
        "contact-actions-updatecontacttexttospeechvoice",
        ALL,
        params={
            "TextToSpeechVoice": Param(Value.DYNAMIC, required=True),
            "TextToSpeechEngine": Param(Value.DYNAMIC),
            "TextToSpeechStyle": Param(Value.DYNAMIC),
        },
        errors=frozenset({NO_MATCHING_ERROR}),
        required_errors=frozenset({NO_MATCHING_ERROR}),
    ),
    ActionSpec(
        "DequeueContactAndTransferToQueue",
        "contact-actions-dequeuecontactandtransfertoqueue",
        frozenset({FlowType.CUSTOMER_QUEUE}),
        params={"QueueId": Param(Value.SINGLE_PATH), "AgentId": Param(Value.SINGLE_PATH)},
        errors=frozenset({"QueueAtCapacity", NO_MATCHING_ERROR}),
        rules=(queue_or_agent,),
    ),
)
CATALOGUE: Mapping[str, ActionSpec] = {spec.type: spec for spec in SPECS}
