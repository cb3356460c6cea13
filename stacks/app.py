"""Build the CDKTF app for a list of environments (one process, one jsii start, all envs)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cdktf import App

from envs import EnvConfig
from stacks.platform import EnvironmentStacks, add_environment


def build_app(configs: Sequence[EnvConfig], outdir: Path | None = None) -> tuple[App, dict[str, EnvironmentStacks]]:
    """An App holding every stack of ``configs``. ``outdir`` None lets cdktf-cli choose (CDKTF_OUTDIR).

    Stack traces are off: they embed absolute paths, and synth output must be identical on every clone.
    """
    app = App(outdir=str(outdir) if outdir else None, stack_traces=False)
    return app, {config.name: add_environment(app, config) for config in configs}
