"""State and lock faults on the emulator's state bucket: two applies at once, an apply killed with
SIGKILL halfway, a state object overwritten by mistake; each repaired with the project's commands
(``tools/state.py``: ``make unlock``, ``make state-restore``) and converging to an empty plan.

A small root of its own (two queues) keeps its state in the env's state bucket, under
``local/fault-drill.tfstate``, with the same backend settings and S3 lock file as every stack.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.conftest import LocalDeployment
from tools import state
from tools.deploy import PLAN_NO_CHANGES, init, plan_exit_code
from tools.terraform import run_terraform, terraform_binary, terraform_env

DRILL_KEY = "local/fault-drill.tfstate"


@pytest.fixture(scope="module")
def drill(deployment: LocalDeployment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    stack = json.loads((deployment.outdir / "stacks" / "data-local" / "cdk.tf.json").read_text())
    backend = {**stack["terraform"]["backend"]["s3"], "key": DRILL_KEY}
    root = tmp_path_factory.mktemp("fault-drill")
    document = {
        "terraform": {"required_providers": stack["terraform"]["required_providers"], "backend": {"s3": backend}},
        "provider": stack["provider"],
        "resource": {"aws_sqs_queue": {"a": {"name": "cc-local-drill-a"}}},
    }
    (root / "main.tf.json").write_text(json.dumps(document))
    init(root)
    return root


def add_queue(root: Path, name: str) -> None:
    document = json.loads((root / "main.tf.json").read_text())
    document["resource"]["aws_sqs_queue"][name] = {"name": f"cc-local-drill-{name}"}
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


def test_a_second_apply_while_one_runs_fails_naming_the_lock_holder(drill: Path) -> None:
    first = start_apply(drill)
    holder = wait_for_lock(drill)
    second = run_terraform(drill, "apply", "-input=false", "-no-color", "-auto-approve", "-lock-timeout=0s",
                           ok_codes=(1,))  # fmt: skip
    refused = second.stdout + second.stderr
    assert "Error acquiring the state lock" in refused and holder["ID"] in refused and "Who:" in refused
    assert first.wait(timeout=300) == 0, first.stdout.read() if first.stdout else ""
    assert state.lock_holder(state.backend_of(drill)) is None
    assert plan_exit_code(drill)[0] == PLAN_NO_CHANGES  # nothing lost: the first apply is all there


def test_an_apply_killed_halfway_is_unlocked_and_converges_without_duplicates(
    drill: Path, deployment: LocalDeployment
) -> None:
    add_queue(drill, "b")
    apply = start_apply(drill)
    wait_for_lock(drill)
    assert apply.stdout is not None
    for line in apply.stdout:  # kill it in the middle of creating the queue
        if "aws_sqs_queue.b: Creating..." in line:
            break
    os.kill(apply.pid, signal.SIGKILL)
    apply.wait(timeout=30)
    assert state.lock_holder(state.backend_of(drill)) is not None  # the lock outlives the process

    holder = state.unlock(drill)
    assert holder["Operation"] == "OperationTypeApply" and state.lock_holder(state.backend_of(drill)) is None
    run_terraform(drill, "apply", "-input=false", "-no-color", "-auto-approve")
    queues = deployment.client("sqs").list_queues(QueueNamePrefix="cc-local-drill-b").get("QueueUrls", [])
    assert len(queues) == 1
    assert plan_exit_code(drill)[0] == PLAN_NO_CHANGES


def test_an_overwritten_state_is_restored_from_the_buckets_versions(drill: Path, deployment: LocalDeployment) -> None:
    backend = state.backend_of(drill)
    good = state.versions(drill)[0]["VersionId"]
    emptied = {"version": 4, "terraform_version": "1.11.0", "serial": 1, "lineage": "oops", "outputs": {},
               "resources": []}  # fmt: skip
    deployment.client("s3").put_object(Bucket=backend.bucket, Key=backend.key, Body=json.dumps(emptied))
    assert plan_exit_code(drill)[0] != PLAN_NO_CHANGES  # Terraform would create every queue again

    code, plan = state.restore(drill, good)
    assert code == PLAN_NO_CHANGES, plan
    assert state.versions(drill)[0]["VersionId"] not in (good,)  # the restore is a new version: undoable
