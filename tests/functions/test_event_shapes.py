"""Functions invoked by AWS services, given events of any shape (Hypothesis): each either handles the
event or fails with its own error naming what it expected, never a KeyError or TypeError."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.functions.strategies import PROPERTY_SETTINGS
from tests.functions.strategies import json_values as json_values_of

json_values = json_values_of(leaves=10, text=12)
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


connect_like = st.fixed_dictionaries(
    {
        "Name": st.just("ContactFlowEvent"),
        "Details": st.one_of(
            json_values, st.fixed_dictionaries({"ContactData": json_values, "Parameters": json_values})
        ),
    }
)


@pytest.fixture
def experience_stream(aws, monkeypatch: pytest.MonkeyPatch) -> None:
    aws.client("kinesis").create_stream(StreamName="cc-test-experience-events", ShardCount=1)
    monkeypatch.setenv("STREAM_NAME", "cc-test-experience-events")


@PROPERTY_SETTINGS
@given(event=st.one_of(json_values, connect_like))
def test_queue_experience_always_answers_the_flow(table: str, experience_stream, lambda_context, event: Any) -> None:
    """A caller is waiting: whatever Connect (or anything else) sends, the flow gets the safe defaults."""
    import queue_experience

    answer = queue_experience.handler(event, lambda_context)
    assert isinstance(answer, dict) and all(isinstance(v, str) for v in answer.values()) and answer["welcomeMessage"]


@PROPERTY_SETTINGS
@given(
    event=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {
                "source": st.just("contact-center.platform"),
                "detail-type": st.just("VoicemailReceived"),
                "detail": json_values,
            }
        ),
    )
)
def test_notification_names_what_it_expected(database: str, aws, lambda_context: Any, event: Any) -> None:
    import notification

    with contextlib.suppress(notification.UnsupportedEvent):
        notification.handler(event, lambda_context)


@PROPERTY_SETTINGS
@given(event=st.one_of(json_values, st.fixed_dictionaries({"instanceId": json_values})))
def test_command_center_names_what_it_expected(
    database: str, aws, emulator_in_process: str, lambda_context: Any, event: Any
) -> None:
    """An ``instanceId`` of the right shape reaches Amazon Connect: the emulator answers it as AWS does
    (moto in process has no ListQueues), with ResourceNotFoundException for an unknown instance."""
    import command_center

    with contextlib.suppress(command_center.SnapshotError):
        command_center.handler(event, lambda_context)
