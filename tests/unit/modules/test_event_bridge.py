"""EventBridge rules: schedules and the voicemail route, each with retries, a dead-letter queue
only its rules may write to, and a resource policy naming exactly the rule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modules.event_bridge import PLATFORM_RULES, Rule
from modules.naming import Function
from tests.conftest import SynthFn
from tests.helpers import body, lambda_shared_models, policy, ref, resources


@pytest.fixture(scope="module")
def application(platform: dict[str, Any], synth: SynthFn) -> dict[str, Any]:
    return synth(platform["prod"].application)


def test_rules_target_their_function_with_retries_and_a_dead_letter_queue(
    platform: dict[str, Any], application
) -> None:
    rules = platform["prod"].application.event_rules
    functions = platform["prod"].integration.functions
    for rule in PLATFORM_RULES:
        target = body(application, rules.targets[rule.name])
        assert target["arn"] == ref(functions.functions[rule.function], "arn")
        assert target["retry_policy"] == {"maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 8}
        assert target["dead_letter_config"] == {"arn": ref(functions.dead_letter_queues[rule.function], "arn")}
    nightly = body(application, rules.rules["nightly-export"])
    assert nightly["schedule_expression"].startswith("cron(")
    assert json.loads(body(application, rules.targets["nightly-export"])["input"]) == {"job": "nightly-export"}
    voicemail = json.loads(body(application, rules.rules["voicemail-received"])["event_pattern"])
    assert voicemail == {"detail-type": ["VoicemailReceived"], "source": ["contact-center.platform"]}


def test_each_function_may_be_invoked_only_by_its_rules(platform: dict[str, Any], application) -> None:
    rules = platform["prod"].application.event_rules
    permissions = [
        p for p in resources(application, "aws_lambda_permission") if p["principal"] == "events.amazonaws.com"
    ]
    assert sorted(p["source_arn"] for p in permissions) == sorted(ref(r, "arn") for r in rules.rules.values())


def test_dead_letter_queues_accept_only_these_rules(platform: dict[str, Any], application) -> None:
    rules = platform["prod"].application.event_rules
    document = policy(body(application, rules.queue_policies[Function.UTILITIES]))
    [statement] = document["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    expected = [ref(rules.rules["nightly-export"], "arn"), ref(rules.rules["purge-expired"], "arn")]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": expected}}


def test_the_voicemail_pattern_matches_what_the_voicemail_function_publishes() -> None:
    models = lambda_shared_models()
    [rule] = [r for r in PLATFORM_RULES if r.function is Function.NOTIFICATION]
    assert rule.pattern == {"source": [models.EVENT_SOURCE], "detail-type": [models.VOICEMAIL_RECEIVED]}


def test_a_rule_needs_exactly_one_trigger() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Rule("broken", "no trigger", Function.UTILITIES)
