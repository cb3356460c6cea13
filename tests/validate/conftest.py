"""The validate level works on one full synthesis of every environment, shared by its tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from envs import EnvConfig


@pytest.fixture(scope="session")
def full_synth(tmp_path_factory: pytest.TempPathFactory, configs: dict[str, EnvConfig]) -> Path:
    """All envs synthesized the way `make synth` does, into a temporary cdktf.out."""
    from stacks.app import build_app

    outdir = tmp_path_factory.mktemp("synth") / "cdktf.out"
    app, _ = build_app(list(configs.values()), outdir)
    app.synth()
    return outdir
