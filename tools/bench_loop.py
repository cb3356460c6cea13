"""The local loop's figures for ``make bench``: ``make local`` from a stopped emulator, the plan, plan
report and drift of the applied env, the test suite, and the cold start of the functions a caller
waits on; and, per stack, the floor the provider's fixed waits leave (tools/provider_waits.py).

The floor of a stack is the longest chain of fixed waits among its resources (what even an
emulator that answers at once cannot beat); "ready" is the part its readers wait for. The floor of
the whole deploy follows the stack graph: a stack starts when the stacks it reads are ready.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.provider_waits import FIXED_WAITS, PROVIDER
from tools.stack_graph import StackConfig, StackGraph, stack_graph

ROOT = Path(__file__).resolve().parent.parent
LOCAL = "local"
MAKE_LOCAL_TARGET_SECONDS = 150.0
MAKE_TEST_TARGET_SECONDS = 360.0
PLAN_TARGET_SECONDS = 40.0
COLD_START_TARGET_SECONDS = 0.5


@dataclass(frozen=True)
class StackFloor:
    """One stack of a deploy: what it took (from reports/deploy-<env>.json) and what it cannot beat."""

    stack: str
    started: float | None
    ready: float | None
    finished: float | None
    floor_ready: float  # fixed waits before its readers may start
    floor_whole: float  # fixed waits of the whole stack
    chain: tuple[str, ...]  # resource types on the longest chain of the whole stack


def stack_floors(outdir: Path, env: str, deploy_report: Mapping[str, Any]) -> list[StackFloor]:
    graph = stack_graph(outdir, env)
    runs = {run["name"]: run for run in deploy_report["stacks"]}
    floors = []
    for name in graph.order:
        stack = StackConfig.load(outdir, name)
        whole, chain = stack.wait_floor()
        targets = graph.nodes[name].ready_targets
        ready = stack.wait_floor(targets)[0] if targets is not None else whole
        run = runs.get(name, {})
        floors.append(
            StackFloor(
                name,
                run.get("started"),
                run.get("ready"),
                run.get("finished"),
                ready,
                whole,
                tuple(address.split(".")[0] for address in chain),
            )
        )
    return floors


def deploy_floor(graph: StackGraph, floors: Sequence[StackFloor]) -> float:
    """The least a deploy of the graph can take: each stack starts when what it reads is ready."""
    by_name = {floor.stack: floor for floor in floors}
    ready_at: dict[str, float] = {}
    done_at: dict[str, float] = {}
    for name in graph.order:
        start = max((ready_at[need] for need in graph.nodes[name].needs if need in ready_at), default=0.0)
        ready_at[name] = start + by_name[name].floor_ready
        done_at[name] = start + by_name[name].floor_whole
    return max(done_at.values(), default=0.0)


def render_floors(floors: Sequence[StackFloor], total_floor: float, wall: float) -> str:
    def seconds(value: float | None) -> str:
        return f"{value:.0f}" if value is not None else "-"

    header = f"{'stack':<20} {'start s':>8} {'ready s':>8} {'done s':>8} {'floor ready':>12} {'floor done':>11}  chain"
    lines = [header, "-" * len(header)]
    for floor in floors:
        took = (floor.finished or 0) - (floor.started or 0)
        lines.append(
            f"{floor.stack:<20} {seconds(floor.started):>8} {seconds(floor.ready):>8} {seconds(floor.finished):>8} "
            f"{floor.floor_ready:>12.0f} {floor.floor_whole:>11.0f}  {' -> '.join(floor.chain) or '-'} "
            f"(applied in {took:.0f} s)"
        )
    used = sorted({kind for floor in floors for kind in floor.chain})
    lines += ["", f"Fixed waits of {PROVIDER} on those chains:"]
    for kind in used:
        wait = FIXED_WAITS[kind]
        lines.append(f"  {kind}: {wait.seconds:.0f} s, {wait.source}: {wait.schedule}")
    lines.append(
        f"\nfloor of the whole deploy (fixed waits along the stack graph): {total_floor:.0f} s; "
        f"`make local` measured {wall:.0f} s"
    )
    return "\n".join(lines)


@dataclass(frozen=True)
class Timed:
    label: str
    seconds: float


def timed(label: str, command: Sequence[str], env: Mapping[str, str], log: Path) -> Timed:
    """Run ``command`` in the project root (output to ``log``); refuse a failure with its output."""
    import time

    started = time.perf_counter()
    with log.open("w") as output:
        done = subprocess.run(list(command), cwd=ROOT, env=dict(env), stdout=output, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    if done.returncode not in (0,):
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
        raise RuntimeError(f"{label}: `{' '.join(command)}` exited {done.returncode}:\n{tail}")
    return Timed(label, seconds)


def measure_loop(
    env: Mapping[str, str], work: Path, with_tests: bool, progress: Callable[[str], None]
) -> dict[str, Any]:
    """Every local-loop figure, measured one after the other on this machine."""
    make = ["make", "--no-print-directory"]
    log = work / "loop.log"
    results: dict[str, Any] = {}
    progress("local loop: stopping any emulator, dropping local state")
    subprocess.run([*make, "local-down"], cwd=ROOT, env=dict(env), capture_output=True, check=False)
    try:
        progress("local loop: make local (emulator stopped, venv installed)")
        results["make local"] = timed("make local", [*make, "local"], env, log)
        report = json.loads((ROOT / "reports" / f"deploy-{LOCAL}.json").read_text())
        floors = stack_floors(ROOT / "cdktf.out", LOCAL, report)
        results["floors"] = floors
        results["deploy floor"] = deploy_floor(stack_graph(ROOT / "cdktf.out", LOCAL), floors)
        results["deploy seconds"] = report["seconds"]
        for target in ("plan", "plan-report", "drift"):
            progress(f"local loop: make {target} ENV=local (applied, unchanged)")
            results[f"make {target}"] = timed(f"make {target}", [*make, target, f"ENV={LOCAL}"], env, log)
    finally:
        subprocess.run([*make, "local-down"], cwd=ROOT, env=dict(env), capture_output=True, check=False)
    progress("local loop: cold starts (fresh processes against the emulator)")
    from tools.cold_start import measure as cold_starts

    results["cold starts"] = cold_starts()
    if with_tests:
        progress("local loop: make test's pytest part (python -m tools.run_tests)")
        results["make test"] = timed("make test (pytest part)", [sys.executable, "-m", "tools.run_tests"], env, log)
    return results
