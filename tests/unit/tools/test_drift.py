"""Drift report: attribute-level changes from resource_drift, ignore rules, deleted resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.drift import IgnoreRule, drifted_resources, load_ignore_rules, markdown

PLAN = {
    "resource_drift": [
        {"address": "aws_s3_bucket_versioning.v", "type": "aws_s3_bucket_versioning",
         "change": {"actions": ["update"], "before": {"versioning_configuration": [{"status": "Enabled"}]},
                    "after": {"versioning_configuration": [{"status": "Suspended"}]}}},
        {"address": "aws_sqs_queue.q", "type": "aws_sqs_queue",
         "change": {"actions": ["update"], "before": {"tags_all": {"a": "1"}}, "after": {"tags_all": {"a": "2"}}}},
        {"address": "aws_iam_role.gone", "type": "aws_iam_role",
         "change": {"actions": ["delete"], "before": {"name": "gone"}, "after": None}},
    ]
}  # fmt: skip


def test_drift_is_reported_per_attribute_without_ignored_noise() -> None:
    rules = [IgnoreRule(("aws_*",), ("tags_all",), "computed")]
    drifted = drifted_resources("foundation-local", PLAN, rules)
    assert [(d.address, d.action) for d in drifted] == [
        ("aws_s3_bucket_versioning.v", "update"),
        ("aws_iam_role.gone", "delete"),
    ]
    [change] = drifted[0].attributes
    assert change.path == "versioning_configuration" and change.after == [{"status": "Suspended"}]
    body = markdown("local", drifted)
    assert "2 resource(s) changed outside Terraform" in body and "Suspended" in body


def test_no_drift_says_so() -> None:
    assert "No drift" in markdown("local", drifted_resources("x", {"resource_drift": []}, []))


def test_the_shipped_ignore_file_is_valid_and_each_entry_has_a_reason(tmp_path: Path) -> None:
    assert all(rule.reason for rule in load_ignore_rules())
    broken = tmp_path / "drift-ignore.toml"
    broken.write_text('[[ignore]]\ntypes = ["aws_*"]\nattributes = ["tags_all"]\n')
    with pytest.raises(ValueError, match="needs types, attributes and a reason"):
        load_ignore_rules(broken)


def test_unset_and_empty_are_the_same_and_json_is_compared_by_content() -> None:
    from tools.drift import canonical

    assert canonical(None) == canonical("") == canonical([]) == canonical({}) == canonical(False) is None
    assert canonical({"tags": None}) == canonical({"tags": {}}) is None
    assert canonical('{"a": 1,  "b": []}') == canonical('{"a":1}') == {"a": 1}
    assert canonical(0) == 0 and canonical(True) is True  # zero and true are values, not "unset"
    plan = {"resource_drift": [{"address": "aws_sns_topic.t", "type": "aws_sns_topic",
            "change": {"actions": ["update"], "before": {"tags": None, "policy": '{"a": 1}'},
                       "after": {"tags": {}, "policy": '{ "a" : 1 }'}}}]}  # fmt: skip
    assert drifted_resources("application-local", plan, []) == []
