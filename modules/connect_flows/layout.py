"""Designer layout for rendered flows, so they open readable in the Connect console's flow designer.

The console keeps block positions in ``Metadata`` (``entryPointPosition`` and
``ActionMetadata.<Identifier>.position``, as its own exports spell them); Connect ignores Metadata
when it runs a flow, so adding it changes no behaviour (tests/unit/modules/test_connect_flows.py
checks that the content without Metadata is the rendered template).

Layout: columns by distance from the start (breadth-first), blocks of a column in the order they
are first reached, so a flow reads left to right in the order a caller goes through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.connect_flows.checker import successors

COLUMN_WIDTH = 280
ROW_HEIGHT = 200
MARGIN = 40


def with_layout(content: Mapping[str, Any]) -> dict[str, Any]:
    """The content with designer Metadata (positions for every action); nothing else changes."""
    actions = {action["Identifier"]: action for action in content["Actions"]}
    reached = _breadth_first(str(content["StartAction"]), actions)
    last = max(reached.values(), default=0) + 1
    placed = sorted(actions, key=lambda identifier: reached.get(identifier, last))
    rows: dict[int, int] = {}
    positions = {}
    for identifier in placed:
        column = reached.get(identifier, last)
        row = rows[column] = rows.get(column, -1) + 1
        positions[identifier] = {"x": MARGIN + (column + 1) * COLUMN_WIDTH, "y": MARGIN + row * ROW_HEIGHT}
    metadata = {
        "entryPointPosition": {"x": MARGIN, "y": MARGIN},
        "ActionMetadata": {identifier: {"position": positions[identifier]} for identifier in actions},
    }
    return {**content, "Metadata": metadata}


def _breadth_first(start: str, actions: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """Identifier -> column (distance from the start), in the order blocks are first reached."""
    columns, frontier = {start: 0}, [start]
    while frontier:
        following = []
        for identifier in frontier:
            for target in successors(actions.get(identifier, {})):
                if target in actions and target not in columns:
                    columns[target] = columns[identifier] + 1
                    following.append(target)
        frontier = following
    return columns
