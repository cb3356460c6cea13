"""Apply synthesized stacks with plain Terraform, in dependency order, and check that they converge.

Used by `make local` (every stack of the `local` env against the emulator) and by the emulator
tests. Real accounts deploy through `cdktf deploy` (`make deploy ENV=...`), which runs the same
Terraform with the same CLI config.

Usage: ``python -m tools.deploy ENV [--outdir cdktf.out] [--plan] [--only STACK ...]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tools.terraform import REPO_ROOT, TerraformError, run_terraform

# `terraform plan -detailed-exitcode`: 0 = no changes, 2 = changes, 1 = error.
PLAN_NO_CHANGES = 0
PLAN_HAS_CHANGES = 2


def stack_dir(outdir: Path, stack_name: str) -> Path:
    path = outdir / "stacks" / stack_name
    if not (path / "cdk.tf.json").is_file():
        raise TerraformError(f"{path} has no cdk.tf.json: synthesize first (`make synth ENV=...`)")
    return path


def deployment_order(outdir: Path, env_name: str) -> list[str]:
    """The env's stacks from cdktf's manifest, each after the stacks it depends on (bootstrap first)."""
    manifest = json.loads((outdir / "manifest.json").read_text())["stacks"]
    suffix = f"-{env_name}"
    pending = {name: set(info["dependencies"]) for name, info in manifest.items() if name.endswith(suffix)}
    ordered: list[str] = sorted(name for name in pending if name.startswith("bootstrap-"))
    for name in ordered:
        pending.pop(name)
    while pending:
        ready = sorted(name for name, needs in pending.items() if needs <= set(ordered))
        if not ready:
            raise TerraformError(f"dependency cycle between stacks: {sorted(pending)}")
        ordered += ready
        for name in ready:
            pending.pop(name)
    return ordered


def init(path: Path) -> None:
    run_terraform(path, "init", "-input=false", "-no-color", "-reconfigure")


def apply(path: Path) -> None:
    init(path)
    run_terraform(path, "apply", "-input=false", "-no-color", "-auto-approve")


def plan_exit_code(path: Path) -> tuple[int, str]:
    """Exit code of a detailed plan (0 no changes, 2 changes) and its text, for convergence checks."""
    result = run_terraform(
        path, "plan", "-input=false", "-no-color", "-detailed-exitcode", ok_codes=(PLAN_NO_CHANGES, PLAN_HAS_CHANGES)
    )
    return result.returncode, result.stdout


def outputs(path: Path) -> dict[str, object]:
    result = run_terraform(path, "output", "-json", "-no-color")
    return {name: value["value"] for name, value in json.loads(result.stdout or "{}").items()}


def deploy_env(
    outdir: Path,
    env_name: str,
    report: Callable[[str], None] = print,
    only: Sequence[str] = (),
    plan_only: Sequence[str] = (),
) -> dict[str, dict[str, object]]:
    """Apply every stack of ``env_name`` (or just ``only``) in order; returns each stack's outputs.
    Stacks in ``plan_only`` (what the emulator cannot serve) are planned instead, and have no outputs."""
    applied: dict[str, dict[str, object]] = {}
    order = deployment_order(outdir, env_name)
    unknown = sorted(set(only) - set(order))
    if unknown:
        raise TerraformError(f"no such stack in env {env_name!r}: {', '.join(unknown)} (stacks: {', '.join(order)})")
    order = [name for name in order if not only or name in only]
    for position, name in enumerate(order, start=1):
        started = time.monotonic()
        report(f"[{position}/{len(order)}] applying {name} ...")
        path = stack_dir(outdir, name)
        if name in plan_only:
            init(path)
            code, _ = plan_exit_code(path)
            report(f"[{position}/{len(order)}] {name} planned, not applied (the emulator cannot serve it): "
                   f"{'changes pending' if code == PLAN_HAS_CHANGES else 'no changes'}")  # fmt: skip
            continue
        apply(path)
        applied[name] = outputs(path)
        report(f"[{position}/{len(order)}] {name} applied in {time.monotonic() - started:.0f} s")
    return applied


def plan_env(outdir: Path, env_name: str, report: Callable[[str], None] = print) -> dict[str, bool]:
    """Plan every stack of ``env_name`` in order, printing each plan; returns stack -> has changes."""
    changes: dict[str, bool] = {}
    for name in deployment_order(outdir, env_name):
        path = stack_dir(outdir, name)
        init(path)
        code, text = plan_exit_code(path)
        changes[name] = code == PLAN_HAS_CHANGES
        report(f"===== {name} =====\n{text}")
    for name, changed in changes.items():
        report(f"{name}: {'changes' if changed else 'no changes'}")
    return changes


def plan_only_stacks(env_name: str) -> tuple[str, ...]:
    """On the emulator tier, the stacks of the layers it cannot serve (see envs/schema.EmulatorConfig)."""
    from envs import load_envs

    [config] = load_envs([env_name])
    return config.emulator.plan_only_stacks(env_name) if config.emulator else ()


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("env")
    parser.add_argument("--outdir", type=Path, default=REPO_ROOT / "cdktf.out")
    parser.add_argument("--plan", action="store_true", help="plan every stack instead of applying")
    parser.add_argument("--only", nargs="+", default=(), metavar="STACK", help="apply only these stacks")
    args = parser.parse_args(argv)
    try:
        if args.plan:
            plan_env(args.outdir, args.env)
            return 0
        applied = deploy_env(args.outdir, args.env, only=args.only, plan_only=plan_only_stacks(args.env))
    except TerraformError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\nOutputs:")
    for stack, values in applied.items():
        for name, value in values.items():
            print(f"  {stack}.{name} = {json.dumps(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
