"""Integration layer: the data streams and the CTR export (functions join with the Lambda work)."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from envs import EnvConfig
from modules.kinesis import Streams, StreamsProps
from modules.kms import EncryptionKey, EncryptionKeyProps, log_groups_grant
from stacks.base import LayerStack
from stacks.foundation import FoundationStack
from stacks.layers import Layer
from stacks.security import SecurityStack


class IntegrationStack(LayerStack):
    """Exposes ``stream_key`` and ``streams`` for the application layer."""

    def __init__(
        self, scope: Construct, config: EnvConfig, foundation: FoundationStack, security: SecurityStack
    ) -> None:
        super().__init__(scope, Layer.INTEGRATION, config)
        self.stream_key = EncryptionKey(
            self,
            "stream-key",
            config,
            EncryptionKeyProps(
                purpose="streams",
                description=f"Encrypts the Kinesis streams and delivery logs of {config.name}",
                grants=[log_groups_grant(config, f"/aws/kinesisfirehose/{config.resource_name()}-")],
            ),
        )
        storage = foundation.storage
        firehose = security.firehose_role.role
        self.streams = Streams(
            self,
            "streams",
            config,
            StreamsProps(
                key=self.stream_key.key,
                exports_bucket_arn=storage.exports.bucket.arn,
                storage_key_arn=storage.key.key.arn,
                firehose_role_arn=firehose.arn,
                firehose_role_name=firehose.name,
            ),
        )
        for stream, resource in self.streams.streams.items():
            TerraformOutput(self, f"{stream.value.replace('-', '_')}_stream", value=resource.name)
        TerraformOutput(self, "ctr_export_delivery_stream", value=self.streams.ctr_export.name)
