"""Env files with any value in any field (Hypothesis): each either loads or stops with one line that
names the file and a field, never a traceback."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envs import ENV_DIR, EnvConfigError, load_env


def _fields(document: dict[str, Any], path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every scalar field of a TOML document, as (table, ..., key)."""
    found = []
    for key, value in document.items():
        if isinstance(value, dict):
            found += _fields(value, (*path, key))
        elif not isinstance(value, list) or not any(isinstance(item, dict) for item in value):
            found.append((*path, key))
    return found


def _toml_float(value: float) -> str:
    return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(str(value), repr(value))


LOCAL = (ENV_DIR / "local.toml").read_text()
FIELDS = _fields(tomllib.loads(LOCAL))
toml_values = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(_toml_float),
    st.booleans().map(lambda b: str(b).lower()),
    st.text(max_size=80).map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'),
    st.lists(st.integers(min_value=-5, max_value=5), max_size=3).map(lambda items: f"[{', '.join(map(str, items))}]"),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=toml_values)
def test_any_value_in_any_field_loads_or_names_the_field(tmp_path_factory, field: tuple[str, ...], value: str) -> None:
    folder = tmp_path_factory.mktemp("envs")
    shutil.copy(ENV_DIR / "local.toml", folder / "local.toml")
    document = _replace(LOCAL, field, value)
    if document is None:
        return
    (folder / "local.toml").write_text(document, encoding="utf-8", errors="surrogatepass")
    try:
        load_env("local", Path(folder))
    except EnvConfigError as error:
        message = str(error)
        assert message.startswith(f"{folder}/local.toml: ") and "\n" not in message and "Traceback" not in message


def _replace(text: str, field: tuple[str, ...], value: str) -> str | None:
    """``text`` with the first ``key = ...`` line of ``field``'s table set to ``value``."""
    table = ".".join(field[:-1])
    start = text.index(f"[{table}]\n") if table else 0
    line = re.compile(rf"^{re.escape(field[-1])} = .*$", re.MULTILINE)
    match = line.search(text, start)
    if match is None:
        return None
    return text[: match.start()] + f"{field[-1]} = {value}" + text[match.end() :]
