"""Function settings come from environment variables that the integration layer sets."""

from __future__ import annotations

import os


class MissingSetting(RuntimeError):
    """A function was deployed without a setting it needs; the message names the variable."""


def required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise MissingSetting(f"environment variable {name} is not set; the integration layer must provide it")
    return value


def optional(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip() or default


def integer(name: str, default: int) -> int:
    raw = optional(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise MissingSetting(f"environment variable {name} must be an integer, got {raw!r}") from None
