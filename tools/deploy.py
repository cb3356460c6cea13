"""Apply (or plan) the synthesized stacks of an environment with plain Terraform, side by side where
the stack graph allows, and report each stack's progress on lines that name it.

Used by `make local` (every stack of the `local` env against the emulator), `make plan`, and the
emulator tests. Real accounts deploy through `cdktf deploy` (`make deploy ENV=...`), which runs the
same Terraform with the same CLI config.

How a deploy runs (``deploy_env``):
- Before the stacks it reads from are ready, a stack applies (``-target``) what needs none of the
  missing ones, as soon as that includes a long provider wait (``EARLY_MIN_WAIT``): keys, streams and
  queues wait on the provider's fixed schedule while the layers before them are still applying. It
  does so again each time another of its stacks becomes ready, if that brings a long wait within
  reach. A step is taken only when it shortens what is left after the stack's needs are ready: until
  its readers can start, the wait chain of what they read (a step leaves out longer waits, such as an
  S3 lifecycle rule nobody reads, which would hold the stack's next step back); after that, the wait
  chain of the whole stack. Each step costs a Terraform run of CPU, so a key applied early in a
  stack whose later queue policy waits longer anyway is not worth one.
- A stack whose readers need only what the stacks already ready allow (roles that need nothing of the
  network, say) applies that at once and is ready: its readers do not wait for its own needs.
- A stack's main apply starts when every stack it reads from is *ready* (``tools.stack_graph``).
- A stack whose readers need only part of it is applied in two steps: first ``-target`` the
  resources behind the outputs its readers use, which makes it ready, then the whole stack, while
  the readers already run. The provider's long fixed waits (S3 lifecycle rules, SQS attribute
  propagation; ``tools.provider_waits``) are mostly on resources no reader needs.
- At most ``jobs`` Terraform processes run at once.
- A failed stack stops the stacks that need it (they are reported as skipped, naming it), and the
  error names the stack and Terraform's own error message.
- Output is deterministic: a stack's lines are printed as they happen while every stack before it
  (in deployment order) is done; otherwise they are held and printed when it is its turn.

Usage: ``python -m tools.deploy ENV [--outdir cdktf.out] [--plan] [--only STACK ...] [--jobs N]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import TypeVar

from tools.stack_graph import BOOTSTRAP_PREFIX, StackGraph, StackGraphError, StackNode, stack_graph
from tools.terraform import (
    BACKGROUND_NICENESS,
    REPO_ROOT,
    TerraformError,
    TerraformResult,
    json_events,
    run_terraform,
    uses_plugin_cache,
    write_cli_config,
)

# `terraform plan -detailed-exitcode`: 0 = no changes, 2 = changes, 1 = error.
PLAN_NO_CHANGES = 0
PLAN_HAS_CHANGES = 2
# Terraform processes at once. Each AWS provider process costs ~0.5 GB and a second of CPU to start;
# most of an apply against the emulator is the provider idling on its fixed waits (an S3 lifecycle
# rule holds a process for 55 s), so 8 keeps 2 cores busy without a ready stack queueing for a slot.
DEFAULT_JOBS = 8
# Plans and refreshes (plan, plan-report, drift) compute all the way: on 2 cores, more at once only
# queue for the CPU (with 8, `make plan-report` and `make drift` took 41 s; with 4, 39 s).
PLAN_JOBS = 4
# Resources one apply creates at once (Terraform's default: 10). Most of them sit on a fixed provider
# wait, not on the API: with 10, a stack with 13 buckets (the DR twins) waited for its S3 lifecycle
# rules in two rounds of 55 s (the DR drill's foundation layer: 155 s for a 55 s chain).
APPLY_PARALLELISM = 30
# An apply before every stack it reads from is ready costs a Terraform run (plan and refresh, 5-10 s
# of mostly CPU); it is worth it when it starts a provider wait at least this long (a KMS key: 12 s).
EARLY_MIN_WAIT = 10.0
# A step whose resources lie on a chain of fixed waits within this many seconds of the deploy's
# longest is on its critical path: it runs at normal CPU priority, the others below it.
CRITICAL_SLACK = 10.0
REPORT_DIR = REPO_ROOT / "reports"


# `nice` of a step off the critical path of the deploy others wait for, when niced work runs beside
# it: behind that critical path (CPU weight 110 against 1024), ~7x ahead of the niced work (15).
AHEAD_OF_BACKGROUND_NICENESS = 10


class Priority(Enum):
    """How far below normal CPU priority (``nice``) a deploy's steps run: (on its critical path, off it)."""

    CRITICAL_PATH_FIRST = (0, BACKGROUND_NICENESS)  # nothing else runs (`make local`)
    LOW = (BACKGROUND_NICENESS, BACKGROUND_NICENESS)  # time to spare beside a deploy without (the tests' shared one)
    # The deploy others wait for, beside niced work (the tests' DR drill): a step the floor calls off
    # its critical path (the rest of a layer after what the next one reads) still must not queue
    # behind that work.
    AHEAD_OF_BACKGROUND = (0, AHEAD_OF_BACKGROUND_NICENESS)


Report = Callable[[str], None]
T = TypeVar("T")


def stack_dir(outdir: Path, stack_name: str) -> Path:
    path = outdir / "stacks" / stack_name
    if not (path / "cdk.tf.json").is_file():
        raise TerraformError(f"{path} has no cdk.tf.json: synthesize first (`make synth ENV=...`)")
    return path


def graph(outdir: Path, env_name: str, only: Sequence[str] = ()) -> StackGraph:
    try:
        return stack_graph(outdir, env_name, only)
    except StackGraphError as error:
        raise TerraformError(str(error)) from None


def deployment_order(outdir: Path, env_name: str) -> list[str]:
    """The env's stacks from cdktf's manifest, each after the stacks it depends on (bootstrap first)."""
    return list(graph(outdir, env_name).order)


# Without a provider mirror, `init` fills a shared plugin cache, and two inits at once race on it
# (tools.terraform.render_cli_config); with the mirror, inits are independent and run side by side.
_PLUGIN_CACHE_INIT = threading.Lock()
INIT_STAMP = ".terraform/cc-initialized.sha256"
LOCK_FILE = ".terraform.lock.hcl"


def init(path: Path) -> None:
    """`terraform init` of a stack, unless it was initialized for exactly this configuration.

    An init verifies the provider's package (a second of CPU) even when nothing changed, and
    `make plan`, `make plan-report` and `make drift` each start with one per stack. What an init
    depends on is the stack's ``terraform`` block (backend, required providers) and the CLI config
    (which mirror); a stamp of both is kept in the stack's ``.terraform`` after a successful init."""
    stamp, wanted = path / INIT_STAMP, init_fingerprint(path)
    installed = (path / LOCK_FILE).exists() and (path / ".terraform" / "providers").is_dir()
    if installed and stamp.exists() and stamp.read_text() == wanted:
        return
    if uses_plugin_cache():
        with _PLUGIN_CACHE_INIT:
            run_terraform(path, "init", "-input=false", "-no-color", "-reconfigure")
    else:
        run_terraform(path, "init", "-input=false", "-no-color", "-reconfigure")
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(wanted)


def init_fingerprint(path: Path) -> str:
    """A digest of what `terraform init` reads in ``path``: the ``terraform`` and ``module`` blocks
    of its JSON configuration files (cdk.tf.json for a synthesized stack), any HCL file whole, and
    the CLI config Terraform runs with."""
    digest = hashlib.sha256()
    for file in sorted(path.glob("*.tf.json")):
        document = json.loads(file.read_text())
        digest.update(
            f"{file.name}\n{json.dumps([document.get('terraform'), document.get('module')], sort_keys=True)}\n".encode()
        )
    for file in sorted(path.glob("*.tf")):
        digest.update(f"{file.name}\n{file.read_text()}\n".encode())
    config = write_cli_config()
    digest.update(f"{config}\n{config.read_text()}".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class ResourceTiming:
    address: str
    seconds: float


@dataclass(frozen=True)
class ApplyResult:
    """What one `terraform apply -json` did: per-resource durations, from Terraform's own events."""

    seconds: float
    resources: tuple[ResourceTiming, ...]


def parse_apply_events(lines: Iterable[str]) -> tuple[list[ResourceTiming], list[str]]:
    """Resource durations and error diagnostics from `terraform apply -json` (or `plan -json`) output lines."""
    timings, errors = [], []
    for event in json_events(lines):
        if event.get("type") == "apply_complete":
            hook = event["hook"]
            timings.append(ResourceTiming(hook["resource"]["addr"], float(hook.get("elapsed_seconds", 0))))
        elif event.get("type") == "diagnostic" and event.get("@level") == "error":
            diagnostic = event.get("diagnostic", {})
            where = f" ({diagnostic['address']})" if diagnostic.get("address") else ""
            detail = diagnostic.get("detail", "").strip()
            errors.append(f"{diagnostic.get('summary', 'error')}{where}" + (f": {detail}" if detail else ""))
    return timings, errors


def apply(path: Path, targets: Sequence[str] = (), init_first: bool = True, niceness: int = 0) -> ApplyResult:
    """`terraform apply` of a stack (only ``targets`` and what they need, when given); ``init_first``
    False when this deploy has initialized the stack already (an init costs a second of CPU);
    ``niceness``: how far below normal CPU priority it runs."""
    if init_first:
        init(path)
    started = time.monotonic()
    arguments = ["apply", "-input=false", "-no-color", "-auto-approve", "-json", f"-parallelism={APPLY_PARALLELISM}",
                 *(f"-target={t}" for t in targets)]  # fmt: skip
    result = run_terraform(path, *arguments, ok_codes=(0, 1), niceness=niceness)
    if result.returncode != 0:
        raise json_run_failed(result, path.name, "apply")
    return ApplyResult(time.monotonic() - started, tuple(parse_apply_events(result.stdout.splitlines())[0]))


def json_run_failed(result: TerraformResult, stack: str, command: str) -> TerraformError:
    """The error of a failed `-json` run: Terraform's own error diagnostics, or its whole output when
    it printed none."""
    errors = parse_apply_events(result.stdout.splitlines())[1]
    return TerraformError(f"[{stack}] terraform {command} failed:\n" + ("\n".join(errors) or result.describe()))


def plan_exit_code(path: Path) -> tuple[int, str]:
    """Exit code of a detailed plan (0 no changes, 2 changes) and its text, for convergence checks."""
    result = run_terraform(
        path, "plan", "-input=false", "-no-color", "-detailed-exitcode", ok_codes=(PLAN_NO_CHANGES, PLAN_HAS_CHANGES)
    )
    return result.returncode, result.stdout


def outputs(path: Path) -> dict[str, object]:
    result = run_terraform(path, "output", "-json", "-no-color")
    return {name: value["value"] for name, value in json.loads(result.stdout or "{}").items()}


class OrderedReport:
    """Lines from concurrent stacks, printed in deployment order: a stack's lines go out live while
    every stack before it is finished, and are held until then otherwise."""

    def __init__(self, order: Sequence[str], sink: Report) -> None:
        self._order, self._sink = list(order), sink
        self._held: dict[str, list[str]] = {name: [] for name in order}
        self._finished: set[str] = set()
        self._head = 0
        self._lock = threading.Lock()

    def line(self, stack: str, text: str) -> None:
        with self._lock:
            if self._head < len(self._order) and self._order[self._head] == stack:
                self._sink(f"[{stack}] {text}")
            else:
                self._held[stack].append(text)

    def finish(self, stack: str) -> None:
        with self._lock:
            self._finished.add(stack)
            while self._head < len(self._order) and self._order[self._head] in self._finished:
                self._head += 1
                if self._head < len(self._order):
                    following = self._order[self._head]
                    for text in self._held[following]:
                        self._sink(f"[{following}] {text}")
                    self._held[following].clear()


@dataclass
class StackRun:
    """One stack of a deploy: when it ran, when its readers could start, what it applied or why not."""

    name: str
    status: str = "pending"  # applied | planned | failed | skipped
    started: float | None = None  # seconds after the deploy started
    ready: float | None = None
    finished: float | None = None
    targeted: int = 0  # resources applied before the readers started (0: the whole stack at once)
    early: int = 0  # resources applied before every stack it reads from was ready
    resources: list[ResourceTiming] = field(default_factory=list)
    outputs: dict[str, object] = field(default_factory=dict)
    error: str | None = None
    changes_pending: bool | None = None  # plan-only stacks


@dataclass
class Deployment:
    """The result of ``deploy_env``: every stack's run, in deployment order."""

    env: str
    runs: dict[str, StackRun]
    seconds: float = 0.0

    @property
    def failed(self) -> list[StackRun]:
        return [run for run in self.runs.values() if run.status == "failed"]

    @property
    def outputs(self) -> dict[str, dict[str, object]]:
        return {name: run.outputs for name, run in self.runs.items() if run.status == "applied"}

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "env": self.env,
            "seconds": round(self.seconds, 1),
            "stacks": [asdict(r) for r in self.runs.values()],
        }
        path.write_text(json.dumps(document, indent=2, default=str) + "\n")
        return path


class _Scheduler:
    """One thread per stack; a stack's thread waits until the stacks it needs are released (ready,
    or ended without becoming ready), and Terraform processes are limited by ``slots``."""

    def __init__(
        self,
        outdir: Path,
        plan: StackGraph,
        report: Report,
        plan_only: Sequence[str],
        jobs: int,
        on_applied: Callable[[StackRun], None] | None = None,
        priority: Priority = Priority.CRITICAL_PATH_FIRST,
        collect_outputs: bool = True,
    ) -> None:
        self.outdir, self.graph, self.plan_only, self.on_applied = outdir, plan, set(plan_only), on_applied
        self.priority, self.collect_outputs = priority, collect_outputs
        self.out = OrderedReport(plan.order, report)
        self.slots = threading.Semaphore(max(1, jobs))
        self.released = {name: threading.Event() for name in plan.order}
        self.changed = threading.Condition()  # notified whenever a stack is released
        self.initialized: set[str] = set()  # stacks `terraform init` ran in (each from its own thread)
        self.applied: dict[str, set[str]] = {name: set() for name in plan.order}  # by this deploy's steps
        self.deployment = Deployment("", {name: StackRun(name) for name in plan.order})
        self.t0 = time.monotonic()

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 1)

    def run(self) -> Deployment:
        threads = [threading.Thread(target=self._stack, args=(name,), daemon=True) for name in self.graph.order]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.deployment.seconds = time.monotonic() - self.t0
        return self.deployment

    def _stack(self, name: str) -> None:
        run = self.deployment.runs[name]
        try:
            blocked = self._wait_for_backend(name) or self._apply_early(run) or self._wait_for_needs(name)
            if blocked:
                run.status, run.error = "skipped", f"not applied: it needs {blocked}, which did not deploy"
                self.out.line(name, f"skipped: it needs {blocked}, which did not deploy")
                return
            if run.started is None:
                run.started = self.now()
            if name in self.plan_only:
                self._plan_only(run)
            else:
                self._apply(run)
        except TerraformError as error:
            run.status, run.error = "failed", str(error)
            self.out.line(name, f"FAILED after {self.now() - (run.started or 0):.0f} s: {error}")
        finally:
            run.finished = self.now()
            self._release(name)  # a stack that never became ready still releases its readers
            self.out.finish(name)

    def _release(self, name: str) -> None:
        with self.changed:
            self.released[name].set()
            self.changed.notify_all()

    def _did_not_deploy(self, names: Iterable[str]) -> str | None:
        return next((n for n in names if self.deployment.runs[n].status in {"failed", "skipped"}), None)

    def _wait_for_backend(self, name: str) -> str | None:
        """Block until the bootstrap stack (every backend's bucket) is released; it, if it did not deploy."""
        backend = sorted(need for need in self.graph.nodes[name].needs if need.startswith(BOOTSTRAP_PREFIX))
        for need in backend:
            self.released[need].wait()
        return self._did_not_deploy(backend)

    def _wait_for_needs(self, name: str) -> str | None:
        """Block until every needed stack is released; the first one that did not deploy, if any."""
        needs = sorted(self.graph.nodes[name].needs, key=self.graph.position.__getitem__)
        for need in needs:
            self.released[need].wait()
        return self._did_not_deploy(needs)

    def _apply_early(self, run: StackRun) -> str | None:
        """Apply what needs only the stacks already ready, while the others are not, whenever that
        starts a long provider wait or makes the stack ready for its readers; the first needed stack
        that did not deploy, if any."""
        node = self.graph.nodes[run.name]
        if run.name in self.plan_only:
            return None
        while True:
            with self.changed:
                ready = {need for need in node.needs if self.released[need].is_set()}
                failed = self._did_not_deploy(sorted(ready))
                if failed or ready == node.needs:
                    return failed
                targets = self._early_targets(run, node, ready)
                if self._early_gain(run, node, self.applied[run.name], targets) < EARLY_MIN_WAIT:
                    if not self._read_within_reach(run, node, ready):
                        self.changed.wait()
                        continue
                    targets = tuple(sorted(node.read))
            self._early_step(run, node, targets, waiting_for=sorted(node.needs - ready))

    def _read_within_reach(self, run: StackRun, node: StackNode, ready: set[str]) -> bool:
        """Whether all that the readers need (and not yet applied) needs only ``ready`` stacks: applied
        now, it releases them before this stack's own needs are all ready."""
        return (
            run.ready is None
            and bool(node.read)
            and not node.read <= self.applied[run.name]
            and all(node.resources[address].upstreams <= ready for address in node.read)
        )

    @staticmethod
    def _early_targets(run: StackRun, node: StackNode, ready: set[str]) -> tuple[str, ...]:
        """What needs only ``ready`` stacks; before the readers can start, no wait longer than theirs."""
        applicable = node.applicable(ready)
        return node.limit_to_read(applicable) if run.ready is None and node.read else applicable

    @staticmethod
    def _early_gain(run: StackRun, node: StackNode, applied: set[str], targets: Sequence[str]) -> float:
        """Seconds of fixed waits that applying ``targets`` now takes off what is left once the needs
        are ready: of the readers' chain until they can start, else of the whole stack's."""
        relevant = node.read if run.ready is None and node.read else node.resources.keys()
        return node.remaining_wait(relevant, applied) - node.remaining_wait(relevant, applied | set(targets))

    def _early_step(self, run: StackRun, node: StackNode, targets: Sequence[str], waiting_for: list[str]) -> None:
        if run.started is None:
            run.started = self.now()
        self.out.line(run.name, f"applying the {len(targets)} resources that need none of {', '.join(waiting_for)}")
        path = stack_dir(self.outdir, run.name)
        with self.slots:
            result = self._step(run, path, targets)
            ready = run.ready is None and node.read_outputs and node.read <= self.applied[run.name]
            written = outputs(path) if ready else {}
        run.early += len(result.resources)
        run.resources += result.resources
        if ready and node.read_outputs <= written.keys():
            run.targeted = run.early
            self._mark_ready(run)
            waited = (run.ready or 0.0) - run.started
            self.out.line(run.name, f"ready for the stacks that read it after {waited:.0f} s")

    def _step(self, run: StackRun, path: Path, targets: Sequence[str]) -> ApplyResult:
        """One apply of the stack (``targets``, or all of it). Steps off the deploy's critical path (its
        longest chain of fixed waits, ``StackGraph.longest_chain``) run at a lower CPU priority: when a
        dozen provider processes start on 2 cores, the stacks everyone waits for get the CPU first."""
        node = self.graph.nodes[run.name]
        pending = (node.closure(targets) if targets else set(node.resources)) - self.applied[run.name]
        on_path, off_path = self.priority.value
        niceness = on_path if self.graph.on_critical_path(run.name, pending, CRITICAL_SLACK) else off_path
        result = apply(path, targets, init_first=self._first_run_of(run.name), niceness=niceness)
        self.applied[run.name] |= pending
        return result

    def _first_run_of(self, name: str) -> bool:
        """True once per stack: its first Terraform run in this deploy initializes it."""
        first = name not in self.initialized
        self.initialized.add(name)
        return first

    def _mark_ready(self, run: StackRun) -> None:
        run.ready = self.now()
        self._release(run.name)

    def _plan_only(self, run: StackRun) -> None:
        with self.slots:
            path = stack_dir(self.outdir, run.name)
            init(path)
            code, _ = plan_exit_code(path)
        run.status, run.changes_pending = "planned", code == PLAN_HAS_CHANGES
        self._mark_ready(run)
        pending = "changes pending" if run.changes_pending else "no changes"
        self.out.line(run.name, f"planned, not applied (the emulator cannot serve it): {pending}")

    def _apply(self, run: StackRun) -> None:
        path = stack_dir(self.outdir, run.name)
        targets = self.graph.nodes[run.name].ready_targets if run.ready is None else None
        first_step = f" (first the {len(targets)} resources later stacks read, then the rest)" if targets else ""
        self.out.line(run.name, f"applying{' the rest' if run.early else ''}{first_step}")
        if targets:
            with self.slots:
                first = self._step(run, path, targets)
            run.targeted = run.early + len(first.resources)
            run.resources += first.resources
            self._mark_ready(run)
            waited = (run.ready or 0.0) - (run.started or 0.0)
            self.out.line(run.name, f"ready for the stacks that read it after {waited:.0f} s")
        with self.slots:
            rest = self._step(run, path, ())
            run.outputs = outputs(path) if self.collect_outputs else {}
        run.resources += rest.resources
        run.status = "applied"
        if run.ready is None:
            self._mark_ready(run)
        if self.on_applied is not None:
            self.on_applied(run)
        self.out.line(run.name, f"applied in {self.now() - (run.started or 0):.0f} s ({len(run.resources)} resources)")


def deploy_env(
    outdir: Path,
    env_name: str,
    report: Report = print,
    only: Sequence[str] = (),
    plan_only: Sequence[str] = (),
    jobs: int = DEFAULT_JOBS,
    on_applied: Callable[[StackRun], None] | None = None,
    priority: Priority = Priority.CRITICAL_PATH_FIRST,
    collect_outputs: bool = True,
) -> Deployment:
    """Apply every stack of ``env_name`` (or just ``only``), side by side where the graph allows.
    Stacks in ``plan_only`` (what the emulator cannot serve) are planned instead, and have no outputs.
    ``on_applied`` is called (from the stack's thread; keep it short) as soon as a stack is applied.
    ``priority``: which Terraform runs go below normal CPU priority (``Priority``).
    ``collect_outputs``: False when nobody reads ``Deployment.outputs`` (each stack's outputs cost a
    `terraform output`, half a second after its last apply, on the path of the last stack).
    Raises DeployError, naming every failed stack and Terraform's error, once nothing else can run."""
    plan = graph(outdir, env_name, only)
    deployment = _Scheduler(outdir, plan, report, plan_only, jobs, on_applied, priority, collect_outputs).run()
    deployment.env = env_name
    if deployment.failed:
        details = "\n".join(f"{run.name}: {run.error}" for run in deployment.failed)
        raise DeployError(deployment, f"{len(deployment.failed)} stack(s) failed:\n{details}")
    return deployment


class DeployError(TerraformError):
    """One or more stacks failed; ``deployment`` has every stack's run."""

    def __init__(self, deployment: Deployment, message: str) -> None:
        super().__init__(message)
        self.deployment = deployment


def for_each_stack(names: Sequence[str], work: Callable[[str], T], jobs: int = PLAN_JOBS) -> list[T]:
    """``work(name)`` for every stack, ``jobs`` at a time; results (or the first error) in ``names`` order.
    For plans and refreshes, which read remote state but never change it, so any order is safe."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(work, name) for name in names]
        return [future.result() for future in futures]


def plan_env(outdir: Path, env_name: str, report: Report = print, jobs: int = PLAN_JOBS) -> dict[str, bool]:
    """Plan every stack of ``env_name`` side by side, printing each plan in order; stack -> has changes."""
    order = deployment_order(outdir, env_name)

    def plan_one(name: str) -> tuple[int, str]:
        path = stack_dir(outdir, name)
        init(path)
        return plan_exit_code(path)

    results = for_each_stack(order, plan_one, jobs)
    changes = {}
    for name, (code, text) in zip(order, results, strict=True):
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


def _took(run: StackRun) -> str:
    if run.started is None or run.finished is None:
        return ""
    return f" in {run.finished - run.started:.0f} s ({len(run.resources)} resources)"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("env")
    parser.add_argument("--outdir", type=Path, default=REPO_ROOT / "cdktf.out")
    parser.add_argument("--plan", action="store_true", help="plan every stack instead of applying")
    parser.add_argument("--only", nargs="+", default=(), metavar="STACK", help="apply only these stacks")
    parser.add_argument("--jobs", type=int, default=None, help="Terraform processes at once")
    args = parser.parse_args(argv)
    try:
        if args.plan:
            plan_env(args.outdir, args.env, jobs=args.jobs or PLAN_JOBS)
            return 0
        jobs = args.jobs or DEFAULT_JOBS
        deployment = deploy_env(args.outdir, args.env, only=args.only, plan_only=plan_only_stacks(args.env), jobs=jobs)
    except DeployError as error:
        error.deployment.write(REPORT_DIR / f"deploy-{args.env}.json")
        print(f"error: {error}", file=sys.stderr)
        return 1
    except TerraformError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    written = deployment.write(REPORT_DIR / f"deploy-{args.env}.json")
    print(f"\nDeployed {args.env} in {deployment.seconds:.0f} s (timings: {written.relative_to(REPO_ROOT)})")
    for run in deployment.runs.values():
        print(f"  {run.name} {run.status}" + _took(run))
    print("Outputs:")
    for stack, values in deployment.outputs.items():
        for name, value in values.items():
            print(f"  {stack}.{name} = {json.dumps(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
