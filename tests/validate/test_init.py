"""`terraform init` runs once per stack configuration: plans, reports and drift checks after a deploy
do not pay for it again, and a changed backend or a removed `.terraform` is initialized anew."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import tools.deploy as deploy
from tools.terraform import TerraformResult

PROVIDERS = {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}}


def _stack(path: Path, state_file: str) -> Path:
    path.mkdir(exist_ok=True)
    document = {"terraform": {"required_providers": PROVIDERS, "backend": {"local": {"path": state_file}}}}
    (path / "cdk.tf.json").write_text(json.dumps(document))
    return path


def test_a_stack_is_initialized_again_only_when_what_init_reads_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inits: list[str] = []
    real = deploy.run_terraform

    def counted(path: Path, *args: str, **kwargs: Any) -> TerraformResult:
        if args[0] == "init":
            inits.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(deploy, "run_terraform", counted)
    stack = _stack(tmp_path / "data-local", "one.tfstate")

    deploy.init(stack)
    deploy.init(stack)
    assert len(inits) == 1, "the second init of an unchanged stack ran"
    assert (stack / ".terraform.lock.hcl").exists()

    _stack(stack, "two.tfstate")  # another backend: init must run (-reconfigure)
    deploy.init(stack)
    assert len(inits) == 2
    deploy.init(stack)
    assert len(inits) == 2

    shutil.rmtree(stack / ".terraform")
    deploy.init(stack)
    assert len(inits) == 3
    assert (stack / ".terraform" / "providers").is_dir()
