"""Every physical name in the synthesized stacks fits the bound the env rules check at load time
(``envs.rules.NAME_LIMITS``), so a name too long for AWS is refused when the env file is read."""

from __future__ import annotations

import json
from pathlib import Path

from envs import EnvConfig
from envs.rules import NAME_LIMITS


def test_no_synthesized_name_is_longer_than_the_rule_allows_for(
    full_synth: Path, configs: dict[str, EnvConfig]
) -> None:
    checked = 0
    for env, config in configs.items():
        bounds = {
            limit.resource_type: (limit.attribute, len(limit.longest_name(config)), limit) for limit in NAME_LIMITS
        }
        for path in (full_synth / "stacks").glob(f"*-{env}/cdk.tf.json"):
            for kind, items in json.loads(path.read_text()).get("resource", {}).items():
                if kind not in bounds:
                    continue
                attribute, bound, limit = bounds[kind]
                for body in items.values():
                    name = body.get(attribute)
                    if isinstance(name, str) and "${" not in name:
                        checked += 1
                        assert len(name) <= bound, f"{name} is longer than {limit.longest}: update envs/rules.py"
    assert checked > 100
