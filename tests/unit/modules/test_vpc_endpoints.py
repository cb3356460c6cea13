"""Private paths to AWS: gateway endpoints on the private route tables, interface endpoints in the subnets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modules.vpc_endpoints import INTERFACE_SERVICES
from tests.conftest import SynthFn
from tests.helpers import body, ref


@pytest.fixture(scope="module")
def prod(platform: dict[str, Any], synth: SynthFn) -> dict[str, Any]:
    return synth(platform["prod"].security)


def test_gateway_endpoints_sit_on_every_private_route_table(platform: dict[str, Any], prod: dict[str, Any]) -> None:
    network = platform["prod"].foundation.network
    endpoints = platform["prod"].security.endpoints
    for service, endpoint in endpoints.gateways.items():
        resource = body(prod, endpoint)
        assert resource["service_name"] == f"com.amazonaws.us-east-1.{service}"
        assert resource["vpc_endpoint_type"] == "Gateway"
        assert resource["route_table_ids"] == [ref(table, "id") for table in network.private_route_tables]


def test_gateway_policies_admit_only_this_environments_buckets_and_tables(
    platform: dict[str, Any], prod: dict[str, Any]
) -> None:
    gateways = platform["prod"].security.endpoints.gateways
    (s3,) = json.loads(body(prod, gateways["s3"])["policy"])["Statement"]
    assert s3["Resource"] == ["arn:aws:s3:::cc-prod-*", "arn:aws:s3:::cc-prod-*/*"]
    (dynamodb,) = json.loads(body(prod, gateways["dynamodb"])["policy"])["Statement"]
    assert dynamodb["Resource"][0] == "arn:aws:dynamodb:us-east-1:333333333333:table/cc-prod-*"


def test_interface_endpoints_use_private_dns_in_the_private_subnets(
    platform: dict[str, Any], prod: dict[str, Any]
) -> None:
    network = platform["prod"].foundation.network
    endpoints = platform["prod"].security.endpoints
    assert set(endpoints.interfaces) == set(INTERFACE_SERVICES)
    assert {"execute-api", "secretsmanager", "lambda", "kinesis-streams", "sts", "logs", "kms", "events"} <= set(
        INTERFACE_SERVICES
    )
    for endpoint in endpoints.interfaces.values():
        resource = body(prod, endpoint)
        assert resource["private_dns_enabled"] is True
        assert resource["subnet_ids"] == [ref(subnet, "id") for subnet in network.private_subnets]
        assert resource["security_group_ids"] == [ref(endpoints.security_group, "id")]


def test_endpoint_security_group_admits_https_from_the_vpc_only(platform: dict[str, Any], prod: dict[str, Any]) -> None:
    group = body(prod, platform["prod"].security.endpoints.security_group)
    (rule,) = group["ingress"]
    assert (rule["from_port"], rule["to_port"], rule["protocol"]) == (443, 443, "tcp")
    assert rule["cidr_blocks"] == ["10.115.0.0/16"]
