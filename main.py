"""Synthesize the contact-center platform: `python main.py` (what `cdktf synth` and `make synth` run).

Environments come from envs/*.toml; PLATFORM_ENVS=dev,prod limits synthesis to some of them.
Every selected environment, and the contact flows rendered for it, is validated before cdktf is
imported or anything is written, so a broken env file or flow template costs a fraction of a
second, prints one line per problem (file, action, rule) and exit code 2, and leaves cdktf.out
untouched.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from envs import EnvConfig, EnvConfigError, env_names, load_envs
from tools.jsii_env import prepare_jsii


def selected_env_names(environ: Mapping[str, str] = os.environ) -> list[str]:
    requested = [name.strip() for name in environ.get("PLATFORM_ENVS", "").split(",") if name.strip()]
    return requested or env_names()


def flow_problems(configs: Sequence[EnvConfig]) -> list[str]:
    """Every flow template rendered for every env and checked (modules/connect_flows), each problem once."""
    from modules.connect_flows.templates import check_env
    from modules.naming import Function

    seen: dict[str, None] = {}
    for config in configs:
        for problem in check_env(config, [function.value for function in Function]):
            seen.setdefault(str(problem))
    return list(seen)


def main() -> int:
    try:
        configs = load_envs(selected_env_names())
    except EnvConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    problems = flow_problems(configs)
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
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
