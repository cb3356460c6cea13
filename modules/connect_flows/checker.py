"""Offline checks of flow content against the catalogue in ``language.py``.

What it enforces, per flow: the document's shape and size; Identifier rules; every action type
known and allowed in the flow's type; parameters required, allowed, given the way the reference
allows (static, a single JSONPath, or any text) and with allowed values; error types each action
may (and must) transition on; each action's condition rule; and the graph: the start and every
``NextAction`` exist, no action is unreachable, and from every action some path ends (a terminal
action is reachable). Each problem names the action Identifier and the rule it breaks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from modules.connect_flows.language import (
    CATALOGUE,
    IDENTIFIER_FORBIDDEN,
    IDENTIFIER_RESERVED,
    MAX_ACTIONS,
    MAX_CONTENT_CHARACTERS,
    MAX_IDENTIFIER_LENGTH,
    VERSION,
    ActionSpec,
    FlowType,
    Param,
    Value,
)

SINGLE_PATH = re.compile(r"\$\.[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+|\[[0-9]+\])*")
TOP_LEVEL = frozenset({"Version", "StartAction", "Metadata", "Actions"})
MODULE_TOP_LEVEL = TOP_LEVEL | {"Settings"}
TRANSITION_KEYS = frozenset({"NextAction", "Errors", "Conditions"})
# Runs until the contact leaves the queue or the loop is interrupted: it needs no NextAction.
OPEN_ENDED = frozenset({"MessageParticipantIteratively"})


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (file or flow, and the action), which rule, and what is wrong."""

    source: str
    identifier: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"action {self.identifier!r}: " if self.identifier is not None else ""
        return f"{self.source}: {where}{self.message} [{self.rule}]"


def check(content: Mapping[str, Any], flow_type: FlowType, source: str) -> list[Problem]:
    """Every problem of one flow (or module) document, in a stable order."""
    problems: list[Problem] = []

    def flag(identifier: str | None, rule: str, message: str) -> None:
        problems.append(Problem(source, identifier, rule, message))

    allowed = MODULE_TOP_LEVEL if flow_type is FlowType.MODULE else TOP_LEVEL
    for key in sorted(set(content) - allowed):
        flag(None, "document-keys", f"unknown top-level key {key!r} (allowed: {', '.join(sorted(allowed))})")
    if content.get("Version") != VERSION:
        flag(None, "version", f"Version must be {VERSION!r}, got {content.get('Version')!r}")
    actions = content.get("Actions")
    if not isinstance(actions, list) or not actions:
        flag(None, "actions", "Actions must be a non-empty list")
        return problems
    if len(actions) > MAX_ACTIONS:
        flag(None, "action-count", f"{len(actions)} actions; a flow may have at most {MAX_ACTIONS}")
    size = len(json.dumps(content))
    if size > MAX_CONTENT_CHARACTERS:
        flag(None, "content-size", f"{size} characters; Connect accepts at most {MAX_CONTENT_CHARACTERS}")
    by_id: dict[str, Mapping[str, Any]] = {}
    for index, action in enumerate(actions):
        identifier = _identifier(action, index, by_id, flag)
        if identifier is not None:
            by_id[identifier] = action
            _check_action(action, identifier, flow_type, flag)
    _check_graph(content.get("StartAction"), by_id, flag)
    return problems


def _identifier(action: Any, index: int, seen: Mapping[str, Any], flag: Any) -> str | None:
    if not isinstance(action, dict):
        flag(None, "action-shape", f"Actions[{index}] is not an object")
        return None
    identifier = action.get("Identifier")
    if not isinstance(identifier, str) or not identifier:
        flag(None, "identifier", f"Actions[{index}] has no Identifier")
        return None
    if identifier in seen:
        flag(identifier, "identifier-unique", "two actions have this Identifier")
    if len(identifier) > MAX_IDENTIFIER_LENGTH:
        flag(identifier, "identifier", f"Identifier longer than {MAX_IDENTIFIER_LENGTH} characters")
    if IDENTIFIER_FORBIDDEN.search(identifier) or identifier in IDENTIFIER_RESERVED:
        flag(identifier, "identifier", "Identifier uses a character or name Connect forbids")
    return identifier


def _check_action(action: Mapping[str, Any], identifier: str, flow_type: FlowType, flag: Any) -> None:
    kind = action.get("Type")
    spec = CATALOGUE.get(str(kind))
    if spec is None:
        flag(identifier, "action-type", f"unknown action type {kind!r} (not in modules/connect_flows/language.py)")
        return
    if flow_type not in spec.flow_types:
        allowed = ", ".join(sorted(t.value for t in spec.flow_types))
        flag(
            identifier, "flow-type", f"{kind} is not allowed in a {flow_type.value} (allowed in: {allowed}; {spec.url})"
        )
    for key in sorted(set(action) - {"Identifier", "Type", "Parameters", "Transitions"}):
        flag(identifier, "action-keys", f"unknown key {key!r}")
    parameters = action.get("Parameters", {})
    if not isinstance(parameters, dict):
        flag(identifier, "parameters", "Parameters must be an object")
        parameters = {}
    _check_parameters(spec, parameters, identifier, flag)
    for rule in spec.rules:
        for message in rule(action):
            flag(identifier, "action-rule", f"{kind}: {message}")
    _check_transitions(spec, action.get("Transitions"), parameters, identifier, flag)


def _check_parameters(spec: ActionSpec, parameters: Mapping[str, Any], identifier: str, flag: Any) -> None:
    for name in sorted(set(parameters) - set(spec.params)):
        known = ", ".join(sorted(spec.params)) or "none"
        flag(identifier, "parameter-unknown", f"{spec.type} has no parameter {name!r} (known: {known})")
    for name, param in spec.params.items():
        if name not in parameters:
            if param.required:
                flag(identifier, "parameter-required", f"{spec.type} needs the parameter {name!r}")
            continue
        message = _parameter_problem(param, parameters[name])
        if message:
            flag(identifier, "parameter-value", f"{spec.type}.{name} {message}")
    for group in spec.one_of:
        present = [name for name in group if name in parameters]
        if len(present) > 1:
            flag(identifier, "parameter-exclusive", f"{spec.type} takes at most one of {', '.join(present)}")


def strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def _parameter_problem(param: Param, value: Any) -> str | None:
    texts = list(strings(value))
    dynamic = any("$." in text for text in texts)
    if param.value is Value.STATIC and dynamic:
        return "must be static (no JSONPath)"
    if param.value is Value.SINGLE_PATH and dynamic:
        if not (isinstance(value, str) and SINGLE_PATH.fullmatch(value)) and not isinstance(value, dict):
            return f"must be static or a single JSONPath such as $.Attributes.name (got {value!r})"
        if isinstance(value, dict) and any("$." in t and not SINGLE_PATH.fullmatch(t) for t in texts):
            return "JSONPath values must be a single JSONPath each"
    if dynamic:
        return param.check(value) if param.check else None
    if param.choices and value not in param.choices:
        return f"must be one of {', '.join(param.choices)} (got {value!r})"
    if param.integer is not None:
        low, high = param.integer
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
            number = int(value)
        if number is None or not low <= number <= high:
            return f"must be a whole number from {low} to {high} (got {value!r})"
    return param.check(value) if param.check else None


def _check_transitions(
    spec: ActionSpec, transitions: Any, parameters: Mapping[str, Any], identifier: str, flag: Any
) -> None:
    if not isinstance(transitions, dict):
        flag(identifier, "transitions", "Transitions must be an object")
        return
    if spec.terminal:
        if any(transitions.get(key) for key in TRANSITION_KEYS):
            flag(identifier, "terminal", f"{spec.type} ends the flow: its Transitions must be {{}}")
        return
    for key in sorted(set(transitions) - TRANSITION_KEYS):
        flag(identifier, "transitions", f"unknown transition key {key!r}")
    if not transitions.get("NextAction") and spec.type not in OPEN_ENDED:
        flag(identifier, "next-action", f"{spec.type} needs a NextAction (every path must end)")
    errors = transitions.get("Errors") or []
    listed = [entry.get("ErrorType") for entry in errors if isinstance(entry, dict)]
    for error in listed:
        if error not in spec.errors:
            known = ", ".join(sorted(spec.errors)) or "none"
            flag(identifier, "error-type", f"{spec.type} cannot transition on error {error!r} (its errors: {known})")
    if len(listed) != len(set(listed)):
        flag(identifier, "error-type", "an error type is listed twice")
    for error in sorted(spec.required_errors - set(listed)):
        flag(identifier, "error-required", f"{spec.type} must list the error {error!r}")
    if any(not isinstance(entry, dict) or not entry.get("NextAction") for entry in errors):
        flag(identifier, "error-type", "every error entry needs an ErrorType and a NextAction")
    conditions = transitions.get("Conditions") or []
    if spec.conditions is None:
        if conditions:
            flag(identifier, "conditions", f"{spec.type} takes no conditions")
        return
    if any(not isinstance(entry, dict) or not entry.get("NextAction") for entry in conditions):
        flag(identifier, "conditions", "every condition needs a NextAction and a Condition")
        return
    for message in spec.conditions(conditions, parameters):
        flag(identifier, "conditions", f"{spec.type}: {message}")


def successors(action: Mapping[str, Any]) -> list[str]:
    """Every Identifier an action may go to next, in order: NextAction, errors, conditions."""
    transitions = action.get("Transitions") or {}
    found = [transitions.get("NextAction")] if transitions.get("NextAction") else []
    found += [entry.get("NextAction") for entry in transitions.get("Errors") or [] if isinstance(entry, dict)]
    found += [entry.get("NextAction") for entry in transitions.get("Conditions") or [] if isinstance(entry, dict)]
    return [target for target in found if isinstance(target, str)]


def _check_graph(start: Any, by_id: Mapping[str, Mapping[str, Any]], flag: Any) -> None:
    if start not in by_id:
        flag(None, "start-action", f"StartAction {start!r} is not an action's Identifier")
        return
    for identifier, action in by_id.items():
        for target in successors(action):
            if target not in by_id:
                flag(identifier, "dangling-next-action", f"goes to {target!r}, which is not an action of this flow")
    reachable, pending = set(), [start]
    while pending:
        current = pending.pop()
        if current in reachable or current not in by_id:
            continue
        reachable.add(current)
        pending.extend(successors(by_id[current]))
    for identifier in by_id:
        if identifier not in reachable:
            flag(identifier, "unreachable", "no path from the StartAction reaches this action")
    ends = {identifier for identifier, action in by_id.items() if _ends(action)}
    finishing, changed = set(ends), True
    while changed:
        changed = False
        for identifier, action in by_id.items():
            if identifier not in finishing and any(target in finishing for target in successors(action)):
                finishing.add(identifier)
                changed = True
    for identifier in sorted(reachable - finishing):
        flag(identifier, "path-never-ends", "no path from this action reaches an action that ends the flow")


def _ends(action: Mapping[str, Any]) -> bool:
    spec = CATALOGUE.get(str(action.get("Type")))
    return spec is not None and spec.terminal
