"""How the emulated Connect checks a flow or module's content when it is created or updated.

AWS refuses a published flow whose content breaks the flow language, or that points at a queue,
flow, module or hours that do not exist, or at a Lambda function not associated with the instance
(InvalidContactFlowException, one ``problems`` entry per finding). The language rules are the
platform's own checker (``modules/connect_flows/checker.py``, the catalogue from the reference);
the references are checked against the instance's contents here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from modules.connect_flows.checker import Problem, check, strings
from modules.connect_flows.language import FlowType, flow_targets

CONNECT_ARN = re.compile(
    r"^arn:aws[a-z-]*:connect:(?P<region>[^:]+):(?P<account>\d{12}):instance/(?P<instance>[^/]+)"
    r"/(?P<kind>queue|contact-flow|flow-module|operating-hours|prompt|agent|transfer-destination)/(?P<id>[^/]+)$"
)
LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:[^:]+(:[^:]+)?$")
# Parameters whose value is a bare id (not an ARN) of something in the instance.
ID_PARAMETERS = {
    ("InvokeFlowModule", "FlowModuleId"): "flow-module",
    ("CheckHoursOfOperation", "HoursOfOperationId"): "operating-hours",
    ("UpdateContactTargetQueue", "QueueId"): "queue",
    ("TransferToFlow", "ContactFlowId"): "contact-flow",
}
KIND_NAMES = {
    "queue": "queue",
    "contact-flow": "flow",
    "flow-module": "flow module",
    "operating-hours": "hours of operation",
    "prompt": "prompt",
    "agent": "user",
    "transfer-destination": "quick connect",
}


@dataclass(frozen=True)
class InstanceView:
    """What the check needs to know about the instance the flow belongs to."""

    instance_id: str
    exists: Callable[[str, str], bool]  # (kind, id) -> is it in this instance
    flow_type: Callable[[str], str | None]  # flow id -> its type
    lambda_associated: Callable[[str], bool]  # function ARN -> associated with this instance


def problems(content: str, flow_type: FlowType, name: str, instance: InstanceView) -> list[str]:
    """Every reason AWS would refuse ``content`` for a flow (or module) named ``name``."""
    try:
        document = json.loads(content)
    except ValueError as error:
        return [f"the content is not valid JSON: {error}"]
    if not isinstance(document, dict):
        return ["the content must be a JSON object with Version, StartAction and Actions"]
    found = [str(problem) for problem in check(document, flow_type, name)]
    listed = document.get("Actions")
    actions: list[Any] = listed if isinstance(listed, list) else []
    for action in actions:
        if isinstance(action, dict):
            found += [str(Problem(name, action.get("Identifier"), "reference", problem))
                      for problem in _references(action, instance)]  # fmt: skip
    return found


def _references(action: Mapping[str, Any], instance: InstanceView) -> Iterable[str]:
    raw = action.get("Parameters")
    parameters: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
    for value in strings(parameters):
        yield from _arn_problems(value, instance)
    for (action_type, parameter), kind in ID_PARAMETERS.items():
        given = parameters.get(parameter)
        if action.get("Type") != action_type or not isinstance(given, str) or _dynamic(given):
            continue
        if not CONNECT_ARN.match(given) and not instance.exists(kind, given):
            yield f"{parameter} {given} is not a {KIND_NAMES[kind]} of this instance"
    for target, allowed in flow_targets(action):
        if _dynamic(target):
            continue
        match = CONNECT_ARN.match(target)
        flow_id = match["id"] if match else target
        flow_kind = instance.flow_type(flow_id)
        if flow_kind is not None and flow_kind not in allowed:
            wanted = " or ".join(sorted(allowed))
            yield f"{target} is a {flow_kind} flow; {action.get('Type')} needs a {wanted} flow"


def _arn_problems(value: str, instance: InstanceView) -> Iterable[str]:
    match = CONNECT_ARN.match(value)
    if match:
        kind = KIND_NAMES[match["kind"]]
        if match["instance"] != instance.instance_id:
            yield f"{value} belongs to another instance"
        elif not instance.exists(match["kind"], match["id"]):
            yield f"{value} is not a {kind} of this instance"
    elif LAMBDA_ARN.match(value) and not instance.lambda_associated(value):
        yield f"the Lambda function {value} is not associated with this instance"


def _dynamic(value: str) -> bool:
    return value.startswith("$.")
