"""Deploys run stacks side by side where the graph allows, report in a deterministic order, and stop
the dependents of a failed stack; bad stack names are refused before any apply."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

import tools.deploy as deploy
from tools.deploy import (
    ApplyResult,
    DeployError,
    OrderedReport,
    ResourceTiming,
    deploy_env,
    json_run_failed,
    parse_apply_events,
)
from tools.terraform import BACKGROUND_NICENESS, TerraformError, TerraformResult

REMOTE = "${data.terraform_remote_state.cross-stack-reference-input-%s.outputs.%s}"


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    """bootstrap -> foundation -> {application, connect}: foundation's readers need only its VPC."""
    documents = {
        "bootstrap-dev": {
            "resource": {"aws_s3_bucket": {"state": {}}, "aws_s3_bucket_lifecycle_configuration": {"l": {}}},
            "output": {"state_bucket_name": {"value": "${aws_s3_bucket.state.bucket}"}},
        },
        "foundation-dev": {
            "resource": {"aws_vpc": {"vpc": {}}, "aws_s3_bucket_lifecycle_configuration": {"l": {}}},
            "output": {"vpc": {"value": "${aws_vpc.vpc.id}"}},
        },
        "application-dev": {"resource": {"aws_subnet": {"s": {"vpc_id": REMOTE % ("foundation-dev", "vpc")}}}},
        "connect-dev": {"resource": {"aws_subnet": {"s": {"vpc_id": REMOTE % ("foundation-dev", "vpc")}}}},
        "foundation-prod": {"resource": {"aws_vpc": {"vpc": {}}}},
    }
    needs = {"application-dev": ["foundation-dev"], "connect-dev": ["foundation-dev"]}
    for name, document in documents.items():
        (tmp_path / "stacks" / name).mkdir(parents=True)
        (tmp_path / "stacks" / name / "cdk.tf.json").write_text(json.dumps(document))
    stacks = {name: {"dependencies": needs.get(name, [])} for name in documents}
    (tmp_path / "manifest.json").write_text(json.dumps({"stacks": stacks}))
    return tmp_path


class FakeTerraform:
    """Stands in for Terraform: records every apply with its targets and when it started and ended."""

    def __init__(self, seconds: dict[tuple[str, bool], float], failing: set[str] = frozenset()) -> None:
        self.seconds, self.failing = seconds, failing
        self.calls: list[tuple[str, bool, float, float]] = []
        self.targets: list[tuple[str, tuple[str, ...]]] = []
        self.lowered: list[int] = []  # per apply: how far below normal CPU priority it ran (nice)
        self.running, self.most_at_once = 0, 0
        self.lock, self.t0 = threading.Lock(), time.monotonic()

    def apply(
        self, path: Path, targets: tuple[str, ...] = (), init_first: bool = True, niceness: int = 0
    ) -> ApplyResult:
        with self.lock:  # one lock for both lists: an apply's entries share an index
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.targets.append((path.name, tuple(targets)))
            self.lowered.append(niceness)
        started = time.monotonic() - self.t0

        time.sleep(self.seconds.get((path.name, bool(targets)), 0.01))
        with self.lock:
            self.running -= 1
            self.calls.append((path.name, bool(targets), started, time.monotonic() - self.t0))
        if path.name in self.failing:
            raise TerraformError(f"[{path.name}] terraform apply failed:\nError: creating VPC: VpcLimitExceeded")
        return ApplyResult(0.0, (ResourceTiming(f"{path.name}.resource", 0.0),))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeTerraform:
    terraform = FakeTerraform({("foundation-dev", False): 0.3})
    monkeypatch.setattr(deploy, "apply", terraform.apply)
    monkeypatch.setattr(deploy, "outputs", lambda path: {"stack": path.name})
    return terraform


def test_readers_start_once_what_they_read_exists_not_when_the_stack_is_done(outdir: Path, fake: FakeTerraform) -> None:
    deployment = deploy_env(outdir, "dev", report=lambda line: None)
    first_step = {name: end for name, targeted, _, end in fake.calls if targeted}
    full = {name: (start, end) for name, targeted, start, end in fake.calls if not targeted}
    assert set(first_step) == {"bootstrap-dev", "foundation-dev"}  # both have a slow part nobody reads
    for reader in ("application-dev", "connect-dev"):
        assert full[reader][0] >= first_step["foundation-dev"]
        assert full[reader][0] < full["foundation-dev"][1]  # side by side with foundation's 0.3 s rest
    assert list(deployment.outputs) == ["bootstrap-dev", "foundation-dev", "application-dev", "connect-dev"]
    assert deployment.runs["connect-dev"].status == "applied"


def test_a_long_provider_wait_that_needs_no_unready_stack_starts_before_them(
    outdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """application's KMS key (12 s of provider waits) needs nothing of foundation: it is applied while
    foundation still applies, and its subnet, which reads foundation's VPC, only once that is ready."""
    application = {
        "resource": {
            "aws_kms_key": {"key": {}},
            "aws_subnet": {"s": {"vpc_id": REMOTE % ("foundation-dev", "vpc")}},
        }
    }
    (outdir / "stacks" / "application-dev" / "cdk.tf.json").write_text(json.dumps(application))
    terraform = FakeTerraform({("foundation-dev", True): 0.3, ("foundation-dev", False): 0.3})
    monkeypatch.setattr(deploy, "apply", terraform.apply)
    monkeypatch.setattr(deploy, "outputs", lambda path: {})
    lines: list[str] = []
    deployment = deploy_env(outdir, "dev", report=lines.append)
    application_calls = [call for call in terraform.calls if call[0] == "application-dev"]
    foundation_ready = next(end for name, targeted, _, end in terraform.calls if name == "foundation-dev" and targeted)
    assert [targets for name, targets in terraform.targets if name == "application-dev"] == [("aws_kms_key.key",), ()]
    early, main = application_calls
    assert early[2] < foundation_ready <= main[2]
    assert deployment.runs["application-dev"].early == 1
    assert "[application-dev] applying the 1 resources that need none of foundation-dev" in lines
    assert "[connect-dev] applying" in lines  # nothing worth starting early: one apply


def test_an_early_step_leaves_out_waits_nobody_reads_and_is_skipped_when_it_would_not_shorten_anything(
    outdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """application: its key is read by connect, its bucket lifecycle (55 s) by nobody: the early step
    takes the key (and the bucket, which has no wait) but not the lifecycle. connect: its own key
    (12 s) would end before its queue (25 s, after foundation) anyway, so it waits and applies once."""
    application = {
        "resource": {
            "aws_kms_key": {"key": {}},
            "aws_s3_bucket": {"b": {}},
            "aws_s3_bucket_lifecycle_configuration": {"l": {"bucket": "${aws_s3_bucket.b.id}"}},
            "aws_subnet": {"s": {"vpc_id": REMOTE % ("foundation-dev", "vpc")}},
        },
        "output": {"key": {"value": "${aws_kms_key.key.arn}"}},
    }
    connect = {
        "resource": {
            "aws_kms_key": {"key": {}},
            "aws_sqs_queue": {
                "q": {
                    "name": REMOTE % ("foundation-dev", "vpc"),
                    "kms_master_key_id": REMOTE % ("application-dev", "key"),
                }
            },
        }
    }
    for name, document in {"application-dev": application, "connect-dev": connect}.items():
        (outdir / "stacks" / name / "cdk.tf.json").write_text(json.dumps(document))
    manifest = json.loads((outdir / "manifest.json").read_text())
    manifest["stacks"]["connect-dev"]["dependencies"] = ["foundation-dev", "application-dev"]
    (outdir / "manifest.json").write_text(json.dumps(manifest))
    terraform = FakeTerraform({("foundation-dev", True): 0.3})
    monkeypatch.setattr(deploy, "apply", terraform.apply)
    monkeypatch.setattr(deploy, "outputs", lambda path: {"key": "arn"} if path.name == "application-dev" else {})
    deploy_env(outdir, "dev", report=lambda line: None)
    steps = {
        name: [targets for stack, targets in terraform.targets if stack == name]
        for name in ("application-dev", "connect-dev")
    }
    assert steps["application-dev"][0] == ("aws_kms_key.key", "aws_s3_bucket.b")  # not the 55 s lifecycle
    assert steps["connect-dev"] == [()]


def test_a_stack_whose_early_step_depends_on_a_failed_stack_is_skipped(
    outdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = {
        "resource": {"aws_kms_key": {"key": {}}, "aws_subnet": {"s": {"vpc_id": REMOTE % ("foundation-dev", "vpc")}}}
    }
    (outdir / "stacks" / "application-dev" / "cdk.tf.json").write_text(json.dumps(application))
    terraform = FakeTerraform({("foundation-dev", True): 0.2}, failing={"foundation-dev"})
    monkeypatch.setattr(deploy, "apply", terraform.apply)
    monkeypatch.setattr(deploy, "outputs", lambda path: {})
    lines: list[str] = []
    with pytest.raises(DeployError):
        deploy_env(outdir, "dev", report=lines.append)
    assert [targets for name, targets in terraform.targets if name == "application-dev"] == [("aws_kms_key.key",)]
    assert "[application-dev] skipped: it needs foundation-dev, which did not deploy" in lines


def test_lines_come_out_in_deployment_order_each_naming_its_stack(outdir: Path, fake: FakeTerraform) -> None:
    lines: list[str] = []
    deploy_env(outdir, "dev", report=lines.append)
    stacks = [line.split("]")[0].strip("[") for line in lines]
    assert stacks == sorted(stacks, key=["bootstrap-dev", "foundation-dev", "application-dev", "connect-dev"].index)
    assert all(line.startswith("[") for line in lines)
    assert lines[-1].startswith("[connect-dev] applied in")


def test_a_failed_stack_stops_its_dependents_and_is_named_with_terraforms_error(
    outdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terraform = FakeTerraform({}, failing={"foundation-dev"})
    monkeypatch.setattr(deploy, "apply", terraform.apply)
    monkeypatch.setattr(deploy, "outputs", lambda path: {})
    lines: list[str] = []
    with pytest.raises(
        DeployError, match=r"foundation-dev: \[foundation-dev\] terraform apply failed:\nError: creating VPC"
    ):
        deploy_env(outdir, "dev", report=lines.append)
    applied = {name for name, *_ in terraform.calls}
    assert "application-dev" not in applied and "connect-dev" not in applied
    assert "[application-dev] skipped: it needs foundation-dev, which did not deploy" in lines


def test_no_more_terraform_processes_than_jobs(outdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    terraform = FakeTerraform({("application-dev", False): 0.2, ("connect-dev", False): 0.2})
    monkeypatch.setattr(deploy, "apply", terraform.apply)
    monkeypatch.setattr(deploy, "outputs", lambda path: {})
    deploy_env(outdir, "dev", report=lambda line: None, jobs=1)
    assert terraform.most_at_once == 1


def test_only_applies_the_named_stacks_without_waiting_for_the_others(outdir: Path, fake: FakeTerraform) -> None:
    deployment = deploy_env(outdir, "dev", report=lambda line: None, only=["connect-dev"])
    assert [(name, targeted) for name, targeted, *_ in fake.calls] == [("connect-dev", False)]
    assert list(deployment.runs) == ["connect-dev"]


def test_unknown_stack_names_are_refused_before_anything_is_applied(outdir: Path) -> None:
    with pytest.raises(TerraformError, match=r"no such stack in env 'dev': bootstrap-qa \(stacks: bootstrap-dev, "):
        deploy_env(outdir, "dev", report=lambda line: None, only=["bootstrap-qa"])


def test_ordered_report_holds_a_later_stack_until_the_earlier_ones_are_done() -> None:
    printed: list[str] = []
    report = OrderedReport(["a", "b", "c"], printed.append)
    report.line("b", "started")
    report.line("a", "started")
    report.line("c", "started")
    assert printed == ["[a] started"]
    report.finish("b")
    report.finish("a")
    assert printed == ["[a] started", "[b] started", "[c] started"]
    report.line("c", "done")
    assert printed[-1] == "[c] done"


def test_apply_events_give_resource_durations_and_terraforms_own_errors() -> None:
    lines = [
        json.dumps(
            {"type": "apply_complete", "hook": {"resource": {"addr": "aws_db_instance.db"}, "elapsed_seconds": 80}}
        ),
        json.dumps(
            {
                "type": "diagnostic",
                "@level": "error",
                "diagnostic": {
                    "summary": "creating RDS DB Instance",
                    "detail": "InvalidParameterValue",
                    "address": "aws_db_instance.db",
                },
            }
        ),
        json.dumps(
            {"type": "diagnostic", "@level": "warning", "diagnostic": {"summary": "Resource targeting is in effect"}}
        ),
        "not json",
    ]
    timings, errors = parse_apply_events(lines)
    assert timings == [ResourceTiming("aws_db_instance.db", 80.0)]
    assert errors == ["creating RDS DB Instance (aws_db_instance.db): InvalidParameterValue"]


def test_priority_lowers_the_steps_off_the_critical_path_all_of_them_or_less_than_niced_work(
    outdir: Path, fake: FakeTerraform
) -> None:
    """By default only steps off the critical path run niced; a deploy with time to spare lowers them
    all; the one the others wait for keeps its critical path at normal priority and its other steps
    ahead of the niced work."""
    deploy_env(outdir, "dev", report=lambda line: None)
    assert set(fake.lowered) == {0, BACKGROUND_NICENESS}
    expected = {
        deploy.Priority.LOW: {BACKGROUND_NICENESS},
        deploy.Priority.AHEAD_OF_BACKGROUND: {0, deploy.AHEAD_OF_BACKGROUND_NICENESS},
    }
    for priority, lowered in expected.items():
        fake.lowered.clear()
        deploy_env(outdir, "dev", report=lambda line: None, priority=priority)
        assert set(fake.lowered) == lowered
    assert 0 < deploy.AHEAD_OF_BACKGROUND_NICENESS < BACKGROUND_NICENESS


def test_what_a_ready_step_applied_through_its_targets_dependencies_does_not_keep_the_rest_on_the_critical_path(
    tmp_path: Path, fake: FakeTerraform
) -> None:
    """foundation's readers read its subnet: the ready step targets the subnet, and Terraform applies
    the VPC (10 s, on the way to data's database) with it. The rest (a log group) is off the critical
    path, so it runs niced."""
    documents = {
        "bootstrap-dev": {
            "resource": {"aws_s3_bucket": {"state": {}}},
            "output": {"state_bucket_name": {"value": "${aws_s3_bucket.state.bucket}"}},
        },
        "foundation-dev": {
            "resource": {
                "aws_vpc": {"vpc": {}},
                "aws_subnet": {"s": {"vpc_id": "${aws_vpc.vpc.id}"}},
                "aws_cloudwatch_log_group": {"flow_logs": {}},
            },
            "output": {"subnet": {"value": "${aws_subnet.s.id}"}},
        },
        "data-dev": {"resource": {"aws_db_instance": {"db": {"subnet": REMOTE % ("foundation-dev", "subnet")}}}},
    }
    for name, document in documents.items():
        (tmp_path / "stacks" / name).mkdir(parents=True)
        (tmp_path / "stacks" / name / "cdk.tf.json").write_text(json.dumps(document))
    stacks = {name: {"dependencies": ["foundation-dev"] if name == "data-dev" else []} for name in documents}
    (tmp_path / "manifest.json").write_text(json.dumps({"stacks": stacks}))
    deploy_env(tmp_path, "dev", report=lambda line: None)
    steps = zip(fake.targets, fake.lowered, strict=True)
    foundation = [(targets, nice) for (name, targets), nice in steps if name == "foundation-dev"]
    assert foundation == [(("aws_subnet.s",), 0), ((), BACKGROUND_NICENESS)]


def test_a_stack_whose_readers_need_nothing_of_its_missing_stacks_is_ready_for_them_before_those_are(
    outdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """application's role (read by connect) needs nothing of foundation; its subnet does. The role is
    applied at once and connect starts while foundation still applies; the rest waits for foundation."""
    application = {
        "resource": {
            "aws_iam_role": {"role": {}},
            "aws_subnet": {"s": {"vpc_id": REMOTE % ("foundation-dev", "vpc")}},
        },
        "output": {"role": {"value": "${aws_iam_role.role.name}"}},
    }
    connect = {"resource": {"aws_iam_role_policy": {"p": {"role": REMOTE % ("application-dev", "role")}}}}
    for name, document in {"application-dev": application, "connect-dev": connect}.items():
        (outdir / "stacks" / name / "cdk.tf.json").write_text(json.dumps(document))
    manifest = json.loads((outdir / "manifest.json").read_text())
    manifest["stacks"]["connect-dev"]["dependencies"] = ["application-dev"]
    (outdir / "manifest.json").write_text(json.dumps(manifest))
    terraform = FakeTerraform({("foundation-dev", True): 0.3, ("foundation-dev", False): 0.3})
    monkeypatch.setattr(deploy, "apply", terraform.apply)
    monkeypatch.setattr(deploy, "outputs", lambda path: {"role": "name"} if path.name == "application-dev" else {})
    deploy_env(outdir, "dev", report=lambda line: None)
    steps = [targets for name, targets in terraform.targets if name == "application-dev"]
    assert steps == [("aws_iam_role.role",), ()]
    foundation_ready = next(end for name, targeted, _, end in terraform.calls if name == "foundation-dev" and targeted)
    [connect_start] = [start for name, _, start, _ in terraform.calls if name == "connect-dev"]
    [application_rest] = [
        start for name, targeted, start, _ in terraform.calls if name == "application-dev" and not targeted
    ]
    assert connect_start < foundation_ready <= application_rest


def test_a_failed_json_run_is_named_with_terraforms_own_errors_or_its_whole_output() -> None:
    diagnostic = {"type": "diagnostic", "@level": "error", "diagnostic": {"summary": "No valid credential sources"}}
    failed = TerraformResult(("plan", "-destroy", "-json"), 1, json.dumps(diagnostic) + "\n", "")
    error = json_run_failed(failed, "data-dev", "plan -destroy")
    assert str(error) == "[data-dev] terraform plan -destroy failed:\nNo valid credential sources"
    crashed = TerraformResult(("apply", "-json"), 1, "", "panic: provider crashed")
    message = str(json_run_failed(crashed, "data-dev", "apply"))
    assert message.startswith("[data-dev] terraform apply failed:\nterraform apply -json exited 1")
    assert message.endswith("panic: provider crashed")
