"""Integration layer: the data streams, the CTR export, and the Lambda functions with their layer."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from envs import EnvConfig
from modules.kinesis import Streams, StreamsProps
from modules.kms import EncryptionKey, EncryptionKeyProps, KeyGrant, log_groups_grant
from modules.lambda_ import (
    Functions,
    FunctionsProps,
    RuntimeSettings,
    StreamSource,
)
from modules.lambda_packages import LambdaPackages
from modules.naming import FIREHOSE_LOG_GROUPS, Stream
from stacks.base import LayerStack
from stacks.data import DataStack
from stacks.foundation import FoundationStack
from stacks.layers import Layer
from stacks.security import SecurityStack


class IntegrationStack(LayerStack):
    """Exposes ``stream_key``, ``streams``, ``functions_key`` and ``functions`` for the later layers."""

    def __init__(
        self,
        scope: Construct,
        config: EnvConfig,
        foundation: FoundationStack,
        data: DataStack,
        security: SecurityStack,
        packages: LambdaPackages,
    ) -> None:
        super().__init__(scope, Layer.INTEGRATION, config)
        self.stream_key = EncryptionKey(
            self,
            "stream-key",
            config,
            EncryptionKeyProps(
                purpose="streams",
                description=f"Encrypts the Kinesis streams and delivery logs of {config.name}",
                grants=[log_groups_grant(config, f"{FIREHOSE_LOG_GROUPS}{config.resource_name()}-")],
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
                exports_bucket=storage.exports.bucket,
                storage_key=storage.key.key,
                firehose_role=firehose,
            ),
        )
        self.functions_key = EncryptionKey(
            self,
            "functions-key",
            config,
            EncryptionKeyProps(
                purpose="functions",
                description=f"Encrypts the function settings and dead-letter queues of {config.name}",
                # EventBridge delivers failed events of the application layer's rules to these queues.
                grants=[KeyGrant(service="events.amazonaws.com")],
            ),
        )
        self.functions = self._functions(config, foundation, data, security, packages)
        for stream, kinesis_stream in self.streams.streams.items():
            TerraformOutput(self, f"{stream.value.replace('-', '_')}_stream", value=kinesis_stream.name)
        TerraformOutput(self, "ctr_export_delivery_stream", value=self.streams.ctr_export.name)
        for function, lambda_function in self.functions.functions.items():
            TerraformOutput(self, f"{function.value.replace('-', '_')}_function", value=lambda_function.function_name)

    def _functions(
        self,
        config: EnvConfig,
        foundation: FoundationStack,
        data: DataStack,
        security: SecurityStack,
        packages: LambdaPackages,
    ) -> Functions:
        storage = foundation.storage
        settings = RuntimeSettings(
            database_connection_secret=data.database.connection.arn,
            table_name=data.queue_experience.table.name,
            exports_bucket=storage.exports.bucket.bucket,
            command_center_bucket=storage.command_center.bucket.bucket,
            queue_experience_stream=self.streams.streams[Stream.QUEUE_EXPERIENCE].name,
            jwt_secret_arn=security.jwt_secret.arn,
            voicemail_bucket=storage.voicemail.bucket.bucket,
        )
        network = foundation.network
        return Functions(
            self,
            "functions",
            config,
            FunctionsProps(
                packages=packages,
                identities=security.function_roles.functions,
                settings=settings,
                subnet_ids=[subnet.id for subnet in network.private_subnets],
                security_group_id=network.lambda_security_group.id,
                key=self.functions_key.key,
                ctr_stream=StreamSource(stream=self.streams.streams[Stream.CTR], key=self.stream_key.key),
                queue_experience_stream=StreamSource(
                    stream=self.streams.streams[Stream.QUEUE_EXPERIENCE], key=self.stream_key.key
                ),
                voicemail_bucket=storage.voicemail.bucket,
                code_bucket=storage.lambda_code,
                code_key=storage.key.key,
            ),
        )
