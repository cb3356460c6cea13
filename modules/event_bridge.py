"""EventBridge stack of the architecture: the utilities function's schedules and the routing of
platform events (``VoicemailReceived``) to the notification function.

Each rule is data (``Rule``). Every target retries for up to an hour and then leaves the event on
the target function's dead-letter queue (the integration layer's), whose queue policy lets only
these rules write to it. Each function gets a resource policy naming exactly its rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import (
    CloudwatchEventTarget,
    CloudwatchEventTargetDeadLetterConfig,
    CloudwatchEventTargetRetryPolicy,
)
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from constructs import Construct

from envs import EnvConfig
from modules.lambda_ import EntryPoint
from modules.naming import Function
from modules.policy import Statement, policy_document

EVENT_SOURCE = "contact-center.platform"  # what lambdas/shared/cc_shared/models.py publishes under
RETRY = CloudwatchEventTargetRetryPolicy(maximum_event_age_in_seconds=3600, maximum_retry_attempts=8)


@dataclass(frozen=True)
class Rule:
    """A schedule (``schedule``) or an event pattern (``pattern``) invoking ``function`` with ``input``."""

    name: str
    description: str
    function: Function
    schedule: str | None = None
    pattern: Mapping[str, Any] | None = None
    input: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if (self.schedule is None) == (self.pattern is None):
            raise ValueError(f"rule {self.name}: give exactly one of schedule and pattern")


PLATFORM_RULES: tuple[Rule, ...] = (
    Rule(
        "nightly-export",
        "Exports the previous day's contacts to the exports bucket (utilities)",
        Function.UTILITIES,
        schedule="cron(15 2 * * ? *)",
        input={"job": "nightly-export"},
    ),
    Rule(
        "purge-expired",
        "Deletes contacts and voicemail rows past their retention (utilities)",
        Function.UTILITIES,
        schedule="cron(45 3 * * ? *)",
        input={"job": "purge-expired"},
    ),
    Rule(
        "voicemail-received",
        "Routes VoicemailReceived events to the notification function",
        Function.NOTIFICATION,
        pattern={"source": [EVENT_SOURCE], "detail-type": ["VoicemailReceived"]},
    ),
)


@dataclass(frozen=True)
class EventRulesProps:
    rules: Sequence[Rule]  # scheduled and event-pattern rules, each with the function it invokes
    functions: Mapping[Function, EntryPoint]  # the rules' targets (alias when published)
    dead_letter_queues: Mapping[Function, SqsQueue]  # function -> its queue, where a rule's undeliverable events go
    # Other statements for a queue this construct writes the policy of (one policy per queue).
    # function -> statements added to its queue's policy (default: none)
    extra_queue_statements: Mapping[Function, Sequence[Statement]] = field(default_factory=dict)


class EventRules(Construct):
    """Exposes ``rules`` (name -> CloudwatchEventRule), ``targets`` and ``queue_policies``."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: EventRulesProps) -> None:
        super().__init__(scope, construct_id)
        self.rules: dict[str, CloudwatchEventRule] = {}
        self.targets: dict[str, CloudwatchEventTarget] = {}
        for rule in props.rules:
            self._rule(config, rule, props)
        self.queue_policies = {
            function: self._queue_policy(function, props)
            for function in sorted({rule.function for rule in props.rules})
        }

    def _rule(self, config: EnvConfig, rule: Rule, props: EventRulesProps) -> None:
        function = props.functions[rule.function]
        resource = CloudwatchEventRule(
            self,
            rule.name,
            name=config.resource_name(rule.name),
            description=rule.description,
            schedule_expression=rule.schedule,
            event_pattern=json.dumps(rule.pattern, sort_keys=True) if rule.pattern else None,
        )
        self.rules[rule.name] = resource
        self.targets[rule.name] = CloudwatchEventTarget(
            self,
            f"{rule.name}-target",
            rule=resource.name,
            target_id=rule.function.value,
            arn=function.arn,
            input=json.dumps(rule.input, sort_keys=True) if rule.input else None,
            retry_policy=RETRY,
            dead_letter_config=CloudwatchEventTargetDeadLetterConfig(arn=props.dead_letter_queues[rule.function].arn),
        )
        LambdaPermission(
            self,
            f"{rule.name}-permission",
            statement_id=f"AllowRule-{rule.name}",
            action="lambda:InvokeFunction",
            function_name=function.function_name,
            qualifier=function.qualifier,
            principal="events.amazonaws.com",
            source_arn=resource.arn,
        )

    def _queue_policy(self, function: Function, props: EventRulesProps) -> SqsQueuePolicy:
        queue = props.dead_letter_queues[function]
        rule_arns = [self.rules[rule.name].arn for rule in props.rules if rule.function == function]
        return SqsQueuePolicy(
            self,
            f"{function.value}-dlq-policy",
            queue_url=queue.url,
            policy=policy_document(
                Statement(
                    sid="FailedEventsOfOwnRules",
                    principal={"Service": "events.amazonaws.com"},
                    actions=["sqs:SendMessage"],
                    resources=[queue.arn],
                    condition={"ArnEquals": {"aws:SourceArn": rule_arns}},
                ),
                *props.extra_queue_statements.get(function, ()),
            ),
        )
