"""Build the CDKTF app for a list of environments (one process, one jsii start, all envs)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from cdktf import App

from envs import EnvConfig
from modules.lambda_packages import LambdaPackages
from stacks.platform import EnvironmentStacks, add_environment
from tools.build_lambdas import build_all, output_folder


def lambda_packages(architectures: Iterable[str]) -> dict[str, LambdaPackages]:
    """Build (or reuse, when nothing changed) the Lambda packages synth deploys, per architecture."""
    packages = {}
    for architecture in sorted(set(architectures)):
        build_all(architecture)
        packages[architecture] = LambdaPackages.from_build(output_folder(architecture))
    return packages


def build_app(
    configs: Sequence[EnvConfig],
    outdir: Path | None = None,
    packages: Mapping[str, LambdaPackages] | None = None,
) -> tuple[App, dict[str, EnvironmentStacks]]:
    """An App holding every stack of ``configs``. ``outdir`` None lets cdktf-cli choose (CDKTF_OUTDIR).
    ``packages`` (per architecture) defaults to building them, as ``make lambdas`` does.

    Stack traces are off: they embed absolute paths, and synth output must be identical on every clone.
    """
    if packages is None:
        packages = lambda_packages(config.lambdas.architecture for config in configs)
    app = App(outdir=str(outdir) if outdir else None, stack_traces=False)
    stacks = {config.name: add_environment(app, config, packages[config.lambdas.architecture]) for config in configs}
    return app, stacks
