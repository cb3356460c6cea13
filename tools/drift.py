"""Drift detection: ``python -m tools.drift ENV`` (``make drift ENV=...``).

For every applied stack of the env, side by side (they only read): a refresh-only plan with
``-detailed-exitcode``, saved and read back with ``terraform show -json``. Each entry of
``resource_drift`` is reported with its attribute-level before/after (sensitive values masked),
minus the attributes that ``security/drift-ignore.toml`` declares known noise. Markdown and JSON go to ``reports/``.

Exit codes: 0 no drift, 2 drift, 1 error.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tools.deploy import deployment_order, for_each_stack, plan_only_stacks
from tools.plan_report import AttributeChange, attribute_changes, detailed_plan
from tools.terraform import REPO_ROOT, TerraformError

IGNORE_FILE = REPO_ROOT / "security" / "drift-ignore.toml"
PLAN_FILE = "drift.tfplan"
EXIT_DRIFT = 2
ITEM_NAMES = ("Identifier", "channel", "day", "name")  # what names an item of a list in a diff


@dataclass(frozen=True)
class IgnoreRule:
    """Attributes of matching resource types that drift without meaning anything (documented noise)."""

    types: tuple[str, ...]
    attributes: tuple[str, ...]
    reason: str

    def ignores(self, resource_type: str, path: str) -> bool:
        if not any(fnmatch.fnmatchcase(resource_type, pattern) for pattern in self.types):
            return False
        return any(
            path == attribute or path.startswith((f"{attribute}.", f"{attribute}[")) for attribute in self.attributes
        )


def load_ignore_rules(path: Path = IGNORE_FILE) -> list[IgnoreRule]:
    if not path.is_file():
        return []
    rules = []
    for index, entry in enumerate(tomllib.loads(path.read_text()).get("ignore", [])):
        if not entry.get("reason") or not entry.get("types") or not entry.get("attributes"):
            raise ValueError(f"{path.name}: ignore entry {index} needs types, attributes and a reason")
        rules.append(IgnoreRule(tuple(entry["types"]), tuple(entry["attributes"]), entry["reason"]))
    return rules


@dataclass(frozen=True)
class DriftedResource:
    stack: str
    address: str
    type: str
    action: str  # update (changed out of band) or delete (gone)
    attributes: tuple[AttributeChange, ...]


def canonical(value: Any) -> Any:
    """A value as AWS means it: unset and empty are the same (state ``null``, API ``[]``, ``{}``, ``""``,
    ``false``), and a JSON document is its parsed content, not its whitespace or key order."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return canonical(json.loads(value))
        except ValueError:
            return value
    if isinstance(value, dict):
        kept = {key: canonical(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item is not None} or None
    if isinstance(value, list):
        return [canonical(item) for item in value] or None
    return None if value is False or value == "" else value


def precise(change: AttributeChange) -> list[AttributeChange]:
    """``change`` down to the leaves that differ, through lists of the same length too: a flow edited
    in the console shows as ``content.Actions[hold].Parameters.Text``, not as two long lists."""

    def walk(path: str, before: Any, after: Any) -> list[AttributeChange]:
        if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
            return [
                leaf
                for index, pair in enumerate(zip(before, after, strict=True))
                for leaf in walk(_item(path, index, *pair), *pair)
            ]
        if isinstance(before, dict) and isinstance(after, dict):
            keys = sorted(set(before) | set(after))
            return [leaf for key in keys for leaf in walk(f"{path}.{key}", before.get(key), after.get(key))]
        return [] if before == after else [AttributeChange(path, before, after)]

    return walk(change.path, change.before, change.after)


def _item(path: str, index: int, before: Any, after: Any) -> str:
    """A list item by what names it when both sides agree (a flow action's ``Identifier``, a channel,
    a day), else by its index."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in ITEM_NAMES:
            name = before.get(key)
            if isinstance(name, str) and after.get(key) == name:
                return f"{path}[{name}]"
    return f"{path}[{index}]"


def drifted_resources(stack: str, plan: dict[str, Any], rules: Sequence[IgnoreRule]) -> list[DriftedResource]:
    found = []
    for entry in plan.get("resource_drift", []):
        change = entry["change"]
        action = "delete" if change["actions"] == ["delete"] else "update"
        attributes = tuple(
            attribute
            for found in attribute_changes(
                canonical(change.get("before")) or {}, canonical(change.get("after")) or {}, False,
                change.get("before_sensitive", False), change.get("after_sensitive", False),
            )
            for attribute in precise(found)
            if not any(rule.ignores(entry["type"], attribute.path) for rule in rules)
        )  # fmt: skip
        if action == "delete" or attributes:
            found.append(DriftedResource(stack, entry["address"], entry["type"], action, attributes))
    return found


def refresh_only_plan(path: Path) -> dict[str, Any]:
    """What a refresh of one stack found; not shown when Terraform found nothing (exit 0)."""
    return detailed_plan(path, "-refresh-only", plan_file=PLAN_FILE)[1]


def markdown(env: str, drifted: Sequence[DriftedResource]) -> str:
    if not drifted:
        return f"## Drift in `{env}`\n\nNo drift: every resource matches its state.\n"
    lines = [f"## Drift in `{env}`", "", f"{len(drifted)} resource(s) changed outside Terraform:", ""]
    for resource in drifted:
        lines.append(f"- `{resource.stack}`: **{resource.action}** `{resource.address}`")
        for attribute in resource.attributes:
            before, after = json.dumps(attribute.before, default=str), json.dumps(attribute.after, default=str)
            lines.append(f"  - `{attribute.path}`: state `{before[:80]}` -> real `{after[:80]}`")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.drift", description=__doc__.splitlines()[0])
    parser.add_argument("env")
    parser.add_argument("--outdir", type=Path, default=REPO_ROOT / "cdktf.out")
    parser.add_argument("--report-dir", type=Path, default=REPO_ROOT / "reports")
    args = parser.parse_args(argv)
    try:
        rules = load_ignore_rules()
        skipped = set(plan_only_stacks(args.env))
        stacks = [name for name in deployment_order(args.outdir, args.env) if name not in skipped]
        plans = for_each_stack(stacks, lambda name: refresh_only_plan(args.outdir / "stacks" / name))
        drifted = [
            found for name, plan in zip(stacks, plans, strict=True) for found in drifted_resources(name, plan, rules)
        ]
    except (TerraformError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    args.report_dir.mkdir(parents=True, exist_ok=True)
    body = markdown(args.env, drifted)
    (args.report_dir / f"drift-{args.env}.md").write_text(body)
    document = {"env": args.env, "drifted": [asdict(resource) for resource in drifted]}
    (args.report_dir / f"drift-{args.env}.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(body)
    return EXIT_DRIFT if drifted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
