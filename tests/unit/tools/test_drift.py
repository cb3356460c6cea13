"""Drift report: attribute-level changes from resource_drift, ignore rules, deleted resources."""

from __future__ import annotations

import json
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
    assert (change.path, change.before, change.after) == ("versioning_configuration[0].status", "Enabled", "Suspended")
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


def test_a_flow_edited_in_the_console_names_the_action_and_parameter_that_changed() -> None:
    """Flow content is compared as JSON (key order and indentation are no drift) and the change is named
    by the action's Identifier; set items by what names them (a channel)."""
    before = {"Version": "2019-10-30", "Actions": [{"Identifier": "hello", "Parameters": {"Text": "Hi"}},
                                                   {"Identifier": "bye", "Parameters": {"Text": "Bye"}}]}  # fmt: skip
    after = {"Actions": [{"Parameters": {"Text": "Hi"}, "Identifier": "hello"},
                         {"Identifier": "bye", "Parameters": {"Text": "See you"}}],
             "Version": "2019-10-30"}  # fmt: skip
    plan = {"resource_drift": [
        {"address": "aws_connect_contact_flow.f", "type": "aws_connect_contact_flow",
         "change": {"actions": ["update"], "before": {"content": json.dumps(before)},
                    "after": {"content": json.dumps(after, indent=4)}}},
        {"address": "aws_connect_routing_profile.p", "type": "aws_connect_routing_profile",
         "change": {"actions": ["update"],
                    "before": {"media_concurrencies": [{"channel": "CHAT", "concurrency": 2},
                                                       {"channel": "VOICE", "concurrency": 1}]},
                    "after": {"media_concurrencies": [{"channel": "CHAT", "concurrency": 3},
                                                      {"channel": "VOICE", "concurrency": 1}]}}},
    ]}  # fmt: skip
    flow, profile = drifted_resources("connect-local", plan, [])
    assert [(a.path, a.before, a.after) for a in flow.attributes] == [
        ("content.Actions[bye].Parameters.Text", "Bye", "See you")]  # fmt: skip
    assert [(a.path, a.before, a.after) for a in profile.attributes] == [
        ("media_concurrencies[CHAT].concurrency", 2, 3)
    ]
    reindented = {"resource_drift": [{"address": "aws_connect_contact_flow.f", "type": "aws_connect_contact_flow",
                  "change": {"actions": ["update"], "before": {"content": json.dumps(before)},
                             "after": {"content": json.dumps(before, indent=2, sort_keys=True)}}}]}  # fmt: skip
    assert drifted_resources("connect-local", reindented, []) == []
