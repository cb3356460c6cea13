"""Every synthesized stack of every env passes `terraform validate` with the offline provider.

cdktf's ``Testing.to_be_valid_terraform`` runs a plain `terraform init`, which needs the S3
backends' buckets, and only returns False; this runs `init -backend=false` + `validate -json`
itself, for all stacks in one Terraform run (each stack a child module of a generated root), and
puts Terraform's diagnostics in the failure message.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from envs import env_names, load_envs, stack_name
from stacks.account import ACCOUNT_PART
from stacks.bootstrap import bootstrap_stack_name
from stacks.layers import LAYER_ORDER
from tools.terraform import validate_stacks_together

# The account stack only in the envs that own their account's settings.
ACCOUNT_STACKS = [stack_name(ACCOUNT_PART, c.name) for c in load_envs() if c.api.manage_account_logging]
STACK_NAMES = (
    [bootstrap_stack_name(env) for env in env_names()]
    + ACCOUNT_STACKS
    + [layer.stack_name(env) for env in env_names() for layer in LAYER_ORDER]
)


@pytest.fixture(scope="session")
def diagnostics(full_synth: Path) -> dict[str, list[dict[str, Any]]]:
    return validate_stacks_together(full_synth / "stacks", STACK_NAMES)


def test_synth_writes_every_stack_of_every_env(full_synth: Path) -> None:
    written = sorted(path.name for path in (full_synth / "stacks").iterdir())
    assert written == sorted(STACK_NAMES)
    # 5 envs: bootstrap + the layers each, and each owns its account's settings (5 accounts or regions).
    assert len(STACK_NAMES) == 5 * (len(LAYER_ORDER) + 1) + 5 == 40


@pytest.mark.parametrize("stack_name", STACK_NAMES)
def test_stack_is_valid_terraform(diagnostics: dict[str, list[dict[str, Any]]], stack_name: str) -> None:
    errors = [diagnostic for diagnostic in diagnostics[stack_name] if diagnostic.get("severity") == "error"]
    assert not errors, json.dumps(errors, indent=2)


def test_a_broken_stack_is_reported_as_that_stack(tmp_path: Path, full_synth: Path) -> None:
    """The shared run must still pin an error on the stack that has it, and on no other."""
    stacks = tmp_path / "stacks"
    for name in ("data-dev", "data-prod"):
        shutil.copytree(full_synth / "stacks" / name, stacks / name, ignore=shutil.ignore_patterns(".terraform*"))
    broken = stacks / "data-prod" / "cdk.tf.json"
    config = json.loads(broken.read_text())
    table = next(iter(config["resource"]["aws_dynamodb_table"].values()))
    table["billing_mode"] = "${aws_nope.missing.id}"
    broken.write_text(json.dumps(config))

    found = validate_stacks_together(stacks, ["data-dev", "data-prod"])

    assert [d["summary"] for d in found["data-prod"]] == ["Reference to undeclared resource"]
    assert found["data-dev"] == []
