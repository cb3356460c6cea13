"""Functions invoked by AWS services, given events of any shape (Hypothesis): each either handles the
event or fails with its own error naming what it expected, never a KeyError or TypeError."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
s3_like = st.fixed_dictionaries(
    {
        "Records": st.lists(
            st.fixed_dictionaries({"eventName": json_values, "eventTime": json_values, "s3": json_values}), max_size=2
        )
    }
)
eventbridge_like = st.fixed_dictionaries(
    {"source": st.just("aws.s3"), "detail-type": st.just("Object Created"), "time": json_values, "detail": json_values}
)


@PROPERTY_SETTINGS
@given(event=st.one_of(json_values, s3_like, eventbridge_like))
def test_voicemail_names_what_it_expected(database: str, aws, lambda_context: Any, event: Any) -> None:
    import voicemail

    with contextlib.suppress(voicemail.WrongEvent, voicemail.VoicemailGone):
        voicemail.handler(event, lambda_context)


@PROPERTY_SETTINGS
@given(event=st.one_of(json_values, st.fixed_dictionaries({"job": json_values})))
def test_utilities_names_what_it_expected(database: str, aws, lambda_context: Any, event: Any) -> None:
    import utilities

    with contextlib.suppress(utilities.JobError):
        utilities.handler(event, lambda_context)
