"""Plan report: counts, blocking stateful destroys/replacements, masking, GitHub size limit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tools.plan_report import MASK, action_of, destroy_report, fit, markdown, stack_report, summary
from tools.terraform import TerraformError, TerraformResult


def change(address: str, actions: list[str], before: Any = None, after: Any = None, **extra: Any) -> dict[str, Any]:
    resource_type = address.split(".")[0]
    return {
        "address": address,
        "type": resource_type,
        "change": {"actions": actions, "before": before, "after": after, **extra},
    }


PLAN = {
    "resource_changes": [
        change(
            "aws_dynamodb_table.table",
            ["delete", "create"],
            {"name": "a", "hash_key": "pk"},
            {"name": "a", "hash_key": "id"},
        ),
        change(
            "aws_lambda_function.fn",
            ["update"],
            {"memory_size": 512, "environment": {"x": "1"}},
            {"memory_size": 1024, "environment": {"x": "1"}},
        ),
        change("aws_sqs_queue.q", ["create"], None, {"name": "q"}),
        change("aws_iam_role.old", ["delete"], {"name": "old"}, None),
        change("aws_db_instance.db", ["no-op"], {"id": "db"}, {"id": "db"}),
        change(
            "aws_secretsmanager_secret_version.v",
            ["update"],
            {"secret_string": "old"},
            {"secret_string": "new"},
            before_sensitive={"secret_string": True},
            after_sensitive={"secret_string": True},
        ),
    ]
}


def test_actions_are_named_and_no_ops_dropped() -> None:
    assert action_of(["delete", "create"]) == action_of(["create", "delete"]) == "replace"
    assert action_of(["no-op"]) is None and action_of(["read"]) is None
    report = stack_report("data-dev", PLAN)
    assert [(c.address, c.action) for c in report.changes] == [
        ("aws_dynamodb_table.table", "replace"),
        ("aws_lambda_function.fn", "update"),
        ("aws_sqs_queue.q", "create"),
        ("aws_iam_role.old", "delete"),
        ("aws_secretsmanager_secret_version.v", "update"),
    ]


def test_only_stateful_destroys_and_replacements_block() -> None:
    report = stack_report("data-dev", PLAN)
    assert [c.address for c in report.blocking] == ["aws_dynamodb_table.table"]
    body = markdown("dev", [report])
    assert body.index("blocking change(s)") < body.index("| Stack |"), "blocking changes come first"
    assert "| `data-dev` | 1 | 2 | 1 | 1 |" in body
    assert summary("dev", [report])["blocking"][0]["address"] == "aws_dynamodb_table.table"


def test_updates_list_changed_attributes_and_mask_sensitive_values() -> None:
    report = stack_report("data-dev", PLAN)
    fn = next(c for c in report.changes if c.address == "aws_lambda_function.fn")
    assert [(a.path, a.before, a.after) for a in fn.attributes] == [("memory_size", 512, 1024)]
    secret = next(c for c in report.changes if c.type == "aws_secretsmanager_secret_version")
    assert [(a.path, a.before, a.after) for a in secret.attributes] == [("secret_string", MASK, MASK)]
    body = markdown("dev", [report])
    assert '"old"' not in body and '"new"' not in body and MASK in body


def test_no_changes_says_so() -> None:
    body = markdown("dev", [stack_report("data-dev", {"resource_changes": [change("aws_s3_bucket.b", ["no-op"])]})])
    assert "No changes" in body and "blocking" not in body


def test_long_reports_are_cut_with_a_note_and_closed_details() -> None:
    body = "x" * 100 + "<details>" + "y" * 1000
    cut = fit(body, 400)
    assert len(cut) <= 400 and "Report truncated" in cut
    assert fit("short", 400) == "short"


def test_a_changed_connect_alias_is_a_blocking_replacement() -> None:
    """Changing `connect.instance_alias` replaces the instance with its numbers, users and history."""
    from tools.plan_report import EXIT_BLOCKING, exit_code

    plan = {
        "resource_changes": [
            change(
                "aws_connect_instance.contact-center_instance_0A1B2C3D",
                ["delete", "create"],
                {"instance_alias": "cc-prod-contact-center"},
                {"instance_alias": "cc-prod-contact-centre"},
                replace_paths=[["instance_alias"]],
            )
        ]
    }
    report = stack_report("connect-prod", plan)
    [blocking] = report.blocking
    assert (blocking.type, blocking.action) == ("aws_connect_instance", "replace")
    assert [(a.path, a.before, a.after) for a in blocking.attributes] == [
        ("instance_alias", "cc-prod-contact-center", "cc-prod-contact-centre")
    ]
    assert "blocking change(s)" in markdown("prod", [report])
    assert exit_code([report], allow_stateful_changes=False) == EXIT_BLOCKING


def test_an_empty_plan_is_not_shown_and_a_plan_with_changes_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`terraform show` starts the provider again; after `plan -detailed-exitcode` said 0 it adds nothing."""
    import tools.drift as drift
    import tools.plan_report as plan_report

    commands: list[str] = []
    plan_exit = [0]

    def terraform(path: Path, *args: str, **kwargs: Any) -> TerraformResult:
        commands.append(args[0] if args[0] != "plan" or "-refresh-only" not in args else "refresh")
        shown = json.dumps({"resource_changes": PLAN["resource_changes"], "resource_drift": []})
        code = plan_exit[0] if args[0] == "plan" else 0
        return TerraformResult(args, code, shown if args[0] == "show" else "", "")

    # drift's refresh goes through plan_report.detailed_plan too.
    monkeypatch.setattr(plan_report, "run_terraform", terraform)
    monkeypatch.setattr(plan_report, "init", lambda path: None)

    assert plan_report.detailed_plan(tmp_path) == (0, plan_report.no_changes())
    assert stack_report("data-local", plan_report.no_changes()).changes == ()
    assert drift.refresh_only_plan(tmp_path) == plan_report.no_changes()
    assert commands == ["plan", "refresh"]

    plan_exit[0] = 2
    code, shown = plan_report.detailed_plan(tmp_path)
    assert code == 2 and stack_report("data-local", shown).blocking
    assert drift.refresh_only_plan(tmp_path)["resource_changes"]
    assert commands == ["plan", "refresh", "plan", "show", "refresh", "show"]


def _planned(address: str, action: str) -> str:
    kind = address.split(".")[0]
    resource = {
        "addr": address,
        "resource_type": kind,
        "resource_name": address.split(".")[1],
        "implied_provider": "aws",
    }
    return json.dumps({"@level": "info", "type": "planned_change", "change": {"resource": resource, "action": action}})


def test_a_destroy_plans_events_give_the_same_report_as_its_json() -> None:
    addresses = ["aws_db_instance.db", "aws_dynamodb_table.t", "aws_db_subnet_group.g"]
    events = ['{"type": "version", "terraform": "1.11.4"}', *(_planned(a, "delete") for a in addresses), "not json"]
    plan = {"resource_changes": [{"address": a, "type": a.split(".")[0], "change": {"actions": ["delete"]}}
                                 for a in sorted(addresses)]}  # fmt: skip
    from_events = destroy_report("data-dev", events)
    assert from_events == stack_report("data-dev", plan)
    assert [change.address for change in from_events.blocking] == ["aws_db_instance.db", "aws_dynamodb_table.t"]
    assert markdown("dev", [from_events]) == markdown("dev", [stack_report("data-dev", plan)])


def test_a_destroy_plan_that_would_do_anything_but_delete_is_refused_by_name() -> None:
    with pytest.raises(TerraformError, match=r"\[data-dev\] a destroy plan would create aws_db_instance.db"):
        destroy_report("data-dev", [_planned("aws_db_instance.db", "create")])
