"""Every AWS service a local stack calls is pointed at the emulator: a service missing from
``EMULATED_SERVICES`` would send the provider to the real AWS endpoint (and fail offline)."""

from __future__ import annotations

from typing import Any

from stacks.base import EMULATED_SERVICES
from tests.conftest import SynthFn

# Resource type prefix -> the provider's endpoint name; the longest matching prefix wins.
SERVICE_OF = {
    "aws_api_gateway": "apigateway",
    "aws_cloudtrail": "cloudtrail",
    "aws_cloudwatch_dashboard": "cloudwatch",
    "aws_cloudwatch_metric_alarm": "cloudwatch",
    "aws_cloudwatch_event": "events",
    "aws_cloudwatch_log": "logs",
    "aws_connect": "connect",
    "aws_db": "rds",
    "aws_default_security_group": "ec2",
    "aws_dynamodb": "dynamodb",
    "aws_eip": "ec2",
    "aws_flow_log": "ec2",
    "aws_iam": "iam",
    "aws_internet_gateway": "ec2",
    "aws_kinesis_firehose": "firehose",
    "aws_kinesis_stream": "kinesis",
    "aws_kms": "kms",
    "aws_lambda": "lambda_",
    "aws_nat_gateway": "ec2",
    "aws_route": "ec2",
    "aws_s3": "s3",
    "aws_secretsmanager": "secretsmanager",
    "aws_security_group": "ec2",
    "aws_sns": "sns",
    "aws_sqs": "sqs",
    "aws_subnet": "ec2",
    "aws_vpc": "ec2",
}


# Terraform's own resource types: no AWS endpoint at all.
BUILT_IN = frozenset({"terraform_data"})


def service_of(resource_type: str) -> str | None:
    matches = [prefix for prefix in SERVICE_OF if resource_type.startswith(prefix)]
    return SERVICE_OF[max(matches, key=len)] if matches else None


def test_every_local_resource_is_served_by_the_emulator(platform: dict[str, Any], synth: SynthFn) -> None:
    local = platform["local"]
    stacks = [local.account, *local.layers]
    types = {kind for stack in stacks for kind in synth(stack).get("resource", {})}
    unknown = sorted(kind for kind in types - BUILT_IN if service_of(kind) is None)
    assert unknown == [], f"map these resource types to their service in SERVICE_OF: {unknown}"
    missing = sorted({str(service_of(kind)) for kind in types - BUILT_IN} - set(EMULATED_SERVICES))
    assert missing == [], f"add these endpoints to stacks/base.py EMULATED_SERVICES: {missing}"
