"""Deployment order comes from cdktf's manifest; bad stack names are refused before any apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.deploy import deploy_env, deployment_order
from tools.terraform import TerraformError


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    layers = ["foundation", "data", "security"]
    stacks = {"bootstrap-dev": {"dependencies": []}, "foundation-prod": {"dependencies": []}}
    for earlier, later in zip([None, *layers], layers, strict=False):
        stacks[f"{later}-dev"] = {"dependencies": [f"{earlier}-dev"] if earlier else []}
    (tmp_path / "manifest.json").write_text(json.dumps({"stacks": stacks}))
    return tmp_path


def test_bootstrap_first_then_each_stack_after_its_dependencies(outdir: Path) -> None:
    assert deployment_order(outdir, "dev") == ["bootstrap-dev", "foundation-dev", "data-dev", "security-dev"]


def test_unknown_stack_names_are_refused_before_anything_is_applied(outdir: Path) -> None:
    with pytest.raises(TerraformError, match=r"no such stack in env 'dev': bootstrap-qa \(stacks: bootstrap-dev, "):
        deploy_env(outdir, "dev", report=lambda line: None, only=["bootstrap-qa"])
