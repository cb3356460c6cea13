"""The flow templates under ``modules/connect_flows/flows`` and ``modules``, and how they are rendered.

A template file is ``{"Type": <flow type>, "Description": ..., "Content": <flow language>}``
(modules have no ``Type``). Flows carry no ARN and no env-specific text; placeholders stand for
them, and the grammar is strict: ``{{kind:name}}``, lower-case, the name a known one of its kind.

- ``{{queue:<id>}}``: a queue's ARN; ``{{function:<name>}}``: what a flow invokes (the function,
  or its ``live`` alias); ``{{module:<name>}}``: a module's id; ``{{flow:<name>}}``: a flow's ARN.
- ``{{setting:<name>}}``: text or a number from the env's ``[connect]`` section (``settings``).
- ``{{config:<name>}}`` as a whole JSON value: structure built from config (``expansions``): the
  recording and analytics parameters, the menu's conditions, one routing action per menu option
  (spliced into ``Actions``), and the voicemail capture sequence.

``check_env`` renders every template for an env with stand-in ids and runs the checker
(``checker.py``) on each; ``main.py`` calls it before cdktf starts, so a broken template stops
``make synth`` with one line per problem and exit 2. ``ContactCenter`` renders with the real ids.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from envs import EnvConfig
from modules.connect_flows.checker import Problem, check, strings
from modules.connect_flows.language import FlowType, flow_targets
from modules.naming import regional_arn

FOLDER = Path(__file__).resolve().parent
ROOT = FOLDER.parent.parent
KINDS = ("queue", "function", "module", "flow", "setting", "config")
PLACEHOLDER = re.compile(r"\{\{(?P<kind>[a-z]+):(?P<name>[a-z0-9]+(?:-[a-z0-9]+)*)\}\}")
ANY_BRACES = re.compile(r"\{\{.*?\}\}|\{\{|\}\}")


class FlowTemplateError(ValueError):
    """A template is broken; ``problems`` names each file, action and rule (one line each)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems

    @classmethod
    def single(cls, source: str, message: str, rule: str = "template") -> FlowTemplateError:
        return cls([Problem(source, None, rule, message)])


@dataclass(frozen=True)
class Template:
    """One file: ``kind`` "flow" or "module", its name (the file stem), type, description, raw content."""

    kind: str
    name: str
    path: Path
    flow_type: FlowType
    description: str
    content: Mapping[str, Any]

    @property
    def source(self) -> str:
        return str(self.path.relative_to(ROOT)) if self.path.is_relative_to(ROOT) else str(self.path)


def load_templates(folder: Path | None = None) -> list[Template]:
    """Modules first, then flows, each by name; a file that is not a template is a FlowTemplateError."""
    folder = folder or FOLDER
    found, problems = [], []
    for kind, sub in (("module", "modules"), ("flow", "flows")):
        for path in sorted((folder / sub).glob("*.json")):
            try:
                found.append(_template(kind, path))
            except ValueError as error:
                problems.append(Problem(_display(path), None, "template", str(error)))
    if problems:
        raise FlowTemplateError(problems)
    return found


def _display(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _template(kind: str, path: Path) -> Template:
    try:
        document = json.loads(path.read_text())
    except ValueError as error:
        raise ValueError(f"not valid JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("Content"), dict):
        raise ValueError('a template is {"Type": ..., "Description": ..., "Content": {...}}')
    unknown = set(document) - {"Type", "Description", "Content"}
    if unknown:
        raise ValueError(f"unknown template keys {sorted(unknown)}")
    if kind == "module":
        if "Type" in document:
            raise ValueError("a flow module has no Type")
        flow_type = FlowType.MODULE
    else:
        try:
            flow_type = FlowType(str(document.get("Type")))
        except ValueError:
            types = ", ".join(t.value for t in FlowType if t is not FlowType.MODULE)
            raise ValueError(f"Type must be one of {types} (got {document.get('Type')!r})") from None
        if flow_type is FlowType.MODULE:
            raise ValueError("MODULE is for files under modules/")
    return Template(kind, path.stem, path, flow_type, str(document.get("Description", "")), document["Content"])


@cache
def shared_code(module: str) -> ModuleType:
    """A module of the Lambda layer (``lambdas/shared/cc_shared``): the flows' defaults come from the
    same code that answers them at run time."""
    import importlib

    layer = str(ROOT / "lambdas" / "shared")
    if layer not in sys.path:
        sys.path.append(layer)
    return importlib.import_module(f"cc_shared.{module}")


def settings(config: EnvConfig) -> dict[str, str]:
    """``{{setting:<name>}}`` values: texts and numbers from ``[connect]``."""
    connect = config.connect
    experience = shared_code("experience")
    defaults = experience.flow_attributes(
        shared_code("models").QueueExperience(), configured=False, check_seconds=connect.queue_check_seconds
    )
    prompts = connect.prompts
    return {
        "menu-prompt": connect.menu_prompt,
        "menu-input-seconds": str(connect.menu.input_seconds),
        "queue-check-seconds": str(connect.queue_check_seconds),
        "default-welcome": defaults["welcomeMessage"],
        "default-hold-ssml": defaults["holdPromptSsml"],
        "default-offer-after-checks": defaults["offerAfterChecks"],
        "closed-message": prompts.closed,
        "sorry-message": prompts.sorry,
        "at-capacity-message": prompts.at_capacity,
        "callback-confirmation": prompts.callback_confirmation,
        "callback-initial-delay-seconds": str(connect.callback.initial_delay_seconds),
        "callback-attempts": str(connect.callback.attempts),
        "callback-retry-seconds": str(connect.callback.retry_delay_seconds),
        "voicemail-instructions": prompts.voicemail_instructions,
        "voicemail-cue": prompts.voicemail_cue,
        "voicemail-thanks": prompts.voicemail_thanks,
        "voicemail-max-seconds": str(connect.voicemail_max_seconds),
        "agent-whisper": prompts.agent_whisper,
    }


def expansions(config: EnvConfig) -> dict[str, Any]:
    """``{{config:<name>}}`` values: structure built from config (a list in ``Actions`` is spliced in)."""
    connect = config.connect
    return {
        "recording": recording_parameters(config),
        "menu-conditions": [
            {"NextAction": f"route-{option.queue}", "Condition": {"Operator": "Equals", "Operands": [option.digit]}}
            for option in connect.menu_options
        ],
        "menu-routes": [
            _route("route-default", connect.default_queue),
            *(_route(f"route-{queue}", queue) for queue in dict.fromkeys(o.queue for o in connect.menu_options)),
        ],
        "voicemail-capture": voicemail_capture(),
    }


def recording_parameters(config: EnvConfig) -> dict[str, Any]:
    recording = config.connect.recording
    parameters: dict[str, Any] = {"RecordingBehavior": {"RecordedParticipants": list(recording.participants)}}
    if recording.contact_lens != "off":
        parameters["AnalyticsBehavior"] = {
            "Enabled": "True",
            "AnalyticsLanguage": recording.language,
            "AnalyticsRedactionBehavior": "Enabled" if recording.redact_pii else "Disabled",
            "AnalyticsRedactionResults": "RedactedOnly",
            "ChannelConfiguration": {
                "Voice": {"AnalyticsModes": ["RealTime" if recording.contact_lens == "real_time" else "PostContact"]}
            },
        }
    return parameters


def _route(identifier: str, queue: str) -> dict[str, Any]:
    return {
        "Identifier": identifier,
        "Type": "UpdateContactAttributes",
        "Parameters": {"Attributes": {"queueId": queue, "queueArn": f"{{{{queue:{queue}}}}}"}},
        "Transitions": {"NextAction": "set-queue", "Errors": [{"NextAction": "sorry", "ErrorType": "NoMatchingError"}]},
    }


def _action(identifier: str, kind: str, parameters: Mapping[str, Any], next_action: str, error: str) -> dict[str, Any]:
    return {
        "Identifier": identifier,
        "Type": kind,
        "Parameters": dict(parameters),
        "Transitions": {"NextAction": next_action, "Errors": [{"NextAction": error, "ErrorType": "NoMatchingError"}]},
    }


def voicemail_capture() -> list[dict[str, Any]]:
    """Record the caller: mark the contact, stream the caller's audio to Kinesis Video Streams until
    they press # or the time is up, then stop. Ends at ``goodbye``, which each flow defines.

    The marks are what the voicemail packager finds the audio by (the contact's CTR carries them):
    ``voicemail`` and ``voicemailQueue``, then, once Connect streams, the stream's ARN and first
    fragment (``voicemailStreamArn``, ``voicemailStartFragment``)."""
    caller = [{"ParticipantType": "Customer", "MediaDirections": ["From"]}]
    return [
        _action("voicemail-instructions", "MessageParticipant", {"Text": "{{setting:voicemail-instructions}}"},
                "voicemail-mark", "voicemail-mark"),
        _action("voicemail-mark", "UpdateContactAttributes",
                {"Attributes": {"voicemail": "true", "voicemailQueue": "$.Attributes.queueId"}},
                "voicemail-start", "voicemail-start"),
        _action("voicemail-start", "UpdateContactMediaStreamingBehavior",
                {"MediaStreamingState": "Enabled", "MediaStreamType": "Audio", "Participants": caller},
                "voicemail-stream", "voicemail-unavailable"),
        _action("voicemail-stream", "UpdateContactAttributes",
                {"Attributes": {"voicemailStreamArn": "$.MediaStreams.Customer.Audio.StreamARN",
                                "voicemailStartFragment": "$.MediaStreams.Customer.Audio.StartFragmentNumber"}},
                "voicemail-record", "voicemail-record"),
        _action("voicemail-record", "GetParticipantInput",
                {"Text": "{{setting:voicemail-cue}}", "StoreInput": "True",
                 "InputTimeLimitSeconds": "{{setting:voicemail-max-seconds}}",
                 "InputValidation": {"CustomValidation": {"MaximumLength": "1"}},
                 "DTMFConfiguration": {"InputTerminationSequence": "#", "DisableCancelKey": "True"}},
                "voicemail-stop", "voicemail-stop"),
        _action("voicemail-stop", "UpdateContactMediaStreamingBehavior",
                {"MediaStreamingState": "Disabled", "MediaStreamType": "Audio", "Participants": caller},
                "voicemail-thanks", "voicemail-thanks"),
        _action("voicemail-thanks", "MessageParticipant", {"Text": "{{setting:voicemail-thanks}}"},
                "goodbye", "goodbye"),
        _action("voicemail-unavailable", "MessageParticipant", {"Text": "{{setting:sorry-message}}"},
                "goodbye", "goodbye"),
    ]  # fmt: skip


@dataclass(frozen=True)
class References:
    """What the id placeholders resolve to: tokens of the real resources at synth, stand-ins offline."""

    queues: Mapping[str, str]
    functions: Mapping[str, str]
    modules: Mapping[str, str]
    flows: Mapping[str, str]

    def value(self, kind: str, name: str) -> str | None:
        table = {"queue": self.queues, "function": self.functions, "module": self.modules, "flow": self.flows}
        return table.get(kind, {}).get(name)


def stand_ins(config: EnvConfig, templates: Iterable[Template], functions: Iterable[str]) -> References:
    """ARN-shaped stand-ins for an offline render (same forms as the real ids)."""
    instance = "00000000-0000-4000-8000-000000000000"
    base = regional_arn(config, "connect", f"instance/{instance}")
    lambda_base = regional_arn(config, "lambda", "function")
    templates = list(templates)
    return References(
        queues={queue: f"{base}/queue/{queue}" for queue in config.connect.queue_names},
        functions={name: f"{lambda_base}:{config.resource_name(name)}" for name in functions},
        modules={t.name: f"{t.name}-module-id" for t in templates if t.kind == "module"},
        flows={t.name: f"{base}/contact-flow/{t.name}" for t in templates if t.kind == "flow"},
    )


def placeholder_problems(template: Template, known: Callable[[str, str], bool]) -> list[Problem]:
    """Every ``{{...}}`` that is not exactly a known ``kind:name``, named by the action it is in."""
    problems = []
    for identifier, text in _action_texts(template.content):
        for match in ANY_BRACES.finditer(text):
            placeholder = PLACEHOLDER.fullmatch(match.group(0))
            if placeholder is None:
                message = (f"{match.group(0)!r} is not a placeholder: write {{{{kind:name}}}}, lower-case, no spaces "
                           f"(kinds: {', '.join(KINDS)})")  # fmt: skip
                problems.append(Problem(template.source, identifier, "placeholder", message))
            elif not known(placeholder["kind"], placeholder["name"]):
                message = f"{match.group(0)} names no {placeholder['kind']} of this platform"
                problems.append(Problem(template.source, identifier, "placeholder", message))
    return problems


def _action_texts(content: Mapping[str, Any]) -> Iterable[tuple[str | None, str]]:
    """Each action's strings (keys and values), with its Identifier; the rest of the document first."""
    actions = content.get("Actions")
    rest = {key: value for key, value in content.items() if key != "Actions"}
    yield None, "\n".join(strings(rest))
    for action in actions if isinstance(actions, list) else []:
        identifier = action.get("Identifier") if isinstance(action, dict) else None
        yield (str(identifier) if identifier is not None else None), "\n".join(strings(action))


def render(template: Template, config: EnvConfig, references: References) -> dict[str, Any]:
    """The template's content for this env: config structures expanded, then every placeholder
    replaced. Raises FlowTemplateError for an unknown placeholder."""
    values = settings(config)
    structures = expansions(config)

    def known(kind: str, name: str) -> bool:
        if kind == "setting":
            return name in values
        if kind == "config":
            return name in structures
        return references.value(kind, name) is not None

    problems = placeholder_problems(template, known)
    if problems:
        raise FlowTemplateError(problems)
    expanded = _expand(template.content, structures)
    text = PLACEHOLDER.sub(
        lambda m: _json_text(_resolve(m["kind"], m["name"], values, references)), json.dumps(expanded)
    )
    rendered: dict[str, Any] = json.loads(text)
    return rendered


def _resolve(kind: str, name: str, values: Mapping[str, str], references: References) -> str:
    if kind == "setting":
        return values[name]
    if kind == "config":
        message = f"{{{{config:{name}}}}} must be a whole JSON value, not part of a text"
        raise FlowTemplateError([Problem("template", None, "placeholder", message)])
    found = references.value(kind, name)
    assert found is not None  # checked by placeholder_problems
    return found


def _json_text(value: str) -> str:
    return json.dumps(value)[1:-1]


def _expand(value: Any, structures: Mapping[str, Any]) -> Any:
    """Whole-value ``{{config:x}}`` placeholders replaced by structures; a list inside a list is spliced."""
    if isinstance(value, str):
        match = PLACEHOLDER.fullmatch(value)
        return _expand(structures[match["name"]], structures) if match and match["kind"] == "config" else value
    if isinstance(value, dict):
        return {key: _expand(item, structures) for key, item in value.items()}
    if isinstance(value, list):
        items: list[Any] = []
        for item in value:
            expanded = _expand(item, structures)
            if isinstance(item, str) and PLACEHOLDER.fullmatch(item) and isinstance(expanded, list):
                items.extend(expanded)
            else:
                items.append(expanded)
        return items
    return value


def reference_problems(templates: Iterable[Template]) -> list[Problem]:
    """Flows an action points at must be of the type it needs (a hook's flow type, a transfer's)."""
    templates = list(templates)
    types = {t.name: t.flow_type for t in templates if t.kind == "flow"}
    problems = []
    for template in templates:
        for action in template.content.get("Actions", []):
            if not isinstance(action, dict):
                continue
            for value, allowed in flow_targets(action):
                match = PLACEHOLDER.fullmatch(value)
                if match and match["kind"] == "flow" and types.get(match["name"]) not in allowed:
                    wanted = " or ".join(sorted(t.value for t in allowed))
                    problems.append(Problem(template.source, action.get("Identifier"), "flow-reference",
                                            f"{value} is a {types.get(match['name'], 'missing flow')}; "
                                            f"{action['Type']} needs a {wanted}"))  # fmt: skip
    return problems


def flow_order(templates: Iterable[Template]) -> list[Template]:
    """Modules, then flows each after the flows it references (Connect validates references on create)."""
    templates = list(templates)
    modules = [t for t in templates if t.kind == "module"]
    pending = {t.name: t for t in templates if t.kind == "flow"}
    needs = {name: referenced(t, "flow") & set(pending) - {name} for name, t in pending.items()}
    ordered: list[Template] = []
    while pending:
        ready = sorted(name for name in pending if needs[name] <= {t.name for t in ordered})
        if not ready:
            cycle = ", ".join(sorted(pending))
            raise FlowTemplateError([Problem("modules/connect_flows/flows", None, "flow-reference",
                                             f"flows reference each other in a cycle: {cycle}")])  # fmt: skip
        ordered += [pending.pop(name) for name in ready]
    return modules + ordered


def referenced(template: Template, kind: str) -> set[str]:
    """The names of one kind of placeholder the template uses (e.g. the functions it invokes)."""
    return {m["name"] for m in PLACEHOLDER.finditer(json.dumps(template.content)) if m["kind"] == kind}


def check_env(config: EnvConfig, functions: Iterable[str], folder: Path | None = None) -> list[Problem]:
    """Every problem of every template, rendered for ``config`` with stand-in ids (no cdktf needed)."""
    try:
        templates = load_templates(folder)
    except FlowTemplateError as error:
        return error.problems
    references = stand_ins(config, templates, functions)
    problems = reference_problems(templates)
    flows = {t.name: t.flow_type for t in templates if t.kind == "flow"}
    for index, number in enumerate(config.connect.phone_numbers):
        if flows.get(number.flow) is not FlowType.CONTACT_FLOW:
            problems.append(Problem(f"envs/{config.name}.toml", None, "phone-number",
                                    f"connect.phone_numbers[{index}].flow: {number.flow!r} is not a flow of type "
                                    f"CONTACT_FLOW (flows: {', '.join(sorted(flows))})"))  # fmt: skip
    for template in templates:
        try:
            content = render(template, config, references)
        except FlowTemplateError as error:
            problems += error.problems
            continue
        problems += check(content, template.flow_type, template.source)
    return problems
