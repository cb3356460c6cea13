"""Foundation layer: the network and the S3 data buckets everything else sits on."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from envs import EnvConfig
from modules.s3 import Storage, StorageProps
from modules.vpc import Network
from stacks.base import LayerStack, add_aws_provider
from stacks.layers import Layer


class FoundationStack(LayerStack):
    """Exposes ``network`` and ``storage`` for the later layers."""

    def __init__(self, scope: Construct, config: EnvConfig) -> None:
        super().__init__(scope, Layer.FOUNDATION, config)
        self.network = Network(self, "network", config)
        replica_region = config.storage.cross_region_replication_region
        self.storage = Storage(
            self,
            "storage",
            config,
            StorageProps(
                vpc_id=self.network.vpc.id,
                replica_provider=(
                    None
                    if replica_region is None
                    else add_aws_provider(self, config, Layer.FOUNDATION.value, region=replica_region, alias="replica")
                ),
            ),
        )
        network = self.network
        TerraformOutput(self, "vpc_id", value=network.vpc.id)
        TerraformOutput(self, "public_subnet_ids", value=[subnet.id for subnet in network.public_subnets])
        TerraformOutput(self, "private_subnet_ids", value=[subnet.id for subnet in network.private_subnets])
        TerraformOutput(self, "flow_log_group", value=network.flow_log_group.name)
        for data, bucket in self.storage.buckets.items():
            TerraformOutput(self, f"{data.value.replace('-', '_')}_bucket", value=bucket.bucket.bucket)
