"""Environment configuration: one TOML file per environment in this folder, loaded into ``EnvConfig``.

Loading never imports cdktf, so a broken file is reported in well under a second, before any
synthesis starts and before anything is written to ``cdktf.out``.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from envs.rules import violations
from envs.schema import BOOTSTRAP_LAYER, EnvConfig, NatStrategy, Tier, stack_name

ENV_DIR = Path(__file__).resolve().parent

__all__ = [
    "BOOTSTRAP_LAYER",
    "ENV_DIR",
    "EnvConfig",
    "EnvConfigError",
    "NatStrategy",
    "Tier",
    "env_names",
    "load_env",
    "load_envs",
    "stack_name",
]


class EnvConfigError(ValueError):
    """An environment file is missing, unreadable or invalid; the message is one line naming file and field."""


def env_names(env_dir: Path = ENV_DIR) -> list[str]:
    """Environments are the TOML files of the folder; adding a file adds an environment."""
    return sorted(path.stem for path in env_dir.glob("*.toml"))


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(ENV_DIR.parent))
    except ValueError:
        return str(path)


def _field_path(location: tuple[str | int, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(file)"


def _describe_validation_error(error: ValidationError) -> list[str]:
    """One line per problem. A list whose items are all invalid is also "too short after validation"
    to pydantic; that echo of the item errors is dropped."""
    problems = []
    details = error.errors(include_url=False)
    with_item_errors = {
        tuple(d["loc"][:i]) for d in details for i, part in enumerate(d["loc"]) if isinstance(part, int)
    }
    for detail in details:
        if detail["type"] == "too_short" and tuple(detail["loc"]) in with_item_errors:
            continue
        field = _field_path(tuple(detail["loc"]))
        message = "unknown field (check the spelling)" if detail["type"] == "extra_forbidden" else detail["msg"]
        problems.append(f"{field}: {message}")
    return problems


def _non_finite(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str, float]]:
    """Every ``inf`` or ``nan`` in a TOML document, by field path (no setting of ours is infinite)."""
    if isinstance(value, float) and not math.isfinite(value):
        yield _field_path(path), value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _non_finite(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _non_finite(item, (*path, index))


def load_env(name: str, env_dir: Path = ENV_DIR) -> EnvConfig:
    """Read, type-check and rule-check one environment, or raise ``EnvConfigError``."""
    path = env_dir / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(env_names(env_dir)) or "none"
        raise EnvConfigError(f"unknown environment {name!r}: no {_display(path)} (known environments: {known})")
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as error:
        raise EnvConfigError(f"{_display(path)}: not UTF-8 text (byte {error.start}: {error.reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise EnvConfigError(f"{_display(path)}: invalid TOML: {error}") from error
    not_finite = [f"{field}: {value} is not a finite number" for field, value in _non_finite(raw)]
    if not_finite:
        raise EnvConfigError(f"{_display(path)}: " + "; ".join(not_finite))
    try:
        # Strict, as JSON: TOML's own types must already be right ("100" is not a number, "yes" not a
        # boolean); strings are still read as the networks, URLs and enums they name.
        config = EnvConfig.model_validate_json(json.dumps(raw, default=str), strict=True)
    except ValidationError as error:
        raise EnvConfigError(f"{_display(path)}: " + "; ".join(_describe_validation_error(error))) from error
    problems = [str(violation) for violation in violations(config)]
    if config.name != name:
        problems.insert(0, f"name: must equal the file name {name!r}, got {config.name!r}")
    if problems:
        raise EnvConfigError(f"{_display(path)}: " + "; ".join(problems))
    return config


def load_envs(names: list[str] | None = None, env_dir: Path = ENV_DIR) -> list[EnvConfig]:
    """Load several environments; all of them are validated before any is used, also together:
    account-wide settings are managed by one env per account and region."""
    configs = [load_env(name, env_dir) for name in (names or env_names(env_dir))]
    managers: dict[tuple[str, str], list[str]] = {}
    for config in configs:
        if config.api.manage_account_logging:
            managers.setdefault((config.account_id, config.region), []).append(config.name)
    for (account, region), envs in managers.items():
        if len(envs) > 1:
            files = ", ".join(_display(env_dir / f"{name}.toml") for name in envs)
            raise EnvConfigError(
                f"{files}: api.manage_account_logging: API Gateway's CloudWatch role is one setting per account and "
                f"region ({account}, {region}); set it false in all but one"
            )
    return configs
