"""Foundation layer: the network (and, with the storage work, the S3 buckets) everything else sits on."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from envs import EnvConfig
from modules.vpc import Network
from stacks.base import LayerStack
from stacks.layers import Layer


class FoundationStack(LayerStack):
    """Exposes ``network`` for the later layers."""

    def __init__(self, scope: Construct, config: EnvConfig) -> None:
        super().__init__(scope, Layer.FOUNDATION, config)
        self.network = Network(self, "network", config)
        network = self.network
        TerraformOutput(self, "vpc_id", value=network.vpc.id)
        TerraformOutput(self, "public_subnet_ids", value=[subnet.id for subnet in network.public_subnets])
        TerraformOutput(self, "private_subnet_ids", value=[subnet.id for subnet in network.private_subnets])
        TerraformOutput(self, "flow_log_group", value=network.flow_log_group.name)
