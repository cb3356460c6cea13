"""Every stack: its own encrypted, locked S3 state object per env; provider locked to the env."""

from __future__ import annotations

import configparser
from typing import Any

import pytest

from envs import EnvConfig
from stacks.base import EMULATOR_PROFILE, emulator_aws_config
from tests.conftest import SynthFn

LAYERS = ("foundation", "data", "security", "integration", "application", "connect")


def layer_stacks(platform: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(env, stack) for env, stacks in platform.items() for stack in stacks.layers]


def test_every_layer_stack_has_its_own_encrypted_locked_state(
    platform: dict[str, Any], configs: dict[str, EnvConfig], synth: SynthFn
) -> None:
    keys = set()
    for env, stack in layer_stacks(platform):
        backend = synth(stack)["terraform"]["backend"]["s3"]
        assert backend["bucket"] == configs[env].state_bucket
        assert backend["key"] == f"{env}/{stack.node.id}.tfstate"
        assert backend["encrypt"] is True
        assert backend["use_lockfile"] is True
        assert "dynamodb_table" not in backend
        keys.add((backend["bucket"], backend["key"]))
    assert len(keys) == len(configs) * len(LAYERS)


def test_terraform_version_supports_s3_native_locking(platform: dict[str, Any], synth: SynthFn) -> None:
    for _, stack in layer_stacks(platform):
        assert synth(stack)["terraform"]["required_version"] == ">= 1.10"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_real_accounts_are_guarded_and_tagged(
    platform: dict[str, Any], configs: dict[str, EnvConfig], synth: SynthFn, env: str
) -> None:
    config = configs[env]
    for stack in platform[env].layers:
        # Every provider, including the DR region's replica provider where replication is on.
        for provider in synth(stack)["provider"]["aws"]:
            expected_region = config.storage.cross_region_replication_region if "alias" in provider else config.region
            assert provider["region"] == expected_region
            assert provider["allowed_account_ids"] == [configs[env].account_id]
            assert provider["default_tags"] == [
                {
                    "tags": {
                        "Project": "contact-center-platform",
                        "Environment": env,
                        "Layer": stack.node.id.removesuffix(f"-{env}"),
                        "ManagedBy": "cdktf",
                    }
                }
            ]
            assert not {"endpoints", "access_key", "profile", "shared_config_files"} & provider.keys()


def test_local_points_provider_and_backend_at_the_emulator(
    platform: dict[str, Any], configs: dict[str, EnvConfig], synth: SynthFn
) -> None:
    emulator = configs["local"].emulator
    assert emulator is not None
    local = platform["local"]
    for stack in (local.account, *local.layers):
        synthesized = synth(stack)
        for provider in synthesized["provider"]["aws"]:  # the replica-region providers too
            # Every service through the profile's endpoint_url; an `endpoints` block would cost
            # each provider process about 2.5 s of CPU (stacks/base.py).
            assert "endpoints" not in provider
            assert provider["profile"] == EMULATOR_PROFILE
            (config_file,) = provider["shared_config_files"]
            assert config_file.startswith("assets/emulator-aws-config/") and config_file.endswith("/aws-config")
            assert provider["skip_credentials_validation"] is True
        backend = synthesized["terraform"]["backend"]["s3"]
        assert backend["endpoints"] == {"s3": emulator.url, "sts": emulator.url}
        assert backend["use_path_style"] is True
    profiles = configparser.ConfigParser()
    profiles.read(emulator_aws_config(emulator))
    assert dict(profiles[f"profile {EMULATOR_PROFILE}"]) == {"endpoint_url": emulator.url}


def test_the_emulator_config_file_is_one_per_emulator_url(configs: dict[str, EnvConfig]) -> None:
    from envs.schema import EmulatorConfig

    default = configs["local"].emulator
    assert default is not None
    other = EmulatorConfig(endpoint="http://127.0.0.1:45999")  # type: ignore[arg-type]
    assert emulator_aws_config(default) == emulator_aws_config(default.model_copy())
    assert emulator_aws_config(other) != emulator_aws_config(default)
    assert "endpoint_url = http://127.0.0.1:45999" in emulator_aws_config(other).read_text()


def test_tag_drift_the_emulator_causes_is_ignored_on_the_emulator_only(
    platform: dict[str, Any], synth: SynthFn
) -> None:
    for env, expected in (("local", {"ignore_changes": ["tags", "tags_all"]}), ("prod", None)):
        streams = synth(platform[env].integration)["resource"]["aws_kinesis_stream"].values()
        assert [stream.get("lifecycle") for stream in streams] == [expected] * 3, env


def test_lambda_logging_config_the_emulator_drops_is_ignored_on_the_emulator_only(
    platform: dict[str, Any], synth: SynthFn
) -> None:
    for env, expected in (("local", {"ignore_changes": ["logging_config"]}), ("prod", None)):
        functions = synth(platform[env].integration)["resource"]["aws_lambda_function"].values()
        assert {str(function.get("lifecycle")) for function in functions} == {str(expected)}, env
