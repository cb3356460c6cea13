"""State and lock faults on the emulator's state bucket: two applies at once, an apply killed with
SIGKILL halfway, a state object overwritten by mistake; each repaired with the project's commands
(``tools/state.py``: ``make unlock``, ``make state-restore``) and converging to an empty plan.

The drills run beside the deploy (tests/emulator/fault_drills.py, started by the conftest as soon as
the state bucket exists); these tests assert on what each one observed.
"""

from __future__ import annotations

from tests.emulator.conftest import LocalDeployment
from tools.deploy import PLAN_NO_CHANGES


def test_a_second_apply_while_one_runs_fails_naming_the_lock_holder(deployment: LocalDeployment) -> None:
    seen = deployment.check("state-faults")["concurrent-apply"].observed()
    refused = seen["refused"]
    assert "Error acquiring the state lock" in refused and seen["holder"]["ID"] in refused and "Who:" in refused
    assert seen["first_exit"] == 0, seen["first_output"]
    assert seen["lock_after"] is None
    assert seen["plan_after"] == PLAN_NO_CHANGES  # nothing lost: the first apply is all there


def test_an_apply_killed_halfway_is_unlocked_and_converges_without_duplicates(deployment: LocalDeployment) -> None:
    seen = deployment.check("state-faults")["killed-apply"].observed()
    assert seen["lock_after_kill"] is not None  # the lock outlives the process
    assert seen["unlocked"]["Operation"] == "OperationTypeApply" and seen["lock_after_unlock"] is None
    assert len(seen["queues_b"]) == 1
    assert seen["plan_after"] == PLAN_NO_CHANGES


def test_an_overwritten_state_is_restored_from_the_buckets_versions(deployment: LocalDeployment) -> None:
    seen = deployment.check("state-faults")["overwritten-state"].observed()
    assert seen["plan_when_overwritten"] != PLAN_NO_CHANGES  # Terraform would create every queue again
    assert seen["plan_after_restore"] == PLAN_NO_CHANGES, seen["plan"]
    assert seen["current_version"] != seen["good_version"]  # the restore is a new version: undoable
