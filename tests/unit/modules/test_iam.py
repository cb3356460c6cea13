"""Execution roles: one per function, each with only what that function needs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modules.naming import Function
from tests.conftest import SynthFn
from tests.helpers import as_list, body, ref

# The only actions that may carry `Resource: "*"`: AWS has no resource-level permission for them.
NO_RESOURCE_LEVEL = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "ec2:DescribeNetworkInterfaces",
    "sns:Publish",
}


@pytest.fixture(scope="module")
def security(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.security) for name, stacks in platform.items()}


def identities(platform: dict[str, Any], env: str) -> dict[Function, Any]:
    return dict(platform[env].security.function_roles.functions)


@pytest.fixture(scope="module")
def data(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.data) for name, stacks in platform.items()}


@pytest.fixture(scope="module")
def granted(platform: dict[str, Any], security: dict[str, dict[str, Any]], data: dict[str, dict[str, Any]]) -> Any:
    """``granted(function)``: the prod function's synthesized policy statements, from its role's
    policy (security layer) and the data layer's policy on the same role."""

    def statements(function: Function) -> list[dict[str, Any]]:
        policy = identities(platform, "prod")[function].policy
        found = list(json.loads(body(security["prod"], policy)["policy"])["Statement"])
        data_policy = platform["prod"].data.grants.policies.get(function)
        if data_policy is not None:
            found += json.loads(body(data["prod"], data_policy)["policy"])["Statement"]
        return found

    return statements


def allowed_actions(statements: list[dict[str, Any]]) -> set[str]:
    return {action for s in statements if s["Effect"] == "Allow" for action in s["Action"]}


def test_one_role_and_one_log_group_per_function(platform: dict[str, Any], security: dict[str, dict[str, Any]]) -> None:
    functions = identities(platform, "prod")
    assert set(functions) == set(Function)
    roles = {body(security["prod"], identity.role)["name"] for identity in functions.values()}
    assert len(roles) == len(Function)
    groups = {body(security["prod"], identity.log_group)["name"] for identity in functions.values()}
    assert groups == {f"/aws/lambda/cc-prod-{function.value}" for function in Function}


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_no_wildcard_actions_and_star_resources_only_where_aws_has_no_resource_level(
    security: dict[str, dict[str, Any]], data: dict[str, dict[str, Any]], env: str
) -> None:
    policies = [*security[env]["resource"]["aws_iam_role_policy"].values()]
    policies += data[env]["resource"]["aws_iam_role_policy"].values()
    for policy in policies:
        statements = json.loads(policy["policy"])["Statement"]
        sids = [s.get("Sid") for s in statements if s.get("Sid")]
        assert len(sids) == len(set(sids)), f"{policy['name']}: duplicate Sid"
        for statement in statements:
            actions = as_list(statement["Action"])
            assert all(action != "*" and not action.endswith(":*") for action in actions), statement
            if "*" in as_list(statement.get("Resource", [])) and statement["Effect"] == "Allow":
                assert set(actions) <= NO_RESOURCE_LEVEL, statement
                assert "NoResourceLevel" in statement["Sid"], "say why in the Sid"


def test_trust_is_lambda_in_this_account_only(platform: dict[str, Any], security: dict[str, dict[str, Any]]) -> None:
    for identity in identities(platform, "prod").values():
        (trust,) = json.loads(body(security["prod"], identity.role)["assume_role_policy"])["Statement"]
        assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "333333333333"}}


def test_every_function_writes_only_its_own_encrypted_log_group(
    platform: dict[str, Any], security: dict[str, dict[str, Any]], granted: Any
) -> None:
    logs_key = ref(platform["prod"].security.logs_key.key, "arn")
    for function, identity in identities(platform, "prod").items():
        assert body(security["prod"], identity.log_group)["kms_key_id"] == logs_key
        (logs,) = [s for s in granted(function) if s.get("Sid") == "WriteOwnLogGroup"]
        assert logs["Resource"] == f"{ref(identity.log_group, 'arn')}:*"


def test_authorizer_reads_only_the_jwt_keys(platform: dict[str, Any], granted: Any) -> None:
    statements = granted(Function.AUTHORIZER)
    assert not any(action.startswith(("dynamodb:", "s3:", "rds-db:")) for action in allowed_actions(statements))
    (secret,) = [s for s in statements if s["Action"] == ["secretsmanager:GetSecretValue"]]
    assert secret["Resource"] == ref(platform["prod"].security.jwt_secret, "arn")


def test_queue_experience_only_reads_the_table(platform: dict[str, Any], granted: Any) -> None:
    actions = allowed_actions(granted(Function.QUEUE_EXPERIENCE))
    assert {a for a in actions if a.startswith("dynamodb:")} == {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem",
    }
    assert not any(a.startswith(("s3:", "secretsmanager:", "rds-db:")) for a in actions)


def test_database_users_read_only_this_instances_connection_and_credentials(
    platform: dict[str, Any], granted: Any, data: dict[str, dict[str, Any]]
) -> None:
    database = platform["prod"].data.database
    secrets = [ref(database.connection, "arn"), ref(database.instance, "master_user_secret[0].secret_arn")]
    for function in (Function.CORE_API, Function.POST_CALL, Function.VOICEMAIL, Function.UTILITIES):
        (read,) = [s for s in granted(function) if s["Action"] == ["secretsmanager:GetSecretValue"]]
        assert read["Resource"] == secrets, function
        assert not any(action.startswith("rds-db:") for action in allowed_actions(granted(function)))
    for function, policy in platform["prod"].data.grants.policies.items():
        assert body(data["prod"], policy)["role"] == ref(identities(platform, "prod")[function].role, "name")
    assert set(platform["prod"].data.grants.policies) == {
        Function.CORE_API, Function.POST_CALL, Function.VOICEMAIL, Function.UTILITIES,
        Function.QUEUE_EXPERIENCE, Function.NOTIFICATION,
    }  # fmt: skip


def test_kms_use_is_fenced_to_the_service_it_serves(platform: dict[str, Any], granted: Any) -> None:
    for function in Function:
        for statement in granted(function):
            if any(action.startswith("kms:") for action in statement["Action"]):
                assert "kms:ViaService" in statement["Condition"]["StringEquals"], (function, statement)


def test_firehose_role_reads_the_ctr_stream_and_writes_only_exports(
    platform: dict[str, Any], security: dict[str, dict[str, Any]]
) -> None:
    service_role = platform["prod"].security.firehose_role
    statements = {s["Sid"]: s for s in json.loads(body(security["prod"], service_role.policy)["policy"])["Statement"]}
    assert statements["ReadCtrStream"]["Resource"] == "arn:aws:kinesis:us-east-1:333333333333:stream/cc-prod-ctr"
    exports = ref(platform["prod"].foundation.storage.exports.bucket, "arn")
    assert statements["WriteExports"]["Resource"] == [exports, f"{exports}/*"]


def test_voicemail_packager_reads_only_connects_media_streams_and_writes_only_voicemails(
    platform: dict[str, Any], granted: Any
) -> None:
    statements = {s["Sid"]: s for s in granted(Function.VOICEMAIL_PACKAGER)}
    audio = statements["ReadCallerAudio"]
    assert sorted(as_list(audio["Action"])) == [
        "kinesisvideo:GetDataEndpoint", "kinesisvideo:GetMediaForFragmentList", "kinesisvideo:ListFragments"
    ]  # fmt: skip
    # Only the streams Connect names for this env's instance: <prefix>-connect-<alias>-contact-<id>.
    assert audio["Resource"] == "arn:aws:kinesisvideo:us-east-1:333333333333:stream/cc-prod-media-connect-" + (
        "cc-prod-contact-center-contact-*/*"
    )
    assert statements["DecryptViaKinesisvideo"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "kinesisvideo.us-east-1.amazonaws.com"}
    }
    objects = statements["VoicemailObjects"]
    assert sorted(as_list(objects["Action"])) == ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]
    [voicemails] = as_list(objects["Resource"])
    assert voicemails.endswith("/voicemail/*")
    assert not any(action.startswith(("rds", "dynamodb", "secretsmanager")) for action in allowed_actions(
        granted(Function.VOICEMAIL_PACKAGER)))  # fmt: skip


def test_transcription_is_off_by_default_and_when_on_may_transcribe_only_voicemails(
    configs: dict[str, Any], granted: Any, synth: SynthFn, platform: dict[str, Any]
) -> None:
    from cdktf import Testing

    from stacks.app import lambda_packages
    from stacks.platform import add_environment

    assert all(config.connect.voicemail_transcription is None for config in configs.values())
    assert not any("transcribe" in str(s["Action"]) for s in granted(Function.VOICEMAIL))

    config = configs["prod"]
    on = type(config).model_validate(
        {**config.model_dump(), "connect": {**config.connect.model_dump(), "voicemail_transcription": "en-US"}}
    )
    packages = lambda_packages([on.lambdas.architecture])[on.lambdas.architecture]
    stacks = add_environment(Testing.app(), on, packages)
    policy = stacks.security.function_roles.functions[Function.VOICEMAIL].policy
    statements = {s["Sid"]: s for s in json.loads(body(synth(stacks.security), policy)["policy"])["Statement"]}
    jobs = statements["TranscribeVoicemails"]
    assert jobs["Resource"] == "arn:aws:transcribe:us-east-1:333333333333:transcription-job/voicemail-*"
    assert str(statements["TranscriptsObjects"]["Resource"]).endswith("/voicemail-transcripts/*")
    assert statements["TranscriptsObjectKey"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    }
    settings = stacks.integration.functions.functions[Function.VOICEMAIL]
    variables = body(synth(stacks.integration), settings)["environment"]["variables"]
    assert variables["TRANSCRIBE_LANGUAGE"] == "en-US"
    default = platform["prod"].integration
    unset = body(synth(default), default.functions.functions[Function.VOICEMAIL])["environment"]["variables"]
    assert "TRANSCRIBE_LANGUAGE" not in unset
