"""The platform: one stack per layer per env, deployed in layer order, bootstrap per env."""

from __future__ import annotations

from typing import Any

from stacks.layers import LAYER_ORDER


def test_one_stack_per_layer_per_environment(platform: dict[str, Any]) -> None:
    names = sorted(stack.node.id for stacks in platform.values() for stack in stacks.layers)
    assert names == sorted(f"{layer.value}-{env}" for layer in LAYER_ORDER for env in platform)
    assert len(names) == 30  # 6 layers x 5 envs
