"""What every stack of the platform shares: the AWS provider, remote state, and tags.

Stacks differ only in the constructs they compose; provider and backend settings come from the
environment config, so the same stack class serves dev, staging, prod and the local emulator.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import jsii
from cdktf import (
    Aspects,
    AssetType,
    IAspect,
    S3Backend,
    TerraformAsset,
    TerraformRemoteState,
    TerraformResource,
    TerraformStack,
)
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct, IConstruct

from envs import EnvConfig, stack_name
from envs.schema import EmulatorConfig
from stacks.layers import Layer

PROJECT_TAG = "contact-center-platform"
# S3 native locking (`use_lockfile`) arrived in Terraform 1.10.
REQUIRED_TERRAFORM_VERSION = ">= 1.10"
# On the emulator the provider finds moto through a profile of an AWS shared config file
# (`endpoint_url`, which every service client honours) rather than through its `endpoints` block:
# with that block set, hashicorp/aws 5.100.0 spends about 2.5 s of CPU validating it in every
# provider process (twice per plan), most of the CPU a `local` plan or apply costs (README, Speed).
# A service the platform starts using later reaches moto too, without being listed anywhere.
EMULATOR_PROFILE = "cc-emulator"
EMULATOR_CONFIG_DIR = Path(__file__).resolve().parent.parent / "build" / "emulator"


# Resource types whose tags moto drops on create (e.g. Kinesis CreateStream ignores `Tags`), so
# every plan on the emulator would want to add them again; listed in README's emulator gaps.
# Attributes moto does not store, per resource type: Kinesis CreateStream drops Tags; Lambda
# CreateFunction drops LoggingConfig; CreateAuthorizer drops identityValidationExpression
# (README, emulator gaps).
EMULATOR_DROPPED_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "aws_kinesis_stream": ("tags", "tags_all"),
    "aws_lambda_function": ("logging_config",),
    "aws_api_gateway_authorizer": ("identity_validation_expression",),
}


@jsii.implements(IAspect)
class IgnoreWhatTheEmulatorDrops:
    """On emulator stacks only: ignore changes to the attributes moto does not store."""

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, TerraformResource) and node.terraform_resource_type in EMULATOR_DROPPED_ATTRIBUTES:
            node.add_override(
                "lifecycle.ignore_changes", list(EMULATOR_DROPPED_ATTRIBUTES[node.terraform_resource_type])
            )


def platform_tags(config: EnvConfig, layer: str) -> dict[str, str]:
    """Tags on every resource, so that cost and ownership reports can be cut by env and layer."""
    return {"Project": PROJECT_TAG, "Environment": config.name, "Layer": layer, "ManagedBy": "cdktf"}


def emulator_aws_config(emulator: EmulatorConfig) -> Path:
    """The shared config file whose ``EMULATOR_PROFILE`` sends every AWS call to ``emulator``: one
    file per emulator URL under build/, so that synthesizing twice gives the same asset."""
    text = (
        "# Written by stacks/base.py when a stack of the emulator tier is synthesized.\n"
        f"[profile {EMULATOR_PROFILE}]\nendpoint_url = {emulator.url}\n"
    )
    path = EMULATOR_CONFIG_DIR / hashlib.sha256(text.encode()).hexdigest()[:16] / "aws-config"
    if not path.is_file() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(text)
        partial.replace(path)
    return path


def _emulator_config_asset(stack: TerraformStack, emulator: EmulatorConfig) -> TerraformAsset:
    """The stack's copy of ``emulator_aws_config`` (one per stack, shared by its providers)."""
    existing = stack.node.try_find_child("emulator-aws-config")
    if isinstance(existing, TerraformAsset):
        return existing
    return TerraformAsset(stack, "emulator-aws-config", path=str(emulator_aws_config(emulator)), type=AssetType.FILE)


def _emulator_provider_settings(stack: TerraformStack, emulator: EmulatorConfig) -> dict[str, object]:
    return {
        "access_key": emulator.access_key,
        "secret_key": emulator.secret_key,
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": "true",
        "skip_region_validation": True,
        "s3_use_path_style": True,
        "profile": EMULATOR_PROFILE,
        "shared_config_files": [_emulator_config_asset(stack, emulator).path],
    }


def add_aws_provider(
    stack: TerraformStack, config: EnvConfig, layer: str, *, region: str | None = None, alias: str | None = None
) -> AwsProvider:
    """The AWS provider for a stack, locked to the environment's account (emulator: moto's).

    ``region``/``alias`` add a second provider for another region (the DR replicas).
    """
    settings: dict[str, Any] = {
        "region": region or config.region,
        "default_tags": [AwsProviderDefaultTags(tags=platform_tags(config, layer))],
    }
    if config.emulator is None:
        # A dev profile pointed at the prod account (or the reverse) fails before any change.
        settings["allowed_account_ids"] = [config.account_id]
    else:
        settings.update(_emulator_provider_settings(stack, config.emulator))
    if alias is not None:
        settings["alias"] = alias
    return AwsProvider(stack, "aws" if alias is None else f"aws-{alias}", **settings)


class PlatformS3Backend(S3Backend):
    """S3Backend whose cross-stack ``terraform_remote_state`` readers also reach the emulator.

    cdktf builds those data sources from the backend's typed config only, which has no field for
    an S3 endpoint in 0.21; without this override a later layer on `local` would read the earlier
    layer's outputs from real AWS.
    """

    def __init__(self, scope: Construct, *, emulator_url: str | None, **config: Any) -> None:
        super().__init__(scope, **config)
        self._emulator_url = emulator_url

    def get_remote_state_data_source(self, scope: Construct, name: str, from_stack: str) -> TerraformRemoteState:
        data_source = super().get_remote_state_data_source(scope, name, from_stack)
        if self._emulator_url is not None:
            data_source.add_override("config.endpoints", _emulator_state_endpoints(self._emulator_url))
        return data_source


def _emulator_state_endpoints(url: str) -> dict[str, str]:
    return {"s3": url, "sts": url}


def add_remote_state(stack: TerraformStack, config: EnvConfig) -> S3Backend:
    """S3 state, one object per stack in the env's bucket, encrypted and locked with a lock file."""
    name = stack.node.id
    emulator = config.emulator
    backend = PlatformS3Backend(
        stack,
        emulator_url=None if emulator is None else emulator.url,
        bucket=config.state_bucket,
        key=config.state_key(name),
        region=config.region,
        encrypt=True,
        **(
            {}
            if emulator is None
            else {
                "access_key": emulator.access_key,
                "secret_key": emulator.secret_key,
                "use_path_style": True,
                "skip_credentials_validation": True,
                "skip_requesting_account_id": True,
                "skip_metadata_api_check": True,
                "skip_region_validation": True,
            }
        ),
    )
    # cdktf 0.21's S3BackendConfig knows neither `use_lockfile` nor an `s3` endpoint: set them raw.
    stack.add_override("terraform.backend.s3.use_lockfile", True)
    if emulator is not None:
        stack.add_override("terraform.backend.s3.endpoints", _emulator_state_endpoints(emulator.url))
    return backend


class EnvStack(TerraformStack):
    """A stack of one environment named ``<part>-<env>``, its state in the env's state bucket."""

    def __init__(self, scope: Construct, part: str, config: EnvConfig) -> None:
        super().__init__(scope, stack_name(part, config.name))
        self.config = config
        self.add_override("terraform.required_version", REQUIRED_TERRAFORM_VERSION)
        self.provider = add_aws_provider(self, config, part)
        self.backend = add_remote_state(self, config)
        if config.emulator is not None:
            Aspects.of(self).add(IgnoreWhatTheEmulatorDrops())


class LayerStack(EnvStack):
    """A stack holding one architecture layer of one environment, named ``<layer>-<env>``."""

    def __init__(self, scope: Construct, layer: Layer, config: EnvConfig) -> None:
        super().__init__(scope, layer.value, config)
        self.layer = layer
