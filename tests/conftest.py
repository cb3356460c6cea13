"""Shared fixtures. Everything that needs cdktf is session-scoped: starting jsii and the provider
bindings costs seconds even with the loader prepare_jsii() installs (~12 s without it), so a test
run pays it once and synthesizes each stack at most once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from envs import EnvConfig, load_envs
from tools.jsii_env import prepare_jsii

prepare_jsii()

SynthFn = Callable[[Any], dict[str, Any]]
TEST_LEVELS = ("unit", "functions", "validate", "emulator")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The folder is the level: tests/unit -> `-m unit`, tests/validate -> `-m validate`, ..."""
    for item in items:
        level = item.path.relative_to(item.config.rootpath / "tests").parts[0]
        if level in TEST_LEVELS:
            item.add_marker(getattr(pytest.mark, level))


@pytest.fixture(scope="session")
def configs() -> dict[str, EnvConfig]:
    return {config.name: config for config in load_envs()}


@pytest.fixture(scope="session")
def platform(configs: dict[str, EnvConfig]) -> dict[str, Any]:
    """Every environment's stacks in one test app, built once per session."""
    from cdktf import Testing

    from stacks.app import lambda_packages
    from stacks.platform import add_environment

    packages = lambda_packages(config.lambdas.architecture for config in configs.values())
    app = Testing.app()
    return {
        name: add_environment(app, config, packages[config.lambdas.architecture]) for name, config in configs.items()
    }


@pytest.fixture(scope="session")
def synth() -> SynthFn:
    """``synth(stack)`` -> the stack's Terraform JSON as a dict, synthesized once per stack."""
    from cdktf import Testing

    cache: dict[int, tuple[Any, dict[str, Any]]] = {}

    def synthesize(stack: Any) -> dict[str, Any]:
        # Keyed by identity: tests may build a same-named stack in a fresh app with another config.
        if id(stack) not in cache:
            cache[id(stack)] = (stack, json.loads(Testing.synth(stack)))
        return cache[id(stack)][1]

    return synthesize
