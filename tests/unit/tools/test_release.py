"""Reviewed deploys: who approves (terminal, AUTO_APPROVE, nobody) and which saved plans are refused."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tools import release

PLAN = release.StackPlan("data-dev", True, "  + resource\nPlan: 1 to add, 0 to change, 0 to destroy.\n", Path("x"))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_a_terminal_or_auto_approve_nobody_approves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTO_APPROVE", raising=False)
    out = io.StringIO()
    assert release.approver(out, io.StringIO("y\n"))(PLAN) is False  # piped input is not a person
    assert "data-dev] has changes (Plan: 1 to add, 0 to change, 0 to destroy.) and no terminal" in out.getvalue()


def test_auto_approve_approves_and_a_terminal_asks_per_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTO_APPROVE", "1")
    assert release.approver(io.StringIO(), io.StringIO())(PLAN) is True
    monkeypatch.delenv("AUTO_APPROVE")
    out = io.StringIO()
    assert release.approver(out, Terminal("y\n"))(PLAN) is True
    assert "Apply these changes to data-dev? [y/N]" in out.getvalue() and "Plan: 1 to add" in out.getvalue()
    assert release.approver(io.StringIO(), Terminal("\n"))(PLAN) is False  # the default is no


def test_plans_from_another_commit_or_env_are_refused_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / release.RELEASE_FILE).write_text(json.dumps({"env": "dev", "commit": "a" * 40, "stacks": {}}))
    monkeypatch.setenv("GITHUB_SHA", "b" * 40)
    with pytest.raises(release.StalePlan, match=r"made from commit a{40}, the code is now b{40}"):
        release.apply_release(tmp_path / "cdktf.out", "dev", tmp_path)
    with pytest.raises(release.StalePlan, match=r"the plans are for env 'dev', not 'prod'"):
        release.apply_release(tmp_path / "cdktf.out", "prod", tmp_path)


def test_exit_codes_say_what_happened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def not_approved(*args: object) -> None:
        raise release.NotApproved("data-dev was not applied: its changes were not approved")

    monkeypatch.setattr(release, "deploy", not_approved)
    assert release.main(["deploy", "dev", "--plans", str(tmp_path)]) == release.EXIT_NOT_APPROVED
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / release.RELEASE_FILE).write_text(json.dumps({"env": "dev", "commit": "old", "stacks": {}}))
    assert release.main(["apply", "dev", "--plans", str(tmp_path)]) == release.EXIT_STALE


def test_plan_only_stacks_are_skipped_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(release, "deployment_order", lambda outdir, env: ["data-local", "connect-local"])
    monkeypatch.setattr(release, "plan_only_stacks", lambda env: ("connect-local",))
    monkeypatch.setattr(release, "plan_stack", lambda outdir, stack, plans: release.StackPlan(stack, False, "", plans))
    out = io.StringIO()
    release.deploy(tmp_path, "local", tmp_path / "plans", lambda plan: False, out)
    assert out.getvalue().splitlines() == [
        "[data-local] no changes",
        "[connect-local] skipped: the emulator does not serve it ([emulator] plan_only_layers)",
    ]
