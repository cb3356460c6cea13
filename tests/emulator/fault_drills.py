"""State and lock faults on the emulator's state bucket, drilled beside the deploy.

Three drills, one after the other, on a small root of their own (SQS queues) whose state lives in
the env's state bucket under ``local/fault-drill.tfstate``, with the same backend settings and S3
lock file as every stack: two applies at once, an apply killed with SIGKILL halfway, a state object
overwritten by mistake; each repaired with the project's commands (``tools/state.py``: ``make
unlock``, ``make state-restore``). They need only the bootstrap stack's state bucket and spend most
of their time in the provider's SQS waits, so the emulator conftest starts them as soon as
``bootstrap-local`` is applied; ``test_state_faults.py`` asserts on what each drill observed.

A drill that raises records its error and the next drill still runs on what is left, so each test
reports its own failure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools import state
from tools.deploy import init, plan_exit_code
from tools.terraform import run_terraform, terraform_binary, terraform_env

DRILL_KEY = "local/fault-drill.tfstate"
QUEUE_PREFIX = "cc-local-drill-"


@dataclass
class Drill:
    """What one drill saw (``seen``), or the error that stopped it."""

    seen: dict[str, Any]
    error: BaseException | None = None

    def observed(self) -> dict[str, Any]:
        if self.error is not None:
            raise self.error
        return self.seen


def providers_of(stack_dir: Path) -> dict[str, Any]:
    """``stack_dir``'s provider blocks, for a root in another folder: the files they name (the
    emulator's AWS config, stacks/base.py) by absolute path."""
    providers: dict[str, Any] = json.loads((stack_dir / "cdk.tf.json").read_text())["provider"]
    for block in providers["aws"]:
        if "shared_config_files" in block:
            block["shared_config_files"] = [str((stack_dir / name).resolve()) for name in block["shared_config_files"]]
    return providers


def drill_root(stack_dir: Path, workdir: Path) -> Path:
    """A Terraform root with ``stack_dir``'s provider and backend settings (key: ``DRILL_KEY``) and
    one queue; initialized."""
    stack = json.loads((stack_dir / "cdk.tf.json").read_text())
    backend = {**stack["terraform"]["backend"]["s3"], "key": DRILL_KEY}
    document = {
        "terraform": {"required_providers": stack["terraform"]["required_providers"], "backend": {"s3": backend}},
        "provider": providers_of(stack_dir),
        "resource": {"aws_sqs_queue": {"a": {"name": f"{QUEUE_PREFIX}a"}}},
    }
    (workdir / "main.tf.json").write_text(json.dumps(document))
    init(workdir)
    return workdir


def run_all(root: Path, s3: Any, sqs: Any) -> dict[str, Drill]:
    """The three drills in order (each builds on the state the previous one left)."""
    drills: dict[str, Callable[[], dict[str, Any]]] = {
        "concurrent-apply": lambda: two_applies_at_once(root),
        "killed-apply": lambda: an_apply_killed_halfway(root, sqs),
        "overwritten-state": lambda: an_overwritten_state(root, s3),
    }
    results: dict[str, Drill] = {}
    for name, drill in drills.items():
        seen: dict[str, Any] = {}
        try:
            seen.update(drill())
            results[name] = Drill(seen)
        except BaseException as error:  # recorded for the test that reads this drill
            results[name] = Drill(seen, error)
    return results


def two_applies_at_once(root: Path) -> dict[str, Any]:
    first = start_apply(root)
    holder = wait_for_lock(root)
    second = run_terraform(root, "apply", "-input=false", "-no-color", "-auto-approve", "-lock-timeout=0s",
                           ok_codes=(1,))  # fmt: skip
    first_code = first.wait(timeout=300)
    return {
        "holder": holder,
        "refused": second.stdout + second.stderr,
        "first_exit": first_code,
        "first_output": first.stdout.read() if first.stdout else "",
        "lock_after": state.lock_holder(state.backend_of(root)),
        "plan_after": plan_exit_code(root)[0],
    }


def an_apply_killed_halfway(root: Path, sqs: Any) -> dict[str, Any]:
    add_queue(root, "b")
    apply = start_apply(root)
    wait_for_lock(root)
    assert apply.stdout is not None
    for line in apply.stdout:  # kill it in the middle of creating the queue
        if "aws_sqs_queue.b: Creating..." in line:
            break
    os.kill(apply.pid, signal.SIGKILL)
    apply.wait(timeout=30)
    lock_after_kill = state.lock_holder(state.backend_of(root))
    unlocked = state.unlock(root)
    lock_after_unlock = state.lock_holder(state.backend_of(root))
    run_terraform(root, "apply", "-input=false", "-no-color", "-auto-approve")
    return {
        "lock_after_kill": lock_after_kill,
        "unlocked": unlocked,
        "lock_after_unlock": lock_after_unlock,
        "queues_b": sqs.list_queues(QueueNamePrefix=f"{QUEUE_PREFIX}b").get("QueueUrls", []),
        "plan_after": plan_exit_code(root)[0],
    }


def an_overwritten_state(root: Path, s3: Any) -> dict[str, Any]:
    backend = state.backend_of(root)
    good = state.versions(root)[0]["VersionId"]
    emptied = {"version": 4, "terraform_version": "1.11.0", "serial": 1, "lineage": "oops", "outputs": {},
               "resources": []}  # fmt: skip
    s3.put_object(Bucket=backend.bucket, Key=backend.key, Body=json.dumps(emptied))
    plan_when_overwritten = plan_exit_code(root)[0]
    code, plan = state.restore(root, good)
    return {
        "good_version": good,
        "plan_when_overwritten": plan_when_overwritten,
        "plan_after_restore": code,
        "plan": plan,
        "current_version": state.versions(root)[0]["VersionId"],
    }


def add_queue(root: Path, name: str) -> None:
    document = json.loads((root / "main.tf.json").read_text())
    document["resource"]["aws_sqs_queue"][name] = {"name": f"{QUEUE_PREFIX}{name}"}
    (root / "main.tf.json").write_text(json.dumps(document))


def start_apply(root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [terraform_binary(), "apply", "-input=false", "-no-color", "-auto-approve", "-lock-timeout=0s"],
        cwd=root, env=terraform_env(None), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def wait_for_lock(root: Path, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holder = state.lock_holder(state.backend_of(root))
        if holder is not None:
            return holder
        time.sleep(0.2)
    raise AssertionError("the apply never took the state lock")
