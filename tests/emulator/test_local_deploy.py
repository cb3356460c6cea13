"""The `local` environment applied with Terraform against moto_server, and converged.

A session fixture starts the emulator on a free loopback port, synthesizes the `local` env
pointed at it, applies every stack in dependency order (bootstrap first: it creates the state
bucket the other stacks' S3 backends use), and always stops the emulator at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from envs import EnvConfig
from envs.schema import EmulatorConfig
from tools.deploy import PLAN_NO_CHANGES, deploy_env, deployment_order, plan_exit_code
from tools.emulator import Emulator, start_emulator


@dataclass(frozen=True)
class LocalDeployment:
    emulator: Emulator
    config: EnvConfig
    outdir: Path
    outputs: dict[str, dict[str, Any]]

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name=self.config.region,
            endpoint_url=self.emulator.url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    running = start_emulator(log_path=tmp_path_factory.mktemp("emulator") / "moto_server.log")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory, configs: dict[str, EnvConfig], emulator: Emulator):
    from stacks.app import build_app

    config = configs["local"].model_copy(update={"emulator": EmulatorConfig(endpoint=emulator.url)})
    outdir = tmp_path_factory.mktemp("local") / "cdktf.out"
    app, _ = build_app([config], outdir)
    app.synth()
    outputs = deploy_env(outdir, "local", report=lambda line: None)
    return LocalDeployment(emulator, config, outdir, outputs)


def test_every_local_stack_is_applied_in_layer_order(deployment: LocalDeployment) -> None:
    assert list(deployment.outputs) == deployment_order(deployment.outdir, "local")
    assert list(deployment.outputs) == [
        "bootstrap-local",
        "foundation-local",
        "data-local",
        "security-local",
        "integration-local",
        "application-local",
    ]


def test_vpc_exists_with_the_configured_network(deployment: LocalDeployment) -> None:
    ec2 = deployment.client("ec2")
    network = deployment.config.network
    (vpc,) = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["cc-local-vpc"]}])["Vpcs"]
    assert vpc["CidrBlock"] == str(network.vpc_cidr)
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert sorted(s["CidrBlock"] for s in subnets) == sorted(
        map(str, network.public_subnet_cidrs + network.private_subnet_cidrs)
    )
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["NatGateways"]
    assert len([nat for nat in nats if nat["State"] == "available"]) == 1
    (flow_log,) = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}])["FlowLogs"]
    assert flow_log["LogDestination"].endswith(":log-group:/aws/vpc/flow-logs/cc-local")
    assert flow_log["TrafficType"] == "ALL"
    outputs = deployment.outputs["foundation-local"]
    assert outputs["vpc_id"] == vpc["VpcId"]
    assert len(outputs["private_subnet_ids"]) == 3 and len(outputs["public_subnet_ids"]) == 3
    tags = {tag["Key"]: tag["Value"] for tag in vpc["Tags"]}
    assert tags["Environment"] == "local" and tags["Layer"] == "foundation" and tags["ManagedBy"] == "cdktf"


def test_state_lives_in_the_env_bucket_one_object_per_stack(deployment: LocalDeployment) -> None:
    s3 = deployment.client("s3")
    bucket = deployment.config.state_bucket
    keys = sorted(obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == sorted(f"local/{name}.tfstate" for name in list(deployment.outputs)[1:])
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert deployment.outputs["bootstrap-local"]["state_bucket_name"] == bucket


def test_a_second_plan_shows_no_changes(deployment: LocalDeployment) -> None:
    for name in deployment.outputs:
        code, text = plan_exit_code(deployment.outdir / "stacks" / name)
        assert code == PLAN_NO_CHANGES, f"{name} did not converge:\n{text}"
