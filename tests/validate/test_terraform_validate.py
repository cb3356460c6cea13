"""Every synthesized stack of every env passes `terraform validate` with the offline provider.

cdktf's ``Testing.to_be_valid_terraform`` runs a plain `terraform init`, which needs the S3
backends' buckets, and only returns False; this runs `init -backend=false` + `validate -json`
itself and puts Terraform's diagnostics in the failure message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from envs import env_names
from stacks.bootstrap import bootstrap_stack_name
from stacks.layers import LAYER_ORDER
from tools.terraform import TerraformError, map_stacks_in_parallel, run_terraform

STACK_NAMES = [bootstrap_stack_name(env) for env in env_names()] + [
    layer.stack_name(env) for env in env_names() for layer in LAYER_ORDER
]


def validate_stack(stack_dir: Path) -> dict[str, Any]:
    try:
        run_terraform(stack_dir, "init", "-backend=false", "-input=false", "-no-color")
    except TerraformError as error:
        return {"valid": False, "diagnostics": [{"summary": str(error)}]}
    result = run_terraform(stack_dir, "validate", "-json", "-no-color", ok_codes=(0, 1))
    return dict(json.loads(result.stdout))


@pytest.fixture(scope="session")
def validations(full_synth: Path) -> dict[str, dict[str, Any]]:
    """Validate all stacks once, two at a time (the machines have two cores)."""
    return map_stacks_in_parallel([full_synth / "stacks" / name for name in STACK_NAMES], validate_stack, workers=2)


def test_synth_writes_every_stack_of_every_env(full_synth: Path) -> None:
    written = sorted(path.name for path in (full_synth / "stacks").iterdir())
    assert written == sorted(STACK_NAMES)
    assert len(STACK_NAMES) == 4 * (len(LAYER_ORDER) + 1)


@pytest.mark.parametrize("stack_name", STACK_NAMES)
def test_stack_is_valid_terraform(validations: dict[str, dict[str, Any]], stack_name: str) -> None:
    result = validations[stack_name]
    problems = [d for d in result.get("diagnostics", []) if d.get("severity") == "error" or not result["valid"]]
    assert result["valid"], json.dumps(problems, indent=2)
