"""Audit: the account's trail of every API call (account stack, once per account) and each env's
trail of who read or wrote a recording or a voicemail (security layer), with their alarms."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modules.audit import TRAIL_CHANGES, UNAUTHORIZED_CALLS
from tests.conftest import SynthFn
from tests.helpers import body, ref


@pytest.fixture(scope="module")
def security(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.security) for name, stacks in platform.items() if name in ("dev", "prod")}


@pytest.fixture(scope="module")
def account(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.account) for name, stacks in platform.items() if name in ("dev", "prod")}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_each_trail_covers_every_region_validates_and_encrypts_its_files(
    platform: dict[str, Any], security: dict[str, dict[str, Any]], account: dict[str, dict[str, Any]], env: str
) -> None:
    for audit, stack, name in ((platform[env].security.audit, security[env], f"cc-{env}-audit"),
                               (platform[env].account.audit, account[env], f"cc-{env}-account-audit")):  # fmt: skip
        trail = body(stack, audit.trail)
        assert trail["name"] == name
        assert trail["is_multi_region_trail"] is True and trail["enable_log_file_validation"] is True
        assert trail["kms_key_id"] == ref(audit.key.key, "arn")
        assert trail["s3_bucket_name"] == ref(audit.bucket.bucket, "bucket")
        assert trail["cloud_watch_logs_group_arn"] == f"{ref(audit.log_group, 'arn')}:*"


def test_the_account_trail_records_every_api_call_once_per_account(
    platform: dict[str, Any], account: dict[str, dict[str, Any]], security: dict[str, dict[str, Any]]
) -> None:
    trail = body(account["prod"], platform["prod"].account.audit.trail)
    assert trail["include_global_service_events"] is True
    assert trail["event_selector"] == [{"read_write_type": "All", "include_management_events": True}]
    # The env trail does not record them again (a second copy of management events is charged).
    env_trail = body(security["prod"], platform["prod"].security.audit.trail)
    assert env_trail["event_selector"][0]["include_management_events"] is False


def test_an_adopted_organization_trail_replaces_the_account_trail(configs: dict[str, Any], synth: SynthFn) -> None:
    from cdktf import Testing

    from stacks.account import AccountStack

    dev = configs["dev"]
    org = "arn:aws:cloudtrail:us-east-1:999999999999:trail/organization"
    adopted = dev.model_copy(update={"audit": dev.audit.model_copy(update={"organization_trail_arn": org})})
    stack = AccountStack(Testing.app(), adopted)
    assert stack.audit is None
    synthesized = synth(stack)
    assert "aws_cloudtrail" not in synthesized["resource"]
    assert synthesized["output"]["account_trail_arn"]["value"] == org
    assert "aws_api_gateway_account" in synthesized["resource"]  # the rest of the account stack stays


def test_reads_and_writes_of_recordings_voicemails_and_screen_recordings_are_recorded(
    platform: dict[str, Any], security: dict[str, dict[str, Any]]
) -> None:
    stacks = platform["prod"]
    [selector] = body(security["prod"], stacks.security.audit.trail)["event_selector"]
    assert selector["read_write_type"] == "All" and selector["include_management_events"] is False
    [objects] = selector["data_resource"]
    assert objects["type"] == "AWS::S3::Object"
    storage = stacks.foundation.storage
    watched = [storage.recordings.bucket, storage.voicemail.bucket, storage.screen_recordings.bucket]
    assert objects["values"] == [f"{ref(bucket, 'arn')}/" for bucket in watched]  # every object of each


def test_the_trail_bucket_admits_only_this_trail_and_keeps_the_files_as_configured(
    platform: dict[str, Any], security: dict[str, dict[str, Any]], configs: dict[str, Any]
) -> None:
    audit = platform["prod"].security.audit
    policy = json.loads(body(security["prod"], audit.bucket.policy)["policy"])
    statements = {s.get("Sid"): s for s in policy["Statement"]}
    write = statements["CloudTrailWritesLogFiles"]
    assert write["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert write["Condition"]["StringEquals"] == {
        "aws:SourceArn": "arn:aws:cloudtrail:us-east-1:333333333333:trail/cc-prod-audit",
        "s3:x-amz-acl": "bucket-owner-full-control",
    }
    assert write["Resource"].endswith("/AWSLogs/333333333333/*")
    lifecycle = body(security["prod"], audit.bucket.lifecycle)
    [rule] = [r for r in lifecycle["rule"] if r.get("expiration")]
    assert rule["expiration"][0]["days"] == configs["prod"].audit.retention_days


def test_refused_calls_and_trail_changes_alarm_on_the_envs_topic(
    platform: dict[str, Any], security: dict[str, dict[str, Any]], account: dict[str, dict[str, Any]]
) -> None:
    expected = {
        "account": ({"audit-unauthorized-calls": UNAUTHORIZED_CALLS, "audit-trail-changed": TRAIL_CHANGES},
                    {"audit-unauthorized-calls": 5, "audit-trail-changed": 1}),
        "security": ({"audit-refused-object-access": UNAUTHORIZED_CALLS}, {"audit-refused-object-access": 5}),
    }  # fmt: skip
    for layer, stack in (("account", account["prod"]), ("security", security["prod"])):
        audit = getattr(platform["prod"], layer).audit
        filters = stack["resource"]["aws_cloudwatch_log_metric_filter"].values()
        patterns, thresholds = expected[layer]
        assert {f["metric_transformation"]["name"]: f["pattern"] for f in filters} == patterns
        assert all(f["log_group_name"] == ref(audit.log_group, "name") for f in filters)
        alarms = {name: body(stack, alarm) for name, alarm in audit.alarms.items()}
        assert {name: alarm["threshold"] for name, alarm in alarms.items()} == thresholds
        for alarm in alarms.values():
            assert alarm["namespace"] == "ContactCenter/prod/Audit"
            assert alarm["alarm_actions"] == ["arn:aws:sns:us-east-1:333333333333:cc-prod-alarms"]


def test_prod_trail_files_are_copied_to_the_dr_region_under_a_key_there(
    platform: dict[str, Any], security: dict[str, dict[str, Any]], account: dict[str, dict[str, Any]]
) -> None:
    for layer, stack, twin in (("security", security["prod"], "cc-prod-audit-replica-333333333333"),
                               ("account", account["prod"], "cc-prod-account-audit-replica-333333333333")):  # fmt: skip
        audit = getattr(platform["prod"], layer).audit
        assert audit.replica is not None
        replica = body(stack, audit.replica.bucket)
        assert replica["bucket"] == twin and replica["provider"] == "aws.replica"
        providers = {p.get("alias"): p["region"] for p in stack["provider"]["aws"]}
        assert providers["replica"] == "us-west-2"
        [replication] = stack["resource"]["aws_s3_bucket_replication_configuration"].values()
        assert replication["bucket"] == ref(audit.bucket.bucket, "id")
        [rule] = replication["rule"]
        assert rule["destination"]["bucket"] == ref(audit.replica.bucket, "arn")
        assert rule["delete_marker_replication"] == {"status": "Enabled"}
        replica_key = rule["destination"]["encryption_configuration"]["replica_kms_key_id"]
        [key] = [
            k for k_id, k in stack["resource"]["aws_kms_key"].items() if replica_key == f"${{aws_kms_key.{k_id}.arn}}"
        ]
        assert key["provider"] == "aws.replica" and key["enable_key_rotation"] is True
    for env in ("dev",):
        assert platform[env].security.audit.replica is None and platform[env].account.audit.replica is None
