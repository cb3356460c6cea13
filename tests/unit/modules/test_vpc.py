"""VPC construct: subnet plan, NAT per strategy, routes, locked default SG, encrypted flow logs."""

from __future__ import annotations

import json
from typing import Any

import cdktf
import pytest
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.vpc import Vpc

from envs import EnvConfig, NatStrategy
from modules.vpc import egress_nat_index, nat_zone_indexes, zone_suffix
from stacks.foundation import FoundationStack
from tests.conftest import SynthFn
from tests.helpers import as_list, body, only, policy, reference_to, resources


@pytest.fixture(scope="module")
def foundation(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.foundation) for name, stacks in platform.items()}


def subnets_of_tier(synthesized: dict[str, Any], tier: str) -> list[dict[str, Any]]:
    return [subnet for subnet in resources(synthesized, "aws_subnet") if subnet["tags"]["Tier"] == tier]


class TestSubnetPlan:
    @pytest.mark.parametrize("env", ["dev", "staging", "prod", "local"])
    def test_three_public_and_three_private_subnets_over_three_zones(
        self, foundation: dict[str, dict[str, Any]], configs: dict[str, EnvConfig], env: str
    ) -> None:
        network = configs[env].network
        for tier, cidrs in (("public", network.public_subnet_cidrs), ("private", network.private_subnet_cidrs)):
            subnets = subnets_of_tier(foundation[env], tier)
            assert sorted((s["availability_zone"], s["cidr_block"]) for s in subnets) == sorted(
                zip(network.availability_zones, map(str, cidrs), strict=True)
            )

    def test_dev_vpc_matches_the_architecture(self, foundation: dict[str, dict[str, Any]]) -> None:
        dev = foundation["dev"]
        vpc = only(dev, Vpc.TF_RESOURCE_TYPE)
        assert vpc["cidr_block"] == "10.113.0.0/16"
        assert vpc["enable_dns_support"] and vpc["enable_dns_hostnames"]
        names = sorted(s["tags"]["Name"] for s in resources(dev, "aws_subnet"))
        assert names == [f"cc-dev-{tier}-1{zone}" for tier in ("private", "public") for zone in "abc"]

    def test_no_subnet_gives_instances_public_addresses(self, foundation: dict[str, dict[str, Any]]) -> None:
        for synthesized in foundation.values():
            assert all(s["map_public_ip_on_launch"] is False for s in resources(synthesized, "aws_subnet"))


class TestNatGateways:
    @pytest.mark.parametrize(("env", "expected"), [("dev", 1), ("staging", 1), ("prod", 3), ("local", 1)])
    def test_nat_gateway_count_follows_the_strategy(
        self, foundation: dict[str, dict[str, Any]], env: str, expected: int
    ) -> None:
        assert len(resources(foundation[env], "aws_nat_gateway")) == expected
        assert len(resources(foundation[env], "aws_eip")) == expected

    def test_prod_private_subnets_leave_through_their_own_zone(self, foundation: dict[str, dict[str, Any]]) -> None:
        prod = foundation["prod"]
        nat_by_zone = {}
        for logical_id in prod["resource"]["aws_nat_gateway"]:
            zone = logical_id.split("nat-")[1].rsplit("_", 1)[0]
            nat_by_zone[zone] = f"${{aws_nat_gateway.{logical_id}.id}}"
        table_zone = {
            f"${{aws_route_table.{logical_id}.id}}": table["tags"]["Name"].rsplit("-", 1)[1]
            for logical_id, table in prod["resource"]["aws_route_table"].items()
            if "private" in logical_id
        }
        private_routes = [r for r in resources(prod, "aws_route") if "nat_gateway_id" in r]
        assert len(private_routes) == 3
        for route in private_routes:
            zone_short = table_zone[route["route_table_id"]]
            assert route["nat_gateway_id"] == nat_by_zone[f"us-east-{zone_short}"]
            assert route["destination_cidr_block"] == "0.0.0.0/0"

    def test_single_nat_serves_every_private_route_table(self, foundation: dict[str, dict[str, Any]]) -> None:
        dev = foundation["dev"]
        targets = {r["nat_gateway_id"] for r in resources(dev, "aws_route") if "nat_gateway_id" in r}
        assert len(targets) == 1
        assert len([r for r in resources(dev, "aws_route") if "nat_gateway_id" in r]) == 3

    def test_public_subnets_route_to_the_internet_gateway(self, foundation: dict[str, dict[str, Any]]) -> None:
        prod = foundation["prod"]
        igw_routes = [r for r in resources(prod, "aws_route") if "gateway_id" in r]
        assert len(igw_routes) == 1 and igw_routes[0]["destination_cidr_block"] == "0.0.0.0/0"
        assert len(resources(prod, "aws_route_table_association")) == 6

    def test_no_nat_strategy_leaves_private_subnets_without_a_default_route(
        self, configs: dict[str, EnvConfig], synth: SynthFn
    ) -> None:
        config = configs["dev"].model_copy(
            update={"network": configs["dev"].network.model_copy(update={"nat_strategy": NatStrategy.NONE})}
        )
        isolated = synth(FoundationStack(cdktf.Testing.app(), config))
        assert resources(isolated, "aws_nat_gateway") == []
        assert [r for r in resources(isolated, "aws_route") if "nat_gateway_id" in r] == []

    @pytest.mark.parametrize(
        ("strategy", "zones", "expected"),
        [(NatStrategy.NONE, 3, ()), (NatStrategy.SINGLE, 3, (0,)), (NatStrategy.PER_AZ, 3, (0, 1, 2))],
    )
    def test_nat_zone_indexes(self, strategy: NatStrategy, zones: int, expected: tuple[int, ...]) -> None:
        assert nat_zone_indexes(strategy, zones) == expected

    def test_egress_prefers_the_own_zone_then_the_first_nat(self) -> None:
        assert egress_nat_index(2, (0, 1, 2)) == 2
        assert egress_nat_index(2, (0,)) == 0
        assert egress_nat_index(1, ()) is None
        assert zone_suffix("eu-central-1b") == "1b"


class TestLockedDown:
    def test_default_security_group_has_no_rules(self, foundation: dict[str, dict[str, Any]]) -> None:
        for synthesized in foundation.values():
            default_sg = only(synthesized, "aws_default_security_group")
            assert "ingress" not in default_sg and "egress" not in default_sg

    def test_flow_logs_capture_all_traffic_into_an_encrypted_log_group(
        self, foundation: dict[str, dict[str, Any]], platform: dict[str, Any]
    ) -> None:
        prod = foundation["prod"]
        assert cdktf.Testing.to_have_resource_with_properties(
            json.dumps(prod),
            FlowLog.TF_RESOURCE_TYPE,
            {"traffic_type": "ALL", "log_destination_type": "cloud-watch-logs"},
        )
        network = platform["prod"].foundation.network
        key = body(prod, network.flow_log_key.key)
        group = only(prod, CloudwatchLogGroup.TF_RESOURCE_TYPE)
        assert key["enable_key_rotation"] is True
        assert group["kms_key_id"] == reference_to("aws_kms_key", prod, key, "arn")
        assert group["retention_in_days"] == 365
        flow_log = only(prod, FlowLog.TF_RESOURCE_TYPE)
        assert flow_log["log_destination"] == reference_to("aws_cloudwatch_log_group", prod, group, "arn")

    def test_log_service_may_use_the_key_only_for_the_flow_log_group(
        self, foundation: dict[str, dict[str, Any]], platform: dict[str, Any]
    ) -> None:
        key = platform["prod"].foundation.network.flow_log_key.key
        statements = policy(body(foundation["prod"], key))["Statement"]
        logs = [s for s in statements if s["Principal"].get("Service") == "logs.us-east-1.amazonaws.com"]
        assert len(logs) == 1
        assert logs[0]["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"].endswith(
            ":log-group:/aws/vpc/flow-logs/cc-prod"
        )
        assert "kms:*" not in logs[0]["Action"]

    def test_flow_log_role_is_least_privilege(
        self, foundation: dict[str, dict[str, Any]], platform: dict[str, Any]
    ) -> None:
        prod = foundation["prod"]
        trust = policy(body(prod, platform["prod"].foundation.network.flow_log_role), "assume_role_policy")[
            "Statement"
        ][0]
        assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "333333333333"}
        for statement in policy(body(prod, platform["prod"].foundation.network.flow_log_role_policy))["Statement"]:
            assert all(action.startswith("logs:") and "*" not in action for action in statement["Action"])
            # Only an action with no resource type (DescribeLogGroups) is granted on "*" (IAM lint: RESOURCE_MISMATCH).
            if "*" in as_list(statement["Resource"]):
                assert as_list(statement["Action"]) == ["logs:DescribeLogGroups"]
