"""The functions: built packages with their recorded hash, hardened runtime settings, failure
handling for async and stream invocations, and the wiring to their callers and data."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from envs import EnvConfig
from modules.lambda_ import (
    ASYNC_FUNCTIONS,
    TIMEOUTS,
    code_key,
    sizing,
)
from modules.lambda_packages import LambdaPackages, PackagesNotBuilt, package_name
from modules.naming import Function
from tests.conftest import SynthFn
from tests.helpers import body, policy, ref, resources
from tools.build_lambdas import output_folder


@pytest.fixture(scope="module")
def integration(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.integration) for name, stacks in platform.items()}


@pytest.mark.parametrize("env", ["dev", "staging", "prod", "local"])
def test_every_function_runs_hardened_from_its_built_package(
    platform: dict[str, Any], integration: dict[str, dict[str, Any]], configs: dict[str, EnvConfig], env: str
) -> None:
    stacks, config = platform[env], configs[env]
    functions = stacks.integration.functions
    manifests = LambdaPackages.from_build(output_folder(config.lambdas.architecture))
    assert set(functions.functions) == set(Function)
    for function, resource in functions.functions.items():
        synthesized = body(integration[env], resource)
        assert synthesized["function_name"] == f"cc-{env}-{function.value}"
        assert synthesized["runtime"] == "python3.12" and synthesized["architectures"] == [config.lambdas.architecture]
        assert synthesized["handler"] == f"{package_name(function)}.handler"
        assert synthesized["source_code_hash"] == manifests.functions[function].source_code_hash
        # The code comes from its object in the functions' code bucket (and waits for the upload).
        stored = code_object(integration[env], synthesized)
        assert stored["bucket"] == ref(stacks.foundation.storage.lambda_code.bucket, "bucket")
        assert stored["key"] == code_key(manifests.functions[function])
        assert synthesized["layers"] == [ref(functions.layer, "arn")]
        assert synthesized["tracing_config"] == {"mode": "Active"}
        assert synthesized["kms_key_arn"] == ref(stacks.integration.functions_key.key, "arn")
        assert (
            len(synthesized["vpc_config"]["subnet_ids"]) == 3
            and len(synthesized["vpc_config"]["security_group_ids"]) == 1
        )
        assert synthesized["logging_config"]["log_format"] == "JSON"
        identity = stacks.security.function_roles.functions[function]
        assert synthesized["role"] == ref(identity.role, "arn")  # the security layer's role for it
        assert synthesized["logging_config"]["log_group"] == ref(identity.log_group, "name")
        assert synthesized["memory_size"] == sizing(config, function).memory_mb
        assert synthesized["timeout"] == TIMEOUTS.get(function, config.lambdas.timeout_seconds)
    layer = body(integration[env], functions.layer)
    assert layer["source_code_hash"] == manifests.layer.source_code_hash and layer["compatible_runtimes"] == [
        "python3.12"
    ]
    assert code_object(integration[env], layer)["key"] == code_key(manifests.layer)


def code_object(synthesized: dict[str, Any], function: dict[str, Any]) -> dict[str, Any]:
    """The aws_s3_object a function or layer takes its code from (its s3_bucket and s3_key point at it)."""
    logical_id = function["s3_key"].removeprefix("${aws_s3_object.").removesuffix(".key}")
    assert function["s3_bucket"] == f"${{aws_s3_object.{logical_id}.bucket}}"
    return dict(synthesized["resource"]["aws_s3_object"][logical_id])


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_packages_ship_through_a_versioned_encrypted_code_bucket_one_object_per_content(
    platform: dict[str, Any],
    integration: dict[str, dict[str, Any]],
    configs: dict[str, EnvConfig],
    synth: SynthFn,
    env: str,
) -> None:
    config, foundation = configs[env], platform[env].foundation
    manifests = LambdaPackages.from_build(output_folder(config.lambdas.architecture))
    code, foundation_json = foundation.storage.lambda_code, synth(foundation)
    assert body(foundation_json, code.bucket)["bucket"] == f"cc-{env}-lambda-code-{config.account_id}"
    assert body(foundation_json, code.versioning)["versioning_configuration"]["status"] == "Enabled"
    encryption = body(foundation_json, code.encryption)["rule"][0]["apply_server_side_encryption_by_default"]
    assert encryption["sse_algorithm"] == "aws:kms"
    objects = {o["key"]: o for o in resources(integration[env], "aws_s3_object")}
    packages = [manifests.layer, *manifests.functions.values()]
    assert sorted(objects) == sorted(code_key(package) for package in packages)
    for package in packages:
        stored = objects[code_key(package)]
        assert stored["source_hash"] == package.source_code_hash  # a rebuilt zip is a new object
        assert stored["kms_key_id"] == ref(foundation.storage.key.key, "arn")
        assert stored["source"].startswith("assets/") and stored["source"].endswith(".zip")
    assert code_key(manifests.layer) == f"shared/{base64.b64decode(manifests.layer.source_code_hash).hex()}.zip"


def test_environment_gives_each_function_only_what_it_reads(
    platform: dict[str, Any], integration: dict[str, dict[str, Any]]
) -> None:
    functions = platform["prod"].integration.functions.functions
    variables = {f: body(integration["prod"], r)["environment"]["variables"] for f, r in functions.items()}
    assert {"DB_CONNECTION_SECRET_ARN", "TABLE_NAME"} <= variables[Function.CORE_API].keys()
    assert not {"DB_CONNECTION_SECRET_ARN", "TABLE_NAME"} & variables[Function.AUTHORIZER].keys()
    assert variables[Function.AUTHORIZER]["JWT_ISSUER"] == "https://login.prod.contact-center.example.com/"
    assert variables[Function.NOTIFICATION]["SENDER_EMAIL"] == "contact-center-prod@example.com"
    assert "STREAM_NAME" in variables[Function.QUEUE_EXPERIENCE]
    assert "EXPORTS_BUCKET" not in variables[Function.POST_CALL]  # archive_raw_ctr is off by default
    assert all(not any("password" in name.lower() for name in v) for v in variables.values())


def test_async_functions_retry_then_park_failures_on_their_own_encrypted_queue(
    platform: dict[str, Any], integration: dict[str, dict[str, Any]], configs: dict[str, EnvConfig]
) -> None:
    functions = platform["prod"].integration.functions
    configs_by_function = {
        c["function_name"]: c for c in resources(integration["prod"], "aws_lambda_function_event_invoke_config")
    }
    assert len(configs_by_function) == len(ASYNC_FUNCTIONS)
    for function in ASYNC_FUNCTIONS:
        invoke = configs_by_function[ref(functions.functions[function], "function_name")]
        queue = functions.dead_letter_queues[function]
        assert invoke["destination_config"]["on_failure"]["destination"] == ref(queue, "arn")
        assert invoke["maximum_retry_attempts"] == configs["prod"].lambdas.async_retry_attempts
        assert body(integration["prod"], queue)["kms_master_key_id"] == ref(
            platform["prod"].integration.functions_key.key, "arn"
        )


def test_ctr_stream_consumer_bisects_reports_partial_failures_and_keeps_what_fails(
    platform: dict[str, Any], integration: dict[str, dict[str, Any]]
) -> None:
    functions = platform["prod"].integration.functions
    mapping = body(integration["prod"], functions.ctr_consumers[Function.POST_CALL])
    assert mapping["function_name"] == ref(functions.functions[Function.POST_CALL], "arn")
    assert mapping["event_source_arn"].endswith(".arn}") and "streams_ctr" in mapping["event_source_arn"]
    assert mapping["bisect_batch_on_function_error"] is True
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["starting_position"] == "TRIM_HORIZON"
    assert mapping["destination_config"]["on_failure"]["destination_arn"] == ref(
        functions.dead_letter_queues[Function.POST_CALL], "arn"
    )


def test_voicemail_packager_reads_only_marked_voicemails_from_the_ctr_stream_and_keeps_what_fails(
    platform: dict[str, Any], integration: dict[str, dict[str, Any]]
) -> None:
    functions = platform["prod"].integration.functions
    post_call = body(integration["prod"], functions.ctr_consumers[Function.POST_CALL])
    packager = body(integration["prod"], functions.ctr_consumers[Function.VOICEMAIL_PACKAGER])
    assert packager["function_name"] == ref(functions.functions[Function.VOICEMAIL_PACKAGER], "arn")
    assert packager["event_source_arn"] == post_call["event_source_arn"]
    [only_voicemails] = packager["filter_criteria"]["filter"]
    assert json.loads(only_voicemails["pattern"]) == {"data": {"Attributes": {"voicemail": ["true"]}}}
    assert "filter_criteria" not in post_call  # post_call stores every contact
    assert packager["batch_size"] == 10 and packager["bisect_batch_on_function_error"] is True
    assert packager["function_response_types"] == ["ReportBatchItemFailures"]
    assert packager["destination_config"]["on_failure"]["destination_arn"] == ref(
        functions.dead_letter_queues[Function.VOICEMAIL_PACKAGER], "arn"
    )
    environment = body(integration["prod"], functions.functions[Function.VOICEMAIL_PACKAGER])["environment"]
    bucket = platform["prod"].foundation.storage.voicemail.bucket
    assert environment["variables"]["VOICEMAIL_BUCKET"] == ref(bucket, "bucket")


def test_voicemail_bucket_notifies_the_voicemail_function_which_lets_only_that_bucket_invoke_it(
    platform: dict[str, Any], integration: dict[str, dict[str, Any]]
) -> None:
    functions = platform["prod"].integration.functions
    notification = body(integration["prod"], functions.voicemail_notification)
    [target] = notification["lambda_function"]
    assert target["lambda_function_arn"] == ref(functions.functions[Function.VOICEMAIL], "arn")
    assert target["events"] == ["s3:ObjectCreated:*"] and target["filter_prefix"] == "voicemail/"
    bucket = platform["prod"].foundation.storage.voicemail.bucket
    assert notification["bucket"] == ref(bucket, "id")
    permissions = resources(integration["prod"], "aws_lambda_permission")
    [permission] = [p for p in permissions if p["principal"] == "s3.amazonaws.com"]
    assert permission["source_arn"] == ref(bucket, "arn")
    assert permission["source_account"] == "333333333333"


def test_stream_grants_are_scoped_to_one_stream_each(integration: dict[str, dict[str, Any]]) -> None:
    policies = {p["name"]: policy(p) for p in resources(integration["prod"], "aws_iam_role_policy")}
    consume = policies["consume-ctr-stream"]["Statement"]
    assert consume[0]["Resource"].startswith("${aws_kinesis_stream.streams_ctr")
    assert not any(a.endswith("*") for s in consume for a in s["Action"])
    put = policies["put-queue-experience-events"]["Statement"]
    assert put[0]["Action"] == ["kinesis:PutRecord", "kinesis:PutRecords"] and "queue-experience" in put[0]["Resource"]


def test_per_function_sizing_overrides_the_env_defaults(configs: dict[str, EnvConfig]) -> None:
    config = configs["dev"].model_copy(
        update={
            "lambdas": configs["dev"].lambdas.model_copy(
                update={
                    "functions": {
                        "post-call": configs["dev"].lambdas.functions.get("post-call") or _sizing(2048, 300, 5)
                    }
                }
            )
        }
    )
    assert sizing(config, Function.POST_CALL).memory_mb == 2048
    assert sizing(config, Function.POST_CALL).timeout_seconds == 300
    assert sizing(config, Function.POST_CALL).reserved_concurrency == 5
    assert sizing(config, Function.CORE_API).memory_mb == config.lambdas.memory_mb


def _sizing(memory: int, timeout: int, concurrency: int) -> Any:
    from envs.schema import FunctionSizing

    return FunctionSizing(memory_mb=memory, timeout_seconds=timeout, reserved_concurrency=concurrency)


def test_missing_packages_name_the_build_command(tmp_path: Path) -> None:
    with pytest.raises(PackagesNotBuilt, match="make lambdas"):
        LambdaPackages.from_build(tmp_path)
    (tmp_path / "shared.json").write_text(json.dumps({"zip_file": "shared.zip", "source_code_hash": "x"}))
    with pytest.raises(PackagesNotBuilt, match=r"shared\.zip is missing"):
        LambdaPackages.from_build(tmp_path)


def test_functions_a_caller_waits_on_resume_from_snapshots_in_prod_behind_the_live_alias(
    platform: dict[str, Any], integration: dict[str, dict[str, Any]], synth: SynthFn
) -> None:
    stacks = platform["prod"]
    entry_points = stacks.integration.functions.entry_points
    for function in (Function.QUEUE_EXPERIENCE, Function.AUTHORIZER):
        entry = entry_points[function]
        published = body(integration["prod"], entry.function)
        assert published["publish"] is True and published["snap_start"] == {"apply_on": "PublishedVersions"}
        alias = body(integration["prod"], entry.alias)
        assert alias["name"] == "live" and alias["function_version"] == ref(entry.function, "version")
    assert entry_points[Function.CORE_API].alias is None  # the others stay unpublished
    assert "publish" not in body(integration["prod"], entry_points[Function.CORE_API].function)
    assert all(entry.alias is None for entry in platform["dev"].integration.functions.entry_points.values())
    # Callers invoke the alias and grant the alias, not the unpublished function.
    application = synth(stacks.application)
    authorizer = body(application, stacks.application.api.authorizer)
    assert authorizer["authorizer_uri"] == ref(entry_points[Function.AUTHORIZER].alias, "invoke_arn")
    [permission] = [p for p in resources(application, "aws_lambda_permission") if "authorizers" in p["source_arn"]]
    assert permission["qualifier"] == ref(entry_points[Function.AUTHORIZER].alias, "name")


def test_provisioned_concurrency_keeps_environments_ready_on_the_live_alias(configs: dict[str, EnvConfig]) -> None:
    from cdktf import Testing

    from envs.schema import FunctionSizing
    from stacks.app import lambda_packages
    from stacks.platform import add_environment

    dev = configs["dev"]
    functions = {"queue-experience": FunctionSizing(provisioned_concurrency=4)}
    config = dev.model_copy(update={"lambdas": dev.lambdas.model_copy(update={"functions": functions})})
    stacks = add_environment(Testing.app(), config, lambda_packages([config.lambdas.architecture])["arm64"])
    integration = json.loads(Testing.synth(stacks.integration))
    [provisioned] = resources(integration, "aws_lambda_provisioned_concurrency_config")
    entry = stacks.integration.functions.entry_points[Function.QUEUE_EXPERIENCE]
    assert provisioned["provisioned_concurrent_executions"] == 4
    assert provisioned["qualifier"] == ref(entry.alias, "name")
    function = body(integration, entry.function)
    assert function["publish"] is True and "snap_start" not in function
