"""IAM policy documents as JSON built from resource attributes, never from hand-typed ARNs.

Token strings (``${aws_x.y.arn}``) survive ``json.dumps`` unchanged and are resolved by cdktf at
synth time, so a policy reads like the JSON that AWS will store, and tests can parse it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Statement:
    """One IAM policy statement; ``principal`` is only for resource and trust policies."""

    actions: Sequence[str]
    resources: Sequence[str] = ()
    effect: str = "Allow"
    principal: Mapping[str, Any] | None = None
    condition: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sid: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.sid:
            body["Sid"] = self.sid
        body["Effect"] = self.effect
        if self.principal is not None:
            body["Principal"] = dict(self.principal)
        body["Action"] = list(self.actions)
        if self.resources:
            # One resource as a plain string, the form AWS itself returns (and moto's log-delivery check expects).
            body["Resource"] = self.resources[0] if len(self.resources) == 1 else list(self.resources)
        if self.condition:
            body["Condition"] = {operator: dict(values) for operator, values in self.condition.items()}
        return body


def policy_document(*statements: Statement) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [s.to_json() for s in statements]})


def service_trust_policy(service: str, condition: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """A role trust policy for one AWS service principal, optionally fenced by a confused-deputy condition."""
    return policy_document(
        Statement(
            actions=["sts:AssumeRole"],
            principal={"Service": service},
            condition=condition or {},
        )
    )
