"""``make bench``: what synth, Lambda packaging and the fast test levels cost, measured in one run.

Every figure comes from a child process run here, on this machine, one after the other (the machine
has 2 cores; runs never overlap). Memory is reported two ways, because jsii splits the work between
Python and a Node process: the largest single process (what ``/usr/bin/time -v`` calls "Maximum
resident set size", from ``wait4``) and the whole process tree summed (sampled from ``/proc`` every
50 ms). The targets are checked against the printed figures; the command exits 1 when one is missed.

Rows:
- floor: a bare ``import`` of cdktf and the provider modules this project uses, the standard way.
- naive: ``cdktf synth`` once per environment with jsii's defaults and the standard import
  (``PLATFORM_EAGER_PROVIDER_IMPORT=1``), as a project without our loader would run.
- one process, standard import: every environment in one ``main.py`` run, without our loader.
- ours: ``main.py`` as ``make synth`` runs it, twice (the two outputs must be byte-identical).
- Lambda packaging into an empty folder (pip's own download cache left as found), then again warm.
- the unit and validate test levels, each as its own pytest run.
- the local loop (``tools/bench_loop.py``): ``make local`` from a stopped emulator with, per stack,
  the floor the provider's fixed waits leave; ``make plan``/``plan-report``/``drift`` of the applied
  env; the cold start of the functions a caller waits on; ``make test``'s pytest part.
"""

from __future__ import annotations

import argparse
import ast
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from envs import env_names, load_envs
from tools.jsii_env import EAGER_IMPORT_VARIABLE, NODE_PRELOAD, PROVIDER_PACKAGE, QUIET_NODE_MAJORS
from tools.terraform import write_cli_config

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
REPORT = ROOT / "reports" / "bench.json"
CONSTRUCT_SOURCES = (ROOT / "modules", ROOT / "stacks")
SAMPLE_SECONDS = 0.05  # one /proc scan costs ~2 ms of a core; sampling must not slow what it measures

FLOOR_RATIO_TARGET = 1.3
NAIVE_SPEEDUP_TARGET = 3.0
PEAK_RSS_TARGET_MB = 700.0
WARM_BUILD_TARGET_SECONDS = 1.0


class BenchError(RuntimeError):
    """A measured command failed: its figures would mean nothing."""


@dataclass(frozen=True)
class Measurement:
    label: str
    seconds: float
    process_peak_mb: float
    tree_peak_mb: float
    runs: int = 1
    # Only synth and import rows are compared with the import floor.
    against_floor: bool = True


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    goal: str
    met: bool


class TreeMemorySampler(threading.Thread):
    """Peak of the summed RSS of a process and all its descendants, polled from /proc."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_kb = max(self.peak_kb, sum(resident_kb(pid) for pid in process_tree(self.pid)))
            self._done.wait(self.interval)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak_kb


def process_tree(root: int) -> list[int]:
    """``root`` and every live descendant (by parent pid, from /proc/<pid>/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    tree, index = [root], 0
    while index < len(tree):
        tree.extend(children.get(tree[index], []))
        index += 1
    return tree


def resident_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(
    label: str, command: Sequence[str], env: Mapping[str, str], log: Path, against_floor: bool = True
) -> Measurement:
    """Run ``command`` to completion and measure it; its output goes to ``log``."""
    with log.open("w") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=dict(env), stdout=output, stderr=subprocess.STDOUT)
        sampler = TreeMemorySampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        tree_peak_kb = sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise BenchError(f"{label}: `{' '.join(command)}` exited {process.returncode}:\n{tail}")
    # ru_maxrss is in KB on Linux; the sampler can miss a peak between two polls, wait4 cannot.
    peaks = usage.ru_maxrss / 1024, max(tree_peak_kb, usage.ru_maxrss) / 1024
    return Measurement(label, seconds, *peaks, against_floor=against_floor)


def combined(label: str, runs: Sequence[Measurement]) -> Measurement:
    """Sequential runs: times add up, the peak is the largest of them."""
    return Measurement(
        label,
        sum(run.seconds for run in runs),
        max(run.process_peak_mb for run in runs),
        max(run.tree_peak_mb for run in runs),
        runs=len(runs),
    )


def provider_modules_used(sources: Iterable[Path] = CONSTRUCT_SOURCES) -> list[str]:
    """The provider modules our constructs import (``vpc``, ``lambda_function``, ...), read from the code."""
    used = set()
    for folder in sources:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                module = node.module if isinstance(node, ast.ImportFrom) else None
                if module and module.startswith(f"{PROVIDER_PACKAGE}."):
                    used.add(module.split(".")[1])
    return sorted(used)


def floor_command(modules: Sequence[str]) -> list[str]:
    imports = "; ".join(["import cdktf", *(f"import {PROVIDER_PACKAGE}.{module}" for module in modules)])
    return [PYTHON, "-c", imports]


def base_env(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The caller's environment without anything that would tilt a run: no env selection, no loader
    switches, no preload; the project's Terraform CLI config; quiet jsii banners (cosmetic only)."""
    env = {key: value for key, value in environ.items() if key not in {"PLATFORM_ENVS", EAGER_IMPORT_VARIABLE}}
    env.pop("JSII_RUNTIME_PACKAGE_CACHE", None)
    node_options = env.pop("NODE_OPTIONS", "").replace(f'--require "{NODE_PRELOAD}"', "").strip()
    if node_options:
        env["NODE_OPTIONS"] = node_options
    env["TF_CLI_CONFIG_FILE"] = str(write_cli_config(env))
    env["CHECKPOINT_DISABLE"] = "1"
    for warning in ("END_OF_LIFE", "DEPRECATED", "UNTESTED"):
        env[f"JSII_SILENCE_WARNING_{warning}_NODE_VERSION"] = QUIET_NODE_MAJORS
    return env


def tree_differences(left: Path, right: Path) -> list[str]:
    """Relative paths that are missing on one side or differ in bytes (empty: identical trees)."""
    differences = []
    comparison = filecmp.dircmp(left, right)
    stack = [(comparison, Path())]
    while stack:
        node, relative = stack.pop()
        differences += [str(relative / name) for name in node.left_only + node.right_only + node.funny_files]
        _, mismatch, errors = filecmp.cmpfiles(node.left, node.right, node.common_files, shallow=False)
        differences += [str(relative / name) for name in mismatch + errors]
        stack += [(child, relative / name) for name, child in node.subdirs.items()]
    return sorted(differences)


def stack_differences(naive_outputs: Iterable[Path], ours: Path) -> list[str]:
    """Each stack the per-env runs wrote, compared with the same stack in our all-env output."""
    differences = []
    for output in naive_outputs:
        for stack in sorted((output / "stacks").iterdir()):
            differences += [f"{stack.name}/{path}" for path in tree_differences(stack, ours / "stacks" / stack.name)]
    return differences


def evaluate(
    floor: Measurement,
    naive: Measurement,
    ours: Measurement,
    warm_build: Measurement,
    repeat_differences: Sequence[str],
    naive_differences: Sequence[str],
) -> list[Target]:
    return [
        Target(
            "all envs synthesized vs the bare-import floor",
            f"{ours.seconds / floor.seconds:.2f}x",
            f"<= {FLOOR_RATIO_TARGET}x",
            ours.seconds <= FLOOR_RATIO_TARGET * floor.seconds,
        ),
        Target(
            "speed-up over naive per-env `cdktf synth`",
            f"{naive.seconds / ours.seconds:.1f}x",
            f">= {NAIVE_SPEEDUP_TARGET}x",
            naive.seconds >= NAIVE_SPEEDUP_TARGET * ours.seconds,
        ),
        Target(
            "peak RSS of the full synth, largest process",
            f"{ours.process_peak_mb:.0f} MB",
            f"<= {PEAK_RSS_TARGET_MB:.0f} MB",
            ours.process_peak_mb <= PEAK_RSS_TARGET_MB,
        ),
        Target(
            "peak RSS of the full synth, process tree",
            f"{ours.tree_peak_mb:.0f} MB",
            f"<= {PEAK_RSS_TARGET_MB:.0f} MB",
            ours.tree_peak_mb <= PEAK_RSS_TARGET_MB,
        ),
        Target(
            "warm Lambda build, no change",
            f"{warm_build.seconds:.2f} s",
            f"< {WARM_BUILD_TARGET_SECONDS:.0f} s",
            warm_build.seconds < WARM_BUILD_TARGET_SECONDS,
        ),
        Target(
            "synth output, two runs",
            "identical" if not repeat_differences else f"{len(repeat_differences)} files differ",
            "byte-identical",
            not repeat_differences,
        ),
        Target(
            "synth output, ours vs the standard import",
            "identical" if not naive_differences else f"{len(naive_differences)} files differ",
            "byte-identical",
            not naive_differences,
        ),
    ]


def loop_targets(loop: Mapping[str, Any]) -> list[Target]:
    """The local loop's goals (issue: fast local loop), from the figures ``bench_loop`` measured."""
    from tools import bench_loop

    targets = [
        Target(
            "make local, emulator stopped",
            f"{loop['make local'].seconds:.0f} s",
            f"<= {bench_loop.MAKE_LOCAL_TARGET_SECONDS:.0f} s",
            loop["make local"].seconds <= bench_loop.MAKE_LOCAL_TARGET_SECONDS,
        )
    ]
    for command in ("make plan", "make plan-report", "make drift"):
        seconds = loop[command].seconds
        goal = bench_loop.PLAN_TARGET_SECONDS
        targets.append(Target(f"{command} ENV=local, applied", f"{seconds:.0f} s", f"<= {goal:.0f} s", seconds <= goal))
    for cold in loop["cold starts"]:
        figure, what = (
            (cold.total_seconds, "import + first call")
            if cold.total_seconds is not None
            else (cold.import_seconds, "import")
        )
        goal = bench_loop.COLD_START_TARGET_SECONDS
        targets.append(Target(f"{cold.function}: {what}, median", f"{figure:.3f} s", f"<= {goal} s", figure <= goal))
    if "make test" in loop:
        seconds, goal = loop["make test"].seconds, bench_loop.MAKE_TEST_TARGET_SECONDS
        targets.append(Target("make test, pytest part", f"{seconds:.0f} s", f"<= {goal:.0f} s", seconds <= goal))
    return targets


def render(measurements: Sequence[Measurement], floor: Measurement, targets: Sequence[Target]) -> str:
    header = f"{'measured':<58} {'wall s':>8} {'x floor':>8} {'peak MB (process)':>18} {'peak MB (tree)':>15}"
    lines = [header, "-" * len(header)]
    for row in measurements:
        label = row.label if row.runs == 1 else f"{row.label} ({row.runs} runs)"
        ratio = f"{row.seconds / floor.seconds:.2f}" if row.against_floor else ""
        lines.append(
            f"{label:<58} {row.seconds:>8.2f} {ratio:>8} {row.process_peak_mb:>18.0f} {row.tree_peak_mb:>15.0f}"
        )
    lines += ["", f"{'target':<58} {'measured':>14} {'goal':>15}  result", "-" * len(header)]
    for target in targets:
        lines.append(f"{target.name:<58} {target.measured:>14} {target.goal:>15}  {'met' if target.met else 'MISSED'}")
    return "\n".join(lines)


def run(work: Path, with_tests: bool, with_loop: bool = True) -> tuple[list[Measurement], list[Target], dict[str, Any]]:
    env = base_env()
    envs = env_names()
    architectures = sorted({config.lambdas.architecture for config in load_envs(envs)})
    log = work / "command.log"
    progress(f"warming up: Lambda packages for {', '.join(architectures)}, jsii package cache")
    for architecture in architectures:
        measure("lambda build", [PYTHON, "-m", "tools.build_lambdas", architecture], env, log)
    modules = provider_modules_used()
    measure("warm-up import", floor_command(modules), env, log)

    progress(f"floor: import cdktf + {len(modules)} provider modules")
    floor = measure(f"floor: import cdktf + {len(modules)} provider modules", floor_command(modules), env, log)

    naive_runs, naive_outputs = [], []
    for name in envs:
        progress(f"naive: cdktf synth, PLATFORM_ENVS={name}")
        output = work / f"naive-{name}"
        naive_env = {**env, "PLATFORM_ENVS": name, EAGER_IMPORT_VARIABLE: "1"}
        command = ["npx", "--no-install", "cdktf", "synth", "--output", str(output)]
        naive_runs.append(measure(f"naive {name}", command, naive_env, log))
        naive_outputs.append(output)
    naive = combined("naive: `cdktf synth` per env, standard import", naive_runs)

    progress("one process, standard import")
    eager_env = {**env, EAGER_IMPORT_VARIABLE: "1", "CDKTF_OUTDIR": str(work / "eager")}
    eager = measure("one process for all envs, standard import", [PYTHON, "main.py"], eager_env, log)

    ours_runs = []
    for attempt in (1, 2):
        progress(f"ours: main.py (make synth), run {attempt}")
        ours_env = {**env, "CDKTF_OUTDIR": str(work / f"ours-{attempt}")}
        ours_runs.append(measure(f"ours: all {len(envs)} envs, run {attempt}", [PYTHON, "main.py"], ours_env, log))

    progress("Lambda packaging, cold then warm")
    build_command = [PYTHON, "-m", "tools.build_lambdas", architectures[0], "--out", str(work / "lambdas")]
    cold = measure(f"Lambda packages ({architectures[0]}), empty build folder", build_command, env, log, False)
    warm = measure(f"Lambda packages ({architectures[0]}), warm, no change", build_command, env, log, False)

    measurements = [floor, naive, eager, *ours_runs, cold, warm]
    if with_tests:
        for level in ("unit", "validate"):
            progress(f"test level: {level}")
            command = [PYTHON, "-m", "pytest", "-m", level, "-q", "-p", "no:cacheprovider"]
            measurements.append(measure(f"pytest -m {level}", command, env, log, against_floor=False))

    targets = evaluate(
        floor,
        naive,
        ours_runs[0],
        warm,
        tree_differences(work / "ours-1", work / "ours-2"),
        stack_differences(naive_outputs, work / "ours-1"),
    )
    loop: dict[str, Any] = {}
    if with_loop:
        from tools.bench_loop import measure_loop

        try:
            loop = measure_loop(env, work, with_tests, progress)
        except RuntimeError as error:
            raise BenchError(str(error)) from None
        targets += loop_targets(loop)
    return measurements, targets, loop


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--no-tests", action="store_true", help="skip the test levels (unit, validate, make test)")
    parser.add_argument("--no-local", action="store_true", help="skip the local loop (make local, plans, cold starts)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        try:
            measurements, targets, loop = run(Path(work), with_tests=not args.no_tests, with_loop=not args.no_local)
        except BenchError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    print(render(measurements, measurements[0], targets))
    if loop:
        from tools.bench_loop import render_floors

        print(f"\nmake local, per stack (the deploy itself: {loop['deploy seconds']:.0f} s):")
        print(render_floors(loop["floors"], loop["deploy floor"], loop["critical chain"], loop["make local"].seconds))
        if "drill" in loop:
            from tools.bench_loop import render_drill

            print("\nmake test's longest path, the DR drill (tests/emulator/dr_drill.py), per step:")
            print(render_drill(loop["drill"], loop["make test"].seconds))
    REPORT.parent.mkdir(exist_ok=True)
    report = {
        "measurements": [asdict(m) for m in measurements],
        "targets": [asdict(t) for t in targets],
        "local_loop": json.loads(json.dumps(loop, default=asdict)),
    }
    REPORT.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten: {REPORT.relative_to(ROOT)}")
    return 0 if all(target.met for target in targets) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
