"""Pictures of the flows: one Mermaid flowchart per flow and module, per environment (``make flows``).

The diagrams are drawn from the flows as rendered for the env (menu, recording and prompts from
its config) with readable names where the deployed flow has ARNs, and written to
``docs/flows/<env>/<name>.md`` with an index at ``docs/flows/README.md``. A test checks that the
committed pictures are what ``make flows`` draws now, so they cannot go stale.

Usage: ``python -m modules.connect_flows.diagram [--out docs/flows]``
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from envs import EnvConfig, load_envs
from modules.connect_flows.templates import ROOT, References, Template, load_templates, render

OUT = ROOT / "docs" / "flows"
TEXT_LIMIT = 60
# The parameter that says most about a block, per action type.
KEY_PARAMETER = {
    "MessageParticipant": "Text",
    "GetParticipantInput": "Text",
    "InvokeLambdaFunction": "LambdaFunctionARN",
    "UpdateContactTargetQueue": "QueueId",
    "InvokeFlowModule": "FlowModuleId",
    "Compare": "ComparisonValue",
    "Loop": "LoopCount",
    "UpdateFlowLoggingBehavior": "FlowLoggingBehavior",
    "UpdateContactMediaStreamingBehavior": "MediaStreamingState",
    "UpdateContactCallbackNumber": "CallbackNumber",
}


def readable_references(config: EnvConfig, templates: Sequence[Template], functions: Sequence[str]) -> References:
    return References(
        queues={queue: f"queue {queue}" for queue in config.connect.queue_names},
        functions={name: f"function {name}" for name in functions},
        modules={t.name: f"module {t.name}" for t in templates if t.kind == "module"},
        flows={t.name: f"flow {t.name}" for t in templates if t.kind == "flow"},
    )


def _label(action: Mapping[str, Any]) -> str:
    kind = str(action.get("Type"))
    parameters = action.get("Parameters") or {}
    detail = ""
    if kind == "UpdateContactEventHooks":
        detail = ", ".join(f"{hook}: {target}" for hook, target in (parameters.get("EventHooks") or {}).items())
    elif kind == "UpdateContactAttributes":
        detail = ", ".join(sorted(parameters.get("Attributes") or {}))
    elif kind in KEY_PARAMETER:
        detail = str(parameters.get(KEY_PARAMETER[kind], ""))
    elif kind == "UpdateContactRecordingBehavior":
        recorded = (parameters.get("RecordingBehavior") or {}).get("RecordedParticipants") or ["nobody"]
        analytics = "analytics on" if (parameters.get("AnalyticsBehavior") or {}).get("Enabled") == "True" else ""
        detail = " ".join(filter(None, ["records " + " + ".join(recorded), analytics]))
    if len(detail) > TEXT_LIMIT:
        detail = detail[: TEXT_LIMIT - 1] + "…"
    text = f"{action['Identifier']}<br/><i>{kind}</i>" + (f"<br/>{detail}" if detail else "")
    return text.replace('"', "#quot;")


def mermaid(content: Mapping[str, Any]) -> str:
    """A ``flowchart LR`` of the flow: a node per action, an edge per transition, labelled by why."""
    actions = content["Actions"]
    ids = {action["Identifier"]: f"a{index}" for index, action in enumerate(actions)}
    lines = ["flowchart LR", "  start((start))", f"  start --> {ids[content['StartAction']]}"]
    for action in actions:
        node = ids[action["Identifier"]]
        opening, closing = ('["', '"]') if action.get("Transitions") else ('(["', '"])')  # ends: rounded
        lines.append(f"  {node}{opening}{_label(action)}{closing}")
        transitions = action.get("Transitions") or {}
        for condition in transitions.get("Conditions") or []:
            inner = condition["Condition"]
            operand = ", ".join(map(str, inner.get("Operands", [])))
            lines.append(f'  {node} -- "{inner.get("Operator")} {operand}" --> {ids[condition["NextAction"]]}')
        for error in transitions.get("Errors") or []:
            lines.append(f'  {node} -. "{error["ErrorType"]}" .-> {ids[error["NextAction"]]}')
        if transitions.get("NextAction"):
            lines.append(f"  {node} --> {ids[transitions['NextAction']]}")
    return "\n".join(lines) + "\n"


def page(template: Template, config: EnvConfig, content: Mapping[str, Any]) -> str:
    kind = "Flow module" if template.kind == "module" else f"Flow ({template.flow_type.value})"
    return (
        f"# `{template.name}` in `{config.name}`\n\n{kind}, from `{template.source}`. {template.description}.\n\n"
        "Solid arrows: the next block; labelled arrows: a condition's result; dotted arrows: an error.\n\n"
        f"```mermaid\n{mermaid(content)}```\n"
    )


def draw(configs: Sequence[EnvConfig], functions: Sequence[str], out: Path = OUT) -> dict[Path, str]:
    """Every page ``make flows`` writes (path -> Markdown), the index included."""
    templates = load_templates()
    pages: dict[Path, str] = {}
    index = [
        "# Contact flows",
        "",
        "Drawn by `make flows` from `modules/connect_flows/`, as each env renders them.",
        "",
    ]
    for config in configs:
        references = readable_references(config, templates, functions)
        index.append(f"## {config.name}\n")
        for template in templates:
            path = out / config.name / f"{template.name}.md"
            pages[path] = page(template, config, render(template, config, references))
            index.append(f"- [{template.name}]({config.name}/{template.name}.md): {template.description}")
        index.append("")
    pages[out / "README.md"] = "\n".join(index)
    return pages


def main(argv: Sequence[str]) -> int:
    from modules.naming import Function

    parser = argparse.ArgumentParser(prog="python -m modules.connect_flows.diagram", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    pages = draw(load_envs(), [f.value for f in Function], args.out)
    for path, text in pages.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(pages)} pages under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
