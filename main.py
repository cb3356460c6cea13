"""Synthesize the contact-center platform: `python main.py` (what `cdktf synth` and `make synth` run).

Environments come from envs/*.toml; PLATFORM_ENVS=dev,prod limits synthesis to some of them.
Every selected environment is validated before cdktf is imported or anything is written, so a
broken env file costs a fraction of a second and leaves cdktf.out untouched.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from envs import EnvConfigError, env_names, load_envs
from tools.jsii_env import prepare_jsii


def selected_env_names(environ: Mapping[str, str] = os.environ) -> list[str]:
    requested = [name.strip() for name in environ.get("PLATFORM_ENVS", "").split(",") if name.strip()]
    return requested or env_names()


def main() -> int:
    try:
        configs = load_envs(selected_env_names())
    except EnvConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    prepare_jsii()
    from stacks.app import build_app  # imported here, after prepare_jsii(): cdktf starts Node
    from tools.build_lambdas import BuildError

    try:
        app, _ = build_app(configs)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
