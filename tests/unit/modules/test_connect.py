"""Amazon Connect: instance from config, storage to the right buckets and streams, queues and
profiles, flows rendered from their templates (typed, checked, laid out), every invoked function
associated before the flows that invoke it, and numbers routed to their flows."""

from __future__ import annotations

import json
from typing import Any

import pytest

from envs import EnvConfig
from modules.connect_flows.language import FlowType
from modules.connect_flows.templates import load_templates
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
    # A changed alias replaces the instance (numbers, users, history): prod refuses to destroy it.
    assert instance.get("lifecycle", {}).get("prevent_destroy", False) is settings.prevent_destroy
    assert settings.prevent_destroy is (env == "prod")
    numbers = platform[env].connect.contact_center.phone_numbers
    assert len(numbers) == len(settings.phone_numbers)


def test_storage_configs_point_at_the_right_buckets_and_streams(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]], configs: dict[str, EnvConfig]
) -> None:
    stacks = platform["prod"]
    storage, streams = stacks.foundation.storage, stacks.integration.streams.streams
    settings = configs["prod"].connect
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
    media = configs["MEDIA_STREAMS"]  # callers' voicemail audio, streamed live to Kinesis Video Streams
    assert media["storage_type"] == "KINESIS_VIDEO_STREAM"
    video = media["kinesis_video_stream_config"]
    assert video["prefix"] == "cc-prod-media"
    assert video["retention_period_hours"] == settings.media_retention_hours
    assert video["encryption_config"] == {"encryption_type": "KMS", "key_id": ref(storage.key.key, "arn")}


def test_default_queues_hours_routing_and_security_profiles(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]], configs: dict[str, EnvConfig]
) -> None:
    """dev lists nothing but an alias: two queues on business hours, one profile serving both, voice
    and two chats, agent and supervisor security profiles, no hierarchy, no agents."""
    center, settings = platform["dev"].connect.contact_center, configs["dev"].connect
    assert set(center.queues) == {"support", "billing"} == set(settings.queue_names)
    [profile] = center.routing.routing_profiles.values()
    profile = body(connect["dev"], profile)
    assert {q["queue_id"] for q in profile["queue_configs"]} == {ref(q, "queue_id") for q in center.queues.values()}
    assert {(c["channel"], c["concurrency"]) for c in profile["media_concurrencies"]} == {("VOICE", 1), ("CHAT", 2)}
    assert set(center.agents.security_profiles) == {"agent", "supervisor"}
    [hours] = center.routing.hours.values()
    hours = body(connect["dev"], hours)
    assert hours["name"] == "business-hours" and hours["time_zone"] == settings.time_zone
    assert sorted(day["day"] for day in hours["config"]) == sorted(settings.hours.days)
    assert hours["config"][0]["start_time"] == {"hours": 8, "minutes": 0}
    assert center.agents.hierarchy is None and not center.agents.users and not center.routing.quick_connects
    assert body(connect["dev"], center.instance)["identity_management_type"] == "SAML"


def test_each_queue_follows_its_hours_set_capacity_caller_id_and_quick_connects(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]]
) -> None:
    local, prod = platform["local"].connect.contact_center, platform["prod"].connect.contact_center
    billing = body(connect["local"], local.queues["billing"])
    assert billing["hours_of_operation_id"] == ref(local.routing.hours["extended"], "hours_of_operation_id")
    assert billing["max_contacts"] == 20
    extended = body(connect["local"], local.routing.hours["extended"])
    assert {(c["day"], c["start_time"]["hours"], c["end_time"]["hours"]) for c in extended["config"]} == {
        (day, 7, 21) for day in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY")
    }
    support = body(connect["local"], local.queues["support"])
    assert support["quick_connect_ids"] == [
        ref(local.routing.quick_connects["to-billing"], "quick_connect_id"),
        ref(local.routing.quick_connects["escalation-line"], "quick_connect_id"),
    ]
    to_billing = body(connect["local"], local.routing.quick_connects["to-billing"])["quick_connect_config"]
    assert to_billing["quick_connect_type"] == "QUEUE"
    assert to_billing["queue_config"] == [{"contact_flow_id": ref(local.flows["queue-transfer"], "contact_flow_id"),
                                           "queue_id": ref(local.queues["billing"], "queue_id")}]  # fmt: skip
    line = body(connect["local"], local.routing.quick_connects["escalation-line"])["quick_connect_config"]
    assert (line["quick_connect_type"], line["phone_config"]) == ("PHONE_NUMBER", [{"phone_number": "+12025550143"}])
    caller = body(connect["prod"], prod.queues["support"])["outbound_caller_config"]
    assert caller == {"outbound_caller_id_name": "Example Corp Support",
                      "outbound_caller_id_number_id": ref(prod.phone_numbers["main"], "id")}  # fmt: skip


def test_routing_profiles_have_per_channel_concurrency_and_queue_priority_and_delay(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]]
) -> None:
    local = platform["local"].connect.contact_center
    specialists = body(connect["local"], local.routing.routing_profiles["billing-specialists"])
    assert specialists["media_concurrencies"] == [{"channel": "VOICE", "concurrency": 1}]
    configs = {(c["queue_id"], c["channel"]): (c["priority"], c["delay"]) for c in specialists["queue_configs"]}
    assert configs == {
        (ref(local.queues["billing"], "queue_id"), "VOICE"): (1, 0),
        (ref(local.queues["support"], "queue_id"), "VOICE"): (2, 30),
    }
    assert specialists["default_outbound_queue_id"] == ref(local.queues["billing"], "queue_id")
    generalists = body(connect["local"], local.routing.routing_profiles["agents"])
    assert len(generalists["queue_configs"]) == 4  # two queues, voice and chat


def test_agents_come_from_saml_with_no_password_in_their_hierarchy_groups(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]]
) -> None:
    local, stack = platform["local"].connect.contact_center, connect["local"]
    assert body(stack, local.instance)["identity_management_type"] == "SAML"
    structure = body(stack, local.agents.hierarchy)["hierarchy_structure"]
    assert structure == {"level_one": {"name": "Site"}, "level_two": {"name": "Team"}}
    team = body(stack, local.agents.groups["billing-team"])
    assert team["parent_group_id"] == ref(local.agents.groups["headquarters"], "hierarchy_group_id")
    bo = body(stack, local.agents.users["bo.billing@example.com"])
    assert "password" not in bo and "password" not in json.dumps(resources(stack, "aws_connect_user"))
    assert bo["identity_info"] == {"first_name": "Bo", "last_name": "Billing"}
    assert bo["routing_profile_id"] == ref(local.routing.routing_profiles["billing-specialists"], "routing_profile_id")
    assert bo["security_profile_ids"] == [ref(local.agents.security_profiles[name], "security_profile_id")
                                          for name in ("agent", "supervisor")]  # fmt: skip
    assert bo["hierarchy_group_id"] == ref(local.agents.groups["billing-team"], "hierarchy_group_id")
    assert bo["phone_config"] == {"phone_type": "SOFT_PHONE", "auto_accept": False, "after_contact_work_time_limit": 60}


def test_adding_a_queue_an_agent_or_a_routing_profile_is_one_data_change(
    configs: dict[str, EnvConfig], synth: SynthFn
) -> None:
    from cdktf import Testing

    from envs.schema import AgentConfig, QueueConfig, RoutingProfileConfig
    from stacks.app import lambda_packages
    from stacks.platform import add_environment

    config = configs["local"]
    connect = config.connect
    grown = config.model_copy(update={"connect": connect.model_copy(update={
        "queues": (*connect.queues, QueueConfig(name="sales")),
        "routing_profiles": (*connect.routing_profiles, RoutingProfileConfig(name="sales-team", chat=0, queues=(
            {"queue": "sales"},))),
        "agents": (*connect.agents, AgentConfig(username="sam.sales", first_name="Sam", last_name="Sales",
                                                routing_profile="sales-team", security_profiles=("agent",))),
    })})  # fmt: skip
    grown = type(config).model_validate(grown.model_dump())
    packages = lambda_packages([config.lambdas.architecture])[config.lambdas.architecture]
    center = add_environment(Testing.app(), grown, packages).connect.contact_center
    stack = synth(center.node.scope)  # type: ignore[arg-type]
    assert body(stack, center.queues["sales"])["name"] == "sales"
    team = body(stack, center.routing.routing_profiles["sales-team"])
    assert [c["queue_id"] for c in team["queue_configs"]] == [ref(center.queues["sales"], "queue_id")]
    assert body(stack, center.agents.users["sam.sales"])["routing_profile_id"] == ref(
        center.routing.routing_profiles["sales-team"], "routing_profile_id"
    )
    inbound = json.loads(body(stack, center.flows["inbound"])["content"])
    assert any(a["Identifier"] == "route-sales" for a in inbound["Actions"])  # the menu reaches it


def test_every_template_becomes_a_flow_of_its_declared_type(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]]
) -> None:
    center = platform["prod"].connect.contact_center
    templates = load_templates()
    assert set(center.flows) == {t.name for t in templates if t.kind == "flow"}
    assert set(center.flow_modules) == {t.name for t in templates if t.kind == "module"}
    for template in templates:
        if template.kind == "flow":
            flow = body(connect["prod"], center.flows[template.name])
            assert flow["type"] == template.flow_type.value
    types = {t.name: t.flow_type for t in templates}
    assert types["customer-queue"] is FlowType.CUSTOMER_QUEUE and types["agent-whisper"] is FlowType.AGENT_WHISPER
    assert types["queue-transfer"] is FlowType.QUEUE_TRANSFER and types["inbound"] is FlowType.CONTACT_FLOW


def test_every_function_a_flow_invokes_is_associated_before_the_flow_is_created(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]]
) -> None:
    center = platform["prod"].connect.contact_center
    functions = platform["prod"].integration.functions.entry_points
    assert set(center.lambda_associations) == {Function.QUEUE_EXPERIENCE}
    association = center.lambda_associations[Function.QUEUE_EXPERIENCE]
    entry = functions[Function.QUEUE_EXPERIENCE]  # prod publishes queue-experience: Connect invokes its alias
    assert body(connect["prod"], association)["function_arn"] == ref(entry.alias or entry.function, "arn")
    permissions = [
        p for p in resources(connect["prod"], "aws_lambda_permission") if p["principal"] == "connect.amazonaws.com"
    ]
    assert [p["source_arn"] for p in permissions] == [ref(center.instance, "arn")]
    assert permissions[0]["qualifier"] == ref(entry.alias, "name")
    inbound = body(connect["prod"], center.flows["inbound"])
    depends = set(inbound["depends_on"])
    assert any(d.startswith("aws_connect_lambda_function_association.") for d in depends)
    assert any(d.startswith("aws_lambda_permission.") for d in depends)


def test_flows_are_rendered_without_placeholders_and_with_the_queue_experience_in_full(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]]
) -> None:
    center = platform["prod"].connect.contact_center
    content = json.loads(body(connect["prod"], center.flows["inbound"])["content"])
    assert "{{" not in json.dumps(content)
    actions = {a["Identifier"]: a for a in content["Actions"]}
    assert actions["route-support"]["Parameters"]["Attributes"]["queueArn"] == ref(center.queues["support"], "arn")
    assert actions["route-billing"]["Parameters"]["Attributes"]["queueArn"] == ref(center.queues["billing"], "arn")
    kept = actions["keep-experience"]["Parameters"]["Attributes"]
    assert {
        "welcomeMessage",
        "holdPromptSsml",
        "offerAfterChecks",
        "offers",
        "callbackEnabled",
        "voicemailEnabled",
    } <= set(kept)
    hooks = {
        a["Parameters"]["EventHooks"].popitem()[0]: a
        for a in content["Actions"]
        if a["Type"] == "UpdateContactEventHooks"
    }
    assert set(hooks) == {"CustomerQueue", "AgentWhisper"}
    assert actions["after-hours"]["Parameters"]["FlowModuleId"] == ref(
        center.flow_modules["after-hours"], "contact_flow_module_id"
    )
    assert set(content["Metadata"]["ActionMetadata"]) == set(actions)  # laid out for the console's designer


def test_recording_and_analytics_follow_the_env(platform: dict[str, Any], connect: dict[str, dict[str, Any]]) -> None:
    def recording(env: str) -> dict[str, Any]:
        content = json.loads(body(connect[env], platform[env].connect.contact_center.flows["inbound"])["content"])
        return next(a["Parameters"] for a in content["Actions"] if a["Type"] == "UpdateContactRecordingBehavior")

    prod, dev = recording("prod"), recording("dev")
    assert prod["RecordingBehavior"]["RecordedParticipants"] == ["Agent", "Customer"]
    assert prod["AnalyticsBehavior"]["Enabled"] == "True"
    assert prod["AnalyticsBehavior"]["ChannelConfiguration"]["Voice"]["AnalyticsModes"] == ["PostContact"]
    assert "AnalyticsBehavior" not in dev  # dev's instance has Contact Lens off


def test_claimed_numbers_are_routed_to_their_flow_by_terraform(
    platform: dict[str, Any], connect: dict[str, dict[str, Any]]
) -> None:
    center = platform["prod"].connect.contact_center
    [number] = center.phone_numbers.values()
    routing = body(connect["prod"], center.number_routing)
    assert routing["lifecycle_scope"] == "CRUD" and routing["terraform_key"] == "tf"
    document = json.loads(routing["input"])
    assert document["job"] == "route-phone-numbers"
    assert document["routes"] == [
        {"phoneNumberId": ref(number, "id"), "contactFlowId": ref(center.flows["inbound"], "contact_flow_id")}
    ]
    [grant] = [p for p in resources(connect["prod"], "aws_iam_role_policy") if p["name"] == "route-phone-numbers"]
    statement = json.loads(grant["policy"])["Statement"][0]
    assert statement["Action"] == [
        "connect:AssociatePhoneNumberContactFlow",
        "connect:DisassociatePhoneNumberContactFlow",
    ]
    assert platform["dev"].connect.contact_center.number_routing is None  # dev claims no number
