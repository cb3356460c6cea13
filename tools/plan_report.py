"""Plan report for pull requests: ``python -m tools.plan_report ENV`` (``make plan-report ENV=...``).

For every stack of the env, in deployment order: ``terraform plan -out``, then ``terraform show
-json`` of the saved plan, turned into

- a Markdown comment body: per-stack counts (add / change / destroy / replace), blocking changes
  first, then destroys and replacements, then the other changes folded in ``<details>``; values
  marked sensitive by the provider are masked; the body fits GitHub's comment limit and says so
  when it was cut;
- a JSON summary with the same facts, for other tools.

A destroy or replace of a **stateful** resource (``STATEFUL_TYPES``: where the contact center's data
or keys live) is blocking: the command exits 3 unless ``--allow-stateful-changes`` is given.
Exit codes: 0 report written, nothing blocking; 3 blocking changes; 1 error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tools.deploy import (
    PLAN_HAS_CHANGES,
    PLAN_JOBS,
    PLAN_NO_CHANGES,
    deployment_order,
    for_each_stack,
    init,
)
from tools.terraform import REPO_ROOT, TerraformError, json_events, run_terraform

STATEFUL_TYPES = frozenset(
    {
        "aws_db_instance",
        "aws_dynamodb_table",
        "aws_s3_bucket",
        "aws_kms_key",
        "aws_kinesis_stream",
        "aws_connect_instance",
    }
)
GITHUB_COMMENT_LIMIT = 65536
MASK = "(sensitive)"
EXIT_BLOCKING = 3
PLAN_FILE = "tfplan"


@dataclass(frozen=True)
class AttributeChange:
    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ResourceChange:
    address: str
    type: str
    action: str  # create | update | delete | replace
    stateful: bool
    attributes: tuple[AttributeChange, ...] = ()

    @property
    def blocking(self) -> bool:
        return self.stateful and self.action in {"delete", "replace"}


@dataclass(frozen=True)
class StackReport:
    stack: str
    changes: tuple[ResourceChange, ...] = field(default_factory=tuple)

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def blocking(self) -> tuple[ResourceChange, ...]:
        return tuple(change for change in self.changes if change.blocking)


def action_of(actions: Sequence[str]) -> str | None:
    """Terraform's action list as one word; None for no-op and read."""
    if set(actions) == {"create", "delete"}:
        return "replace"
    if list(actions) in (["create"], ["update"], ["delete"]):
        return actions[0]
    return None


def _child(mask: Any, key: Any) -> Any:
    """The part of a sensitivity (or unknown) mask that covers ``key``; True covers everything below."""
    if mask is True:
        return True
    if isinstance(mask, dict):
        return mask.get(key, False)
    if isinstance(mask, list) and isinstance(key, int) and key < len(mask):
        return mask[key]
    return False


def attribute_changes(
    before: Any, after: Any, unknown: Any = False, before_sensitive: Any = False, after_sensitive: Any = False,
    prefix: str = "",
) -> list[AttributeChange]:  # fmt: skip
    """Leaf-level differences; a sensitive side shows as MASK (the change itself is still listed)."""
    path = prefix or "(value)"
    if unknown is True:
        return [AttributeChange(path, MASK if before_sensitive is True else before, "(known after apply)")]
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[AttributeChange] = []
        for key in sorted(set(before) | set(after)):
            found += attribute_changes(
                before.get(key), after.get(key), _child(unknown, key), _child(before_sensitive, key),
                _child(after_sensitive, key), f"{prefix}.{key}" if prefix else key,
            )  # fmt: skip
        return found
    if before == after:
        return []
    return [
        AttributeChange(path, MASK if before_sensitive is True else before, MASK if after_sensitive is True else after)
    ]


def resource_change(entry: Mapping[str, Any]) -> ResourceChange | None:
    change = entry["change"]
    action = action_of(change["actions"])
    if action is None:
        return None
    attributes = (
        tuple(
            attribute_changes(
                change.get("before") or {},
                change.get("after") or {},
                change.get("after_unknown", False),
                change.get("before_sensitive", False),
                change.get("after_sensitive", False),
            )
        )
        if action in {"update", "replace"}
        else ()
    )
    return ResourceChange(entry["address"], entry["type"], action, entry["type"] in STATEFUL_TYPES, attributes)


def stack_report(stack: str, plan: Mapping[str, Any]) -> StackReport:
    changes = (resource_change(entry) for entry in plan.get("resource_changes", []))
    return StackReport(stack, tuple(change for change in changes if change is not None))


def destroy_report(stack: str, events: Iterable[str]) -> StackReport:
    """A destroy plan's report from the events of `terraform plan -destroy -json`: a destroy lists
    each resource's address and type and no attribute (``_change_lines``), and the events name both,
    so the report needs no `terraform show -json` (which starts the provider again, a second or two)."""
    changes = []
    for event in json_events(events):
        if event.get("type") != "planned_change":
            continue
        change = event["change"]
        if change["action"] != "delete":
            raise TerraformError(f"[{stack}] a destroy plan would {change['action']} {change['resource']['addr']}")
        resource = change["resource"]
        kind = resource["resource_type"]
        changes.append(ResourceChange(resource["addr"], kind, "delete", kind in STATEFUL_TYPES))
    return StackReport(stack, tuple(sorted(changes, key=lambda change: change.address)))


def _value(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return f"`{text[:80]}{'...' if len(text) > 80 else ''}`"


def _change_lines(change: ResourceChange) -> list[str]:
    lines = [f"- **{change.action}** `{change.address}`{' (stateful)' if change.stateful else ''}"]
    lines += [f"  - `{a.path}`: {_value(a.before)} -> {_value(a.after)}" for a in change.attributes[:20]]
    if len(change.attributes) > 20:
        lines.append(f"  - ... and {len(change.attributes) - 20} more attributes")
    return lines


def markdown(env: str, reports: Sequence[StackReport], limit: int = GITHUB_COMMENT_LIMIT) -> str:
    blocking = [change for report in reports for change in report.blocking]
    lines = [f"## Plan for `{env}`", ""]
    if blocking:
        warning = f"**{len(blocking)} blocking change(s)**: stateful resources would be destroyed or replaced."
        lines += [f"> [!CAUTION]\n> {warning}", ""]
        for change in blocking:
            lines += _change_lines(change)
        lines.append("")
    lines += ["| Stack | Add | Change | Destroy | Replace |", "| --- | ---: | ---: | ---: | ---: |"]
    for report in reports:
        counts = " | ".join(str(report.count(action)) for action in ("create", "update", "delete", "replace"))
        lines.append(f"| `{report.stack}` | {counts} |")
    lines.append("")
    for report in reports:
        destructive = [c for c in report.changes if c.action in {"delete", "replace"} and not c.blocking]
        other = [c for c in report.changes if c.action in {"create", "update"}]
        if not destructive and not other:
            continue
        lines.append(f"### `{report.stack}`")
        for change in destructive:
            lines += _change_lines(change)
        if other:
            lines += ["", f"<details><summary>{len(other)} other change(s)</summary>", ""]
            for change in other:
                lines += _change_lines(change)
            lines += ["", "</details>"]
        lines.append("")
    if not any(report.changes for report in reports):
        lines.append("No changes. Every stack matches its state.")
    return fit(("\n".join(lines)).rstrip() + "\n", limit)


def fit(body: str, limit: int) -> str:
    """The body, cut to ``limit`` characters with a note saying where the full report is."""
    if len(body) <= limit:
        return body
    note = "\n\n---\n**Report truncated** to fit a GitHub comment; the full report is in the workflow artifacts.\n"
    cut = body[: limit - len(note)]
    if cut.count("<details>") > cut.count("</details>"):
        cut += "\n</details>"
        cut = cut[: limit - len(note)]
    return cut + note


def summary(env: str, reports: Sequence[StackReport]) -> dict[str, Any]:
    return {
        "env": env,
        "blocking": [asdict(change) for report in reports for change in report.blocking],
        "stacks": [
            {
                "stack": report.stack,
                "counts": {action: report.count(action) for action in ("create", "update", "delete", "replace")},
                "changes": [asdict(change) for change in report.changes],
            }
            for report in reports
        ],
    }


def detailed_plan(path: Path, *options: str, plan_file: str = PLAN_FILE) -> tuple[int, dict[str, Any]]:
    """A saved plan of one stack (``options``: e.g. ``-refresh-only``): `-detailed-exitcode` (0 no
    changes, 2 changes) and its JSON.

    A plan without changes is not shown: its JSON would only list every resource as a no-op, and
    `terraform show` starts the provider again (a second or two of CPU per stack)."""
    init(path)
    planned = run_terraform(
        path, "plan", *options, "-input=false", "-no-color", "-lock=false", "-detailed-exitcode", f"-out={plan_file}",
        ok_codes=(PLAN_NO_CHANGES, PLAN_HAS_CHANGES),
    )  # fmt: skip
    if planned.returncode == PLAN_NO_CHANGES:
        return planned.returncode, no_changes()
    shown = run_terraform(path, "show", "-json", "-no-color", plan_file)
    return planned.returncode, dict(json.loads(shown.stdout))


def no_changes() -> dict[str, Any]:
    """What a plan's JSON holds that the reports read, for a plan Terraform found empty."""
    return {"resource_changes": [], "resource_drift": [], "output_changes": {}}


def plan_stack(path: Path) -> dict[str, Any]:
    return detailed_plan(path)[1]


def report_env(outdir: Path, env: str, stacks: Iterable[str], jobs: int = PLAN_JOBS) -> list[StackReport]:
    """Every stack planned side by side (plans only read state), reported in the order given."""
    names = list(stacks)
    plans = for_each_stack(names, lambda name: plan_stack(outdir / "stacks" / name), jobs)
    return [stack_report(name, plan) for name, plan in zip(names, plans, strict=True)]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan_report", description=__doc__.splitlines()[0])
    parser.add_argument("env")
    parser.add_argument("--outdir", type=Path, default=REPO_ROOT / "cdktf.out")
    parser.add_argument("--report-dir", type=Path, default=REPO_ROOT / "reports")
    parser.add_argument("--allow-stateful-changes", action="store_true", help="do not fail on blocking changes")
    args = parser.parse_args(argv)
    try:
        reports = report_env(args.outdir, args.env, deployment_order(args.outdir, args.env))
    except TerraformError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    args.report_dir.mkdir(parents=True, exist_ok=True)
    body = markdown(args.env, reports)
    (args.report_dir / f"plan-{args.env}.md").write_text(body)
    (args.report_dir / f"plan-{args.env}.json").write_text(json.dumps(summary(args.env, reports), indent=2) + "\n")
    print(body)
    return exit_code(reports, allow_stateful_changes=args.allow_stateful_changes)


def exit_code(reports: Sequence[StackReport], *, allow_stateful_changes: bool) -> int:
    blocking = [change for report in reports for change in report.blocking]
    if blocking and not allow_stateful_changes:
        print(
            f"error: {len(blocking)} blocking change(s) to stateful resources; review them, then rerun with "
            "--allow-stateful-changes (make plan-report ALLOW_STATEFUL_CHANGES=1)",
            file=sys.stderr,
        )
        return EXIT_BLOCKING
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
