"""Deploy exactly what was reviewed: every stack of an env planned to a saved plan, approved, and
applied from that saved plan, in deployment order.

``cdktf deploy`` can neither apply a saved plan nor ask for approval without a terminal (it crashes
with Ink's "Raw mode is not supported"), so ``make deploy`` runs Terraform on the synthesized stacks
(what ``cdktf deploy`` runs) through this module:

- ``deploy ENV``: per stack, a saved plan; no changes: nothing to approve; changes: shown and
  approved on a terminal (``y``), or by ``AUTO_APPROVE=1`` (CI); without either it stops with exit
  3 before applying anything of that stack. Each approved plan is applied as saved.
- ``plan ENV --plans DIR``: the saved plans a pull request's reviewers see, with the commit they were
  made from (``DIR/release.json``), for the deploy workflow to keep as an artifact.
- ``apply ENV --plans DIR``: applies those plans, refusing (exit 4, nothing applied for that stack)
  when they are stale: the code changed since (another commit), the stack's state changed since
  (Terraform's own check), or an earlier stack's apply changed what a later plan read (re-planned
  and compared).

Exit codes: 0 applied or nothing to apply, 1 Terraform failed, 3 changes not approved, 4 stale plan.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from tools.deploy import PLAN_HAS_CHANGES, deployment_order, init, plan_only_stacks, stack_dir
from tools.terraform import REPO_ROOT, TerraformError, run_terraform

EXIT_NOT_APPROVED = 3
EXIT_STALE = 4
RELEASE_FILE = "release.json"


class NotApproved(RuntimeError):
    """A stack has changes nobody approved."""


class StalePlan(RuntimeError):
    """A saved plan no longer describes what applying it would do."""


@dataclass(frozen=True)
class StackPlan:
    stack: str
    changes: bool
    text: str  # Terraform's plan output, for the reviewer
    path: Path  # the saved plan


def plan_stack(outdir: Path, stack: str, plans: Path) -> StackPlan:
    directory = stack_dir(outdir, stack)
    init(directory)
    saved = (plans / f"{stack}.tfplan").resolve()
    result = run_terraform(directory, "plan", "-input=false", "-no-color", "-detailed-exitcode", f"-out={saved}",
                           ok_codes=(0, PLAN_HAS_CHANGES))  # fmt: skip
    return StackPlan(stack, result.returncode == PLAN_HAS_CHANGES, result.stdout, saved)


def planned_changes(outdir: Path, plan: StackPlan) -> list[dict[str, Any]]:
    """The resource changes a saved plan makes (what two plans are compared by)."""
    shown = json.loads(
        run_terraform(stack_dir(outdir, plan.stack), "show", "-json", "-no-color", str(plan.path)).stdout
    )
    return [
        {"address": change["address"], "actions": change["change"]["actions"], "after": change["change"].get("after")}
        for change in shown.get("resource_changes", [])
        if change["change"]["actions"] != ["no-op"]
    ]


def apply_saved(outdir: Path, plan: StackPlan) -> None:
    try:
        run_terraform(stack_dir(outdir, plan.stack), "apply", "-input=false", "-no-color", str(plan.path))
    except TerraformError as error:
        if "Saved plan is stale" in str(error):
            raise StalePlan(f"{plan.stack}: its state changed since the plan was made; plan and review again") from None
        raise


def summary(plan: StackPlan) -> str:
    lines = [line for line in plan.text.splitlines() if line.startswith(("Plan:", "Changes to Outputs"))]
    return "; ".join(lines) or "changes"


def approver(out: TextIO = sys.stdout, answers: TextIO = sys.stdin) -> Callable[[StackPlan], bool]:
    """AUTO_APPROVE=1 approves; on a terminal the person is asked per stack; otherwise nobody can."""
    if os.environ.get("AUTO_APPROVE") == "1":
        return lambda plan: True
    if not answers.isatty():

        def refuse(plan: StackPlan) -> bool:
            print(f"[{plan.stack}] has changes ({summary(plan)}) and no terminal to approve them: "
                  "set AUTO_APPROVE=1 (CI) or run on a terminal", file=out)  # fmt: skip
            return False

        return refuse

    def ask(plan: StackPlan) -> bool:
        print(plan.text, file=out)
        print(f"Apply these changes to {plan.stack}? [y/N] ", end="", file=out, flush=True)
        return answers.readline().strip().lower() in ("y", "yes")

    return ask


def deploy(outdir: Path, env: str, plans: Path, approve: Callable[[StackPlan], bool], out: TextIO = sys.stdout) -> None:
    """Plan, approve and apply every stack of ``env`` in order; stops at the first stack not approved."""
    plans.mkdir(parents=True, exist_ok=True)
    planned_only = set(plan_only_stacks(env))
    for stack in deployment_order(outdir, env):
        if stack in planned_only:
            print(f"[{stack}] skipped: the emulator does not serve it ([emulator] plan_only_layers)", file=out)
            continue
        plan = plan_stack(outdir, stack, plans)
        if not plan.changes:
            print(f"[{stack}] no changes", file=out)
            continue
        if not approve(plan):
            raise NotApproved(f"{stack} was not applied: its changes were not approved")
        apply_saved(outdir, plan)
        print(f"[{stack}] applied: {summary(plan)}", file=out)


def head_commit() -> str:
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"]
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def plan_release(outdir: Path, env: str, plans: Path, out: TextIO = sys.stdout) -> dict[str, Any]:
    """Saved plans of every stack, and what they were made from (``release.json``)."""
    plans.mkdir(parents=True, exist_ok=True)
    stacks = {}
    for stack in deployment_order(outdir, env):
        plan = plan_stack(outdir, stack, plans)
        stacks[stack] = {"changes": plan.changes, "summary": summary(plan) if plan.changes else "no changes"}
        print(f"[{stack}] {stacks[stack]['summary']}", file=out)
    release = {"env": env, "commit": head_commit(), "stacks": stacks}
    (plans / RELEASE_FILE).write_text(json.dumps(release, indent=2) + "\n")
    return release


def apply_release(outdir: Path, env: str, plans: Path, out: TextIO = sys.stdout) -> list[str]:
    """Apply the reviewed plans in order, refusing stale ones (see the module docstring)."""
    release = json.loads((plans / RELEASE_FILE).read_text())
    if release.get("env") != env:
        raise StalePlan(f"the plans are for env {release.get('env')!r}, not {env!r}")
    if release.get("commit") != head_commit():
        raise StalePlan(f"the plans were made from commit {release.get('commit')}, the code is now {head_commit()}")
    applied: list[str] = []
    for stack in deployment_order(outdir, env):
        reviewed = StackPlan(stack, release["stacks"][stack]["changes"], "", (plans / f"{stack}.tfplan").resolve())
        if applied:  # an earlier apply may have changed what this stack reads: plan again and compare
            fresh = plan_stack(outdir, stack, plans / "recheck")
            if planned_changes(outdir, fresh) != planned_changes(outdir, reviewed):
                raise StalePlan(f"{stack}: after {', '.join(applied)} applied, its plan is no longer the reviewed one")
        if not reviewed.changes:
            print(f"[{stack}] no changes", file=out)
            continue
        apply_saved(outdir, reviewed)
        applied.append(stack)
        print(f"[{stack}] applied: {release['stacks'][stack]['summary']}", file=out)
    return applied


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.release", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("deploy", "plan", "apply"))
    parser.add_argument("env")
    parser.add_argument("--outdir", type=Path, default=REPO_ROOT / "cdktf.out")
    parser.add_argument("--plans", type=Path, default=REPO_ROOT / "plans")
    args = parser.parse_args(argv)
    plans = args.plans / args.env
    try:
        if args.command == "deploy":
            deploy(args.outdir, args.env, plans, approver())
        elif args.command == "plan":
            plan_release(args.outdir, args.env, plans)
        else:
            apply_release(args.outdir, args.env, plans)
    except NotApproved as error:
        print(f"stopped: {error}", file=sys.stderr)
        return EXIT_NOT_APPROVED
    except StalePlan as error:
        print(f"refused: {error}", file=sys.stderr)
        return EXIT_STALE
    except TerraformError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{args.command} of {args.env}: done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
