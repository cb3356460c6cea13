"""Every field of a construct's props says what it is (a comment on its line or the line above:
what it holds, its unit where it has one, its default where it has one)."""

from __future__ import annotations

import ast
from pathlib import Path

MODULES = Path(__file__).resolve().parents[3] / "modules"


def undocumented_fields() -> list[str]:
    found = []
    for path in sorted(MODULES.rglob("*.py")):
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not (isinstance(node, ast.ClassDef) and node.name.endswith("Props")):
                continue
            for item in node.body:
                if not isinstance(item, ast.AnnAssign):
                    continue
                own, above = lines[item.lineno - 1], lines[item.lineno - 2].strip()
                if "#" not in own and not above.startswith("#"):
                    found.append(f"{path.relative_to(MODULES.parent)}:{item.lineno} {node.name}.{own.strip()}")
    return found


def test_every_props_field_is_documented() -> None:
    assert undocumented_fields() == []


def test_the_check_sees_props_fields_at_all() -> None:
    fields = sum(
        isinstance(item, ast.AnnAssign)
        for path in MODULES.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and node.name.endswith("Props")
        for item in node.body
    )
    assert fields > 50  # it reads the constructs' props, so an empty result above means something
