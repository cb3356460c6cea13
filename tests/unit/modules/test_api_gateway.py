"""The private API: only through the VPC endpoint, every method authorized and validated, proxy
integrations to the right function, a stage with logs/X-Ray/throttling, redeploy on change."""

from __future__ import annotations

import json
from typing import Any

import pytest

from envs import EnvConfig
from modules.api_gateway import MODELS, ROUTES, definition_hash
from modules.naming import Function
from modules.routes import Scope
from tests.conftest import SynthFn
from tests.helpers import body, lambda_shared_models, policy, ref, resources


@pytest.fixture(scope="module")
def application(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.application) for name, stacks in platform.items()}


def test_api_is_private_and_its_policy_denies_everything_not_from_the_endpoint(
    platform: dict[str, Any], application: dict[str, dict[str, Any]]
) -> None:
    stacks = platform["prod"]
    api = body(application["prod"], stacks.application.api.api)
    endpoint = ref(stacks.security.endpoints.interfaces["execute-api"], "id")
    assert api["endpoint_configuration"] == {"types": ["PRIVATE"], "vpc_endpoint_ids": [endpoint]}
    document = policy(body(application["prod"], stacks.application.api.policy))
    deny = next(s for s in document["Statement"] if s["Effect"] == "Deny")
    assert deny["Condition"] == {"StringNotEquals": {"aws:SourceVpce": endpoint}}
    assert deny["Action"] == ["execute-api:Invoke"]


def test_every_method_has_the_jwt_authorizer_and_a_validator(
    platform: dict[str, Any], application: dict[str, dict[str, Any]]
) -> None:
    api = platform["prod"].application.api
    methods = resources(application["prod"], "aws_api_gateway_method")
    assert len(methods) == len(ROUTES)
    for (verb, path), method in api.methods.items():
        synthesized = body(application["prod"], method)
        assert synthesized["authorization"] == "CUSTOM", (verb, path)
        assert synthesized["authorizer_id"] == ref(api.authorizer, "id")
        route = next(r for r in ROUTES if (r.method, r.path) == (verb, path))
        validator = api.validators["body" if route.model else "parameters"]
        assert synthesized["request_validator_id"] == ref(validator, "id")
        parameters = synthesized.get("request_parameters", {})
        for name in route.path_parameters:
            assert parameters[f"method.request.path.{name}"] is True
        if route.model:
            assert synthesized["request_models"] == {"application/json": ref(api.models[route.model], "name")}
    authorizer = body(application["prod"], api.authorizer)
    assert authorizer["type"] == "TOKEN" and authorizer["identity_source"] == "method.request.header.Authorization"


def test_routes_cover_the_core_api_and_the_command_center() -> None:
    paths = {route.path for route in ROUTES}
    for expected in ("/v1/queues", "/v1/queues/{queueId}/experience", "/v1/contacts/{contactId}", "/v1/agents",
                     "/v1/callbacks", "/v1/command-center/metrics"):  # fmt: skip
        assert expected in paths
    assert all(r.model for r in ROUTES if r.method in {"POST", "PUT"}), "every write has a body model"


def test_integrations_proxy_to_the_function_of_each_route(
    platform: dict[str, Any], application: dict[str, dict[str, Any]]
) -> None:
    functions = platform["prod"].integration.functions.functions
    integrations = resources(application["prod"], "aws_api_gateway_integration")
    assert len(integrations) == len(ROUTES)
    uris = {i["uri"] for i in integrations}
    assert uris == {
        ref(functions[Function.CORE_API], "invoke_arn"),
        ref(functions[Function.COMMAND_CENTER], "invoke_arn"),
    }
    assert all(i["type"] == "AWS_PROXY" and i["integration_http_method"] == "POST" for i in integrations)


def test_only_this_api_may_invoke_its_functions(
    platform: dict[str, Any], application: dict[str, dict[str, Any]]
) -> None:
    permissions = [
        p
        for p in resources(application["prod"], "aws_lambda_permission")
        if p["principal"] == "apigateway.amazonaws.com"
    ]
    api = ref(platform["prod"].application.api.api, "execution_arn")
    assert len(permissions) == 3  # core API, command center, authorizer
    assert all(p["source_arn"].startswith(api) for p in permissions)


def test_stage_logs_traces_and_throttles(
    platform: dict[str, Any], application: dict[str, dict[str, Any]], configs: dict[str, EnvConfig]
) -> None:
    api = platform["prod"].application.api
    stage = body(application["prod"], api.stage)
    assert stage["stage_name"] == "v1" and stage["xray_tracing_enabled"] is True
    assert stage["access_log_settings"]["destination_arn"] == ref(api.access_logs, "arn")
    assert json.loads(stage["access_log_settings"]["format"])["requestId"] == "$context.requestId"
    assert body(application["prod"], api.access_logs)["kms_key_id"] == ref(
        platform["prod"].application.logs_key.key, "arn"
    )
    [settings] = resources(application["prod"], "aws_api_gateway_method_settings")
    assert settings["settings"]["throttling_rate_limit"] == configs["prod"].api.throttling_rate_limit
    assert settings["settings"]["cache_data_encrypted"] is True  # prod caches


def test_deployment_is_redeployed_exactly_when_the_definition_changes(
    platform: dict[str, Any], application: dict[str, dict[str, Any]], configs: dict[str, EnvConfig]
) -> None:
    deployment = body(application["prod"], platform["prod"].application.api.deployment)
    assert deployment["triggers"] == {"definition": definition_hash(configs["prod"])}
    assert deployment["lifecycle"] == {"create_before_destroy": True}
    import modules.api_gateway as api_gateway

    before = definition_hash(configs["prod"])
    original = api_gateway.ROUTES
    try:
        api_gateway.ROUTES = (*original, original[0].__class__("GET", "/v1/extra", Function.CORE_API, Scope.READ))
        assert definition_hash(configs["prod"]) != before
    finally:
        api_gateway.ROUTES = original
    assert definition_hash(configs["prod"]) == before


def test_body_models_match_the_functions_pydantic_models() -> None:
    """API Gateway rejects what the function would reject: same properties, same required fields."""
    models = lambda_shared_models()
    for name, schema in MODELS.items():
        generated = getattr(models, name).model_json_schema()
        assert set(schema["properties"]) == set(generated["properties"]), name
        assert set(schema.get("required", [])) == set(generated.get("required", [])), name
        assert schema["additionalProperties"] is False


def test_only_the_env_that_manages_the_account_setting_creates_it(
    configs: dict[str, EnvConfig], synth: SynthFn
) -> None:
    """API Gateway's CloudWatch role is one setting per account and region (envs.load_envs keeps one
    manager): it lives in the owner's account stack, and no application stack creates it."""
    from cdktf import Testing

    from stacks.app import lambda_packages
    from stacks.platform import add_environment

    config = configs["dev"]
    follower = config.model_copy(update={"api": config.api.model_copy(update={"manage_account_logging": False})})
    packages = lambda_packages([config.lambdas.architecture])[config.lambdas.architecture]
    stacks = add_environment(Testing.app(), follower, packages)
    assert stacks.account is None and stacks.application.api.account_logging is None
    stack = synth(stacks.application)
    assert not resources(stack, "aws_api_gateway_account")
    assert "depends_on" not in next(iter(stack["resource"]["aws_api_gateway_stage"].values()))


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_owner_sets_the_account_role_in_its_account_stack_before_its_stage_logs(
    platform: dict[str, Any], synth: SynthFn, env: str
) -> None:
    owner = platform[env]
    assert owner.account is not None
    account = synth(owner.account)
    [settings] = resources(account, "aws_api_gateway_account")
    assert settings["cloudwatch_role_arn"] == ref(owner.account.api_gateway.role.role, "arn")
    role = body(account, owner.account.api_gateway.role.role)
    assert json.loads(role["assume_role_policy"])["Statement"][0]["Principal"] == {
        "Service": "apigateway.amazonaws.com"
    }
    application = synth(owner.application)
    assert not resources(application, "aws_api_gateway_account")
    assert not [r for r in resources(application, "aws_iam_role") if "apigateway" in json.dumps(r)]
    # The stage waits for the account's role: a value of it (the stack dependency) ordered before the stage.
    [ordering] = resources(application, "terraform_data")
    assert ordering["input"]["cloudwatch_role_arn"] == ref(owner.account.api_gateway.settings, "cloudwatch_role_arn")
    stage = next(iter(application["resource"]["aws_api_gateway_stage"].values()))
    assert stage["depends_on"] == [f"terraform_data.{next(iter(application['resource']['terraform_data']))}"]
