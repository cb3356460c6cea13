"""The local loop's figures for ``make bench``: ``make local`` from a stopped emulator, the plan, plan
report and drift of the applied env, the test suite, and the cold start of the functions a caller
waits on; and, per stack, the floor the provider's fixed waits leave (tools/provider_waits.py).

The floors are times from the start of the deploy: the least that can pass, through the provider's
fixed waits alone, before a stack's readers may start ("floor ready") and before its last resource
is created ("floor done"), following every chain of waits across stacks (tools/stack_graph.py: a
resource waits for what it refers to in its stack and, when it reads another stack, for what that
stack's readers need). The floor of the whole deploy is its longest such chain, named resource by
resource: even an emulator that answers at once cannot beat it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.provider_waits import DB_INSTANCE_DELETED, DB_INSTANCE_RESTORED, FIXED_WAITS, PROVIDER
from tools.recovery import DRILL_REPORT
from tools.stack_graph import StackConfig, StackGraph, StackNode, stack_graph

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
    floor_ready: float  # seconds after the deploy starts before its readers may start, at least
    floor_whole: float  # seconds after the deploy starts before it is done, at least
    chain: tuple[str, ...]  # resource types on the longest chain of waits inside the stack


def stack_floors(graph: StackGraph, outdir: Path, deploy_report: Mapping[str, Any]) -> list[StackFloor]:
    runs = {run["name"]: run for run in deploy_report["stacks"]}
    floors = []
    for name in graph.order:
        node = graph.nodes[name]
        _, chain = StackConfig.load(outdir, name).wait_floor()
        run = runs.get(name, {})
        floors.append(
            StackFloor(
                name,
                run.get("started"),
                run.get("ready"),
                run.get("finished"),
                _created_by(node, node.read or node.resources),
                _created_by(node, node.resources),
                tuple(address.split(".")[0] for address in chain),
            )
        )
    return floors


def _created_by(node: StackNode, addresses: Iterable[str]) -> float:
    """The least time after the deploy starts by which ``addresses`` can all be created."""
    return max((node.resources[a].head + node.resources[a].own_wait for a in addresses), default=0.0)


def deploy_floor(graph: StackGraph) -> tuple[float, list[str]]:
    """The least a deploy of the graph can take, and its chain of fixed waits ("stack: type", in order)."""
    chain = [f"{stack}: {address.split('.')[0]}" for stack, address in graph.critical_chain()]
    return graph.longest_chain, chain


def render_floors(floors: Sequence[StackFloor], total_floor: float, critical: Sequence[str], wall: float) -> str:
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
    used = sorted({kind for floor in floors for kind in floor.chain} | {link.split(": ")[1] for link in critical})
    lines += ["", f"Fixed waits of {PROVIDER} on those chains:"]
    for kind in used:
        wait = FIXED_WAITS[kind]
        lines.append(f"  {kind}: {wait.seconds:.0f} s, {wait.source}: {wait.schedule}")
    lines.append(
        f"\nfloor of the whole deploy (its longest chain of fixed waits: {' -> '.join(critical) or '-'}): "
        f"{total_floor:.0f} s; `make local` measured {wall:.0f} s"
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
        graph = stack_graph(ROOT / "cdktf.out", LOCAL)
        results["floors"] = stack_floors(graph, ROOT / "cdktf.out", report)
        results["deploy floor"], results["critical chain"] = deploy_floor(graph)
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
        results["drill"] = DrillFigures.load(DRILL_REPORT)
    return results


@dataclass(frozen=True)
class DrillFigures:
    """What the DR drill, the emulator level's longest path, took per step, and each step's floor
    with what sets it (``tests/emulator/dr_drill.py`` writes them to ``DRILL_REPORT``)."""

    seconds: dict[str, float]
    floors: dict[str, float]
    floor_sources: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> DrillFigures:
        report = json.loads(path.read_text())
        return cls(report["seconds"], report["floors"], report["floor_sources"])


def render_drill(drill: DrillFigures, make_test: float) -> str:
    """The drill's steps beside their floors: how far `make test` is from what it cannot beat."""
    header = f"{'step':<58} {'measured s':>10} {'floor s':>8}  floor from"
    lines = [header, "-" * len(header)]
    for step, seconds in drill.seconds.items():
        floor = drill.floors.get(step)
        shown = f"{floor:>8.0f}" if floor is not None else f"{'-':>8}"
        lines.append(f"{step:<58} {seconds:>10.1f} {shown}  {drill.floor_sources.get(step, '')}".rstrip())
    measured, floor = sum(drill.seconds.values()), sum(drill.floors.values())
    lines.append(f"{'the steps together':<58} {measured:>10.1f} {floor:>8.0f}")
    lines += ["", f"Fixed waits of {PROVIDER} in the recovery steps:"]
    for kind, wait in (("deleted", DB_INSTANCE_DELETED), ("restored", DB_INSTANCE_RESTORED)):
        lines.append(f"  aws_db_instance {kind}: {wait.seconds:.0f} s, {wait.schedule}")
    lines.append(
        f"\n`make test`'s pytest part measured {make_test:.0f} s (goal {MAKE_TEST_TARGET_SECONDS:.0f} s); the drill's "
        f"steps took {measured:.0f} s and cannot take less than {floor:.0f} s (the provider's fixed waits); "
        f"the other {make_test - measured:.0f} s are pytest's start and end around the drill"
    )
    return "\n".join(lines)
