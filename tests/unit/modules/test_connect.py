"""Amazon Connect: instance from config, storage to the right buckets and streams, queues and
profiles, flows rendered from templates with every invoked function associated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from envs import EnvConfig
from modules.connect import FlowTemplateError, Template, render, templates
from modules.naming import Function
from tests.conftest import SynthFn
from tests.helpers import body, ref, resources


@pytest.fixture(scope="module")
def connect(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.connect) for name, stacks in platform.items()}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_instance_follows_the_env_config(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]], configs: dict[str, EnvConfig], env: str
) -> None:
    instance = body(connect[env], platform[env].connect.contact_center.instance)
    settings = configs[env].connect
    assert instance["instance_alias"] == settings.instance_alias
    assert instance["inbound_calls_enabled"] is settings.inbound_calls
    assert instance["contact_lens_enabled"] is settings.contact_lens
    phone = platform[env].connect.contact_center.phone_number
    assert (phone is not None) is settings.claim_phone_number


def test_storage_configs_point_at_the_right_buckets_and_streams(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]]
) -> None:
    stacks = platform["prod"]
    storage, streams = stacks.foundation.storage, stacks.integration.streams.streams
    configs = {k: body(connect["prod"], v)["storage_config"] for k, v in stacks.connect.contact_center.storage.items()}
    recordings = configs["CALL_RECORDINGS"]["s3_config"]
    assert recordings["bucket_name"] == ref(storage.recordings.bucket, "bucket")
    assert recordings["encryption_config"] == {"encryption_type": "KMS", "key_id": ref(storage.key.key, "arn")}
    assert configs["CHAT_TRANSCRIPTS"]["s3_config"]["bucket_name"] == ref(storage.recordings.bucket, "bucket")
    assert configs["SCREEN_RECORDINGS"]["s3_config"]["bucket_name"] == ref(storage.screen_recordings.bucket, "bucket")
    ctr = configs["CONTACT_TRACE_RECORDS"]["kinesis_stream_config"]["stream_arn"]
    assert ctr == ref(streams[next(s for s in streams if s.value == "ctr")], "arn")
    agent_events = configs["AGENT_EVENTS"]["kinesis_stream_config"]["stream_arn"]
    assert agent_events == ref(streams[next(s for s in streams if s.value == "agent-events")], "arn")


def test_queues_routing_and_security_profiles(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]], configs: dict[str, EnvConfig]
) -> None:
    center = platform["prod"].connect.contact_center
    assert set(center.queues) == set(configs["prod"].connect.queues)
    profile = body(connect["prod"], center.routing_profile)
    assert {q["queue_id"] for q in profile["queue_configs"]} == {ref(q, "queue_id") for q in center.queues.values()}
    assert set(center.security_profiles) == {"agent", "supervisor"}


def test_every_function_a_flow_invokes_is_associated_and_only_this_instance_may_invoke_it(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]]
) -> None:
    center = platform["prod"].connect.contact_center
    functions = platform["prod"].integration.functions.entry_points
    invoked = {name for t in templates() for kind, name in t.placeholders() if kind == "function"}
    assert invoked == {"queue-experience"}
    assert {f.value for f in center.lambda_associations} == invoked
    for function in center.lambda_associations:
        association = body(connect["prod"], center.lambda_associations[function])
        entry = functions[function]  # prod publishes queue-experience: Connect invokes its live alias
        assert association["function_arn"] == ref(entry.alias or entry.function, "arn")
    permissions = [
        p for p in resources(connect["prod"], "aws_lambda_permission") if p["principal"] == "connect.amazonaws.com"
    ]
    assert [p["source_arn"] for p in permissions] == [ref(center.instance, "arn")]


def test_flows_are_rendered_without_placeholders_or_hand_written_arns(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]]
) -> None:
    center = platform["prod"].connect.contact_center
    flow = body(connect["prod"], center.flows["inbound"])
    assert "{{" not in flow["content"] and "arn:aws" not in flow["content"]
    content = json.loads(flow["content"])
    actions = {a["Identifier"]: a for a in content["Actions"]}
    assert actions["set-queue"]["Parameters"]["QueueId"] == ref(center.queues["support"], "arn")
    # prod publishes queue-experience (SnapStart): the flow invokes its live alias
    assert actions["queue-experience"]["Parameters"]["LambdaFunctionARN"] == ref(
        platform["prod"].integration.functions.entry_points[Function.QUEUE_EXPERIENCE].alias, "arn"
    )
    assert actions["after-hours"]["Parameters"]["FlowModuleId"] == ref(
        center.flow_modules["after-hours"], "contact_flow_module_id"
    )
    for template in templates():
        assert "arn:aws" not in template.text, f"{template.path.name} hand-writes an ARN"


def test_unknown_placeholders_and_broken_templates_fail_synth_with_the_file_name(tmp_path: Path) -> None:
    template = tmp_path / "flow.json"
    template.write_text('{"QueueId": "{{queue:ghost}}"}')
    with pytest.raises(FlowTemplateError, match=r"flow\.json: unknown placeholder\(s\) \{\{queue:ghost\}\}"):
        render(Template("flow", "flow", template), {("queue", "support"): "arn"})
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "broken.json").write_text("{not json")
    with pytest.raises(FlowTemplateError, match=r"broken\.json: not valid JSON"):
        templates(tmp_path)
