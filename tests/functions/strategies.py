"""Hypothesis strategies shared by the hostile-input tests."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# The fixtures the property tests use (a migrated database, moto) hold nothing an example changes
# in a way the next example could trip over.
PROPERTY_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def json_values(leaves: int = 10, text: int = 20) -> st.SearchStrategy[object]:
    """Any JSON value: scalars of every type, nested in lists and objects."""
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=text)
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
        max_leaves=leaves,
    )
