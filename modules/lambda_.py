"""Lambda stack of the architecture: the functions in ``lambdas/``, their shared layer, their
dead-letter queues, the CTR stream consumer and the voicemail bucket's notification.

The code is deployed from the packages ``tools/build_lambdas.py`` built in place: each function's
``source_code_hash`` is the base64 SHA-256 the build recorded for its zip, so a plan shows a
function only when its bytes changed. The zips go through the foundation layer's code bucket
(versioned, KMS, one object per package content): Lambda takes packages of up to 250 MB from S3
but only 50 MB uploaded inline, and the provider uploads inline packages one at a time (a global
lock held through each create and its 5 s wait), while S3-sourced functions are created side by
side. Roles and log groups come from the security layer; the
resource policies for API Gateway, Connect and EventBridge are added by the layers that own those
callers, which know their ARNs.

Every function: Python 3.12 on the env's architecture, in the private subnets with the Lambda
security group, X-Ray active, JSON logs into its KMS-encrypted log group, environment encrypted
with the functions key, memory/timeout/reserved concurrency from ``[lambdas]`` (per function under
``[lambdas.functions.<name>]``). Functions invoked asynchronously (S3, EventBridge) retry
``async_retry_attempts`` times and then park the event on their own KMS-encrypted dead-letter
queue; the CTR consumer bisects failing batches, reports partial failures and sends what still
fails to its queue. (No platform function consumes the agent-event stream: Connect writes it for
real-time dashboards and analytics consumers, so it has no event source mapping here.)
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf import AssetType, TerraformAsset
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.kinesis_stream import KinesisStream
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.lambda_alias import LambdaAlias
from cdktf_cdktf_provider_aws.lambda_event_source_mapping import (
    LambdaEventSourceMapping,
    LambdaEventSourceMappingDestinationConfig,
    LambdaEventSourceMappingDestinationConfigOnFailure,
    LambdaEventSourceMappingFilterCriteria,
    LambdaEventSourceMappingFilterCriteriaFilter,
)
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionLoggingConfig,
    LambdaFunctionSnapStart,
    LambdaFunctionTracingConfig,
    LambdaFunctionVpcConfig,
)
from cdktf_cdktf_provider_aws.lambda_function_event_invoke_config import (
    LambdaFunctionEventInvokeConfig,
    LambdaFunctionEventInvokeConfigDestinationConfig,
    LambdaFunctionEventInvokeConfigDestinationConfigOnFailure,
)
from cdktf_cdktf_provider_aws.lambda_layer_version import LambdaLayerVersion
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.lambda_provisioned_concurrency_config import LambdaProvisionedConcurrencyConfig
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_notification import S3BucketNotification, S3BucketNotificationLambdaFunction
from cdktf_cdktf_provider_aws.s3_object import S3Object
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import Construct

from envs import EnvConfig
from modules.iam import FunctionIdentity
from modules.lambda_packages import LAYER_PACKAGE, RUNTIME, LambdaPackages, Package, package_name
from modules.naming import EVENT_BUS, VOICEMAIL_OBJECTS, Function, Stream, function_name
from modules.policy import Statement, policy_document
from modules.routes import scope_grants
from modules.secure_bucket import SecureBucket

# Where each function's own timeout differs from the env default, and why.
TIMEOUTS = {
    Function.QUEUE_EXPERIENCE: 8,  # Amazon Connect waits at most 8 s for a flow's Lambda
    Function.AUTHORIZER: 10,  # every uncached API request waits for it
    Function.POST_CALL: 120,  # a batch of 100 CTRs with one upsert each
    Function.COMMAND_CENTER: 60,  # paginated GetCurrentMetricData over every queue
    Function.UTILITIES: 900,  # the nightly export streams a whole day of contacts
    Function.VOICEMAIL_PACKAGER: 120,  # a batch of voicemails, each up to 3 minutes of audio read from KVS
    Function.VOICEMAIL: 300,  # waits up to 4 minutes for Amazon Transcribe when transcription is on
}
# Invoked asynchronously (S3 notifications, EventBridge): retries and a dead-letter queue apply.
ASYNC_FUNCTIONS = (Function.VOICEMAIL, Function.NOTIFICATION, Function.COMMAND_CENTER, Function.UTILITIES)
STREAM_BATCH_SIZE = 100
# Which functions consume which Kinesis stream (an event source mapping each); monitoring watches
# exactly these streams' iterator age.
STREAM_CONSUMERS = {Stream.CTR: (Function.POST_CALL, Function.VOICEMAIL_PACKAGER)}
# What each consumer is given of its stream (Lambda event filtering on the record's JSON data);
# a consumer without an entry gets every record.
STREAM_FILTERS = {
    Function.VOICEMAIL_PACKAGER: {"data": {"Attributes": {"voicemail": ["true"]}}},  # contacts the flows marked
}
# Records per invocation where the env default does not fit: a voicemail is megabytes of audio.
STREAM_BATCH_SIZES = {Function.VOICEMAIL_PACKAGER: 10}
STREAM_MAX_RETRIES = 5


@dataclass(frozen=True)
class RuntimeSettings:
    """What the functions are told about the rest of the platform (their environment variables)."""

    database_connection_secret: str  # ARN of the secret that says where the database is (modules/rds.py)
    table_name: str
    exports_bucket: str
    command_center_bucket: str
    queue_experience_stream: str
    jwt_secret_arn: str
    voicemail_bucket: str


def environment(config: EnvConfig, function: Function, settings: RuntimeSettings) -> dict[str, str]:
    """Each function gets only the settings it reads (see its module under ``lambdas/``)."""
    common = {
        "POWERTOOLS_SERVICE_NAME": function.value,
        "POWERTOOLS_METRICS_NAMESPACE": f"ContactCenter/{config.name}",
        "POWERTOOLS_LOG_LEVEL": config.lambdas.log_level,
    }
    database = {"DB_CONNECTION_SECRET_ARN": settings.database_connection_secret}
    table = {"TABLE_NAME": settings.table_name}
    retention = str(config.storage.recordings_expiration_days)
    api, notifications = config.api, config.notifications
    specific: dict[Function, dict[str, str]] = {
        Function.CORE_API: {**database, **table},
        Function.COMMAND_CENTER: {"COMMAND_CENTER_BUCKET": settings.command_center_bucket},
        Function.POST_CALL: {
            **database,
            **table,
            **({"EXPORTS_BUCKET": settings.exports_bucket} if config.lambdas.archive_raw_ctr else {}),
        },
        Function.VOICEMAIL: {
            **database,
            "EVENT_BUS_NAME": EVENT_BUS,
            **({"TRANSCRIBE_LANGUAGE": language} if (language := config.connect.voicemail_transcription) else {}),
        },
        Function.QUEUE_EXPERIENCE: {**table, "STREAM_NAME": settings.queue_experience_stream},
        Function.AUTHORIZER: {
            # What each scope may call, generated from the routes (modules/routes.py).
            "SCOPE_GRANTS": json.dumps(scope_grants(), sort_keys=True, separators=(",", ":")),
            "JWT_SECRET_ARN": settings.jwt_secret_arn,
            "JWT_ISSUER": api.jwt_issuer,
            "JWT_AUDIENCE": api.jwt_audience,
            **({"JWT_JWKS_URL": api.jwt_jwks_url} if api.jwt_jwks_url else {}),
        },
        Function.NOTIFICATION: {
            **table,
            "SENDER_EMAIL": notifications.sender_email,
            "PRESIGNED_URL_SECONDS": str(notifications.presigned_url_seconds),
        },
        Function.UTILITIES: {
            **database,
            **table,
            "EXPORTS_BUCKET": settings.exports_bucket,
            "CONTACT_RETENTION_DAYS": retention,
            "VOICEMAIL_RETENTION_DAYS": str(config.storage.voicemail_expiration_days),
        },
        Function.VOICEMAIL_PACKAGER: {"VOICEMAIL_BUCKET": settings.voicemail_bucket},
    }
    return {**common, **specific[function]}


@dataclass(frozen=True)
class Sizing:
    memory_mb: int
    timeout_seconds: int
    reserved_concurrency: int | None
    snap_start: bool = False
    provisioned_concurrency: int | None = None

    @property
    def published(self) -> bool:
        """Both cold-start remedies work on published versions, which callers reach through an alias."""
        return self.snap_start or self.provisioned_concurrency is not None


# The alias every caller invokes a published function through; it moves to the new version on deploy.
LIVE_ALIAS = "live"


@dataclass(frozen=True)
class EntryPoint:
    """How callers reach a function: its ``live`` alias when the function publishes versions (SnapStart
    or provisioned concurrency), else the function itself. Callers use these attributes in place of the
    function's, and pass ``qualifier`` to the permissions they grant."""

    function: LambdaFunction
    alias: LambdaAlias | None = None

    @property
    def arn(self) -> str:
        return self.alias.arn if self.alias is not None else self.function.arn

    @property
    def invoke_arn(self) -> str:
        return self.alias.invoke_arn if self.alias is not None else self.function.invoke_arn

    @property
    def function_name(self) -> str:
        return self.function.function_name

    @property
    def qualifier(self) -> str | None:
        return self.alias.name if self.alias is not None else None


def sizing(config: EnvConfig, function: Function) -> Sizing:
    """Env file per-function override, else this module's per-function default, else ``[lambdas]``."""
    defaults, override = config.lambdas, config.lambdas.functions.get(function.value)
    return Sizing(
        memory_mb=(override and override.memory_mb) or defaults.memory_mb,
        timeout_seconds=(override and override.timeout_seconds) or TIMEOUTS.get(function, defaults.timeout_seconds),
        reserved_concurrency=(
            override.reserved_concurrency
            if override and override.reserved_concurrency is not None
            else defaults.reserved_concurrency
        ),
        snap_start=bool(override and override.snap_start),
        provisioned_concurrency=override.provisioned_concurrency if override else None,
    )


@dataclass(frozen=True)
class StreamSource:
    """A Kinesis stream the functions read or write, and the key it is encrypted with."""

    stream: KinesisStream  # the stream
    key: KmsKey  # its encryption key (readers decrypt, writers generate data keys)


@dataclass(frozen=True)
class FunctionsProps:
    packages: LambdaPackages  # built zips and their hashes (modules/lambda_packages.py)
    identities: Mapping[Function, FunctionIdentity]  # function -> its role and log group (security layer)
    settings: RuntimeSettings  # what each function is told (its environment variables)
    subnet_ids: Sequence[str]  # private subnets the functions run in (one per AZ)
    security_group_id: str  # the functions' security group (the database admits it)
    key: KmsKey  # environment variables and dead-letter queues
    ctr_stream: StreamSource  # the CTR stream and its key, for the stream's consumers
    queue_experience_stream: StreamSource  # the queue-experience stream and its key, for its producer
    voicemail_bucket: S3Bucket  # its object-created notification invokes the voicemail function
    code_bucket: SecureBucket  # where the packages are uploaded (the foundation layer's lambda-code bucket)
    code_key: KmsKey  # encrypts the uploaded packages


def code_key(package: Package) -> str:
    """One object per package content: a new build is a new key, so no object is ever overwritten."""
    digest = base64.b64decode(package.source_code_hash).hex()
    return f"{package.name}/{digest}.zip"


class Functions(Construct):
    """Exposes ``code`` (package name -> its S3 object), ``layer``, ``functions`` (Function ->
    LambdaFunction), ``entry_points`` (Function -> EntryPoint: what callers invoke), ``identities``
    (Function -> its role and log group, from the security layer),
    ``dead_letter_queues``, ``ctr_consumers`` (Function -> its event source mapping on the CTR stream)
    and ``voicemail_notification``."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: FunctionsProps) -> None:
        super().__init__(scope, construct_id)
        self._config, self._props = config, props
        self.identities = props.identities
        architecture = config.lambdas.architecture
        self.code: dict[str, S3Object] = {}
        layer_code = self._code("shared-layer-package", props.packages.layer)
        self.layer = LambdaLayerVersion(
            self,
            "shared-layer",
            layer_name=config.resource_name(LAYER_PACKAGE),
            description="Shared code of the contact-center functions (cc_shared) and their dependencies",
            s3_bucket=layer_code.bucket,
            s3_key=layer_code.key,
            source_code_hash=props.packages.layer.source_code_hash,
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[architecture],
        )
        self.dead_letter_queues: dict[Function, SqsQueue] = {}
        self.functions: dict[Function, LambdaFunction] = {}
        self.entry_points: dict[Function, EntryPoint] = {}
        for function in Function:
            self.functions[function] = self._function(function)
            self.entry_points[function] = self._entry_point(function)
        for function in ASYNC_FUNCTIONS:
            self._async_failures(function)
        self.ctr_consumers = {function: self._ctr_consumer(function) for function in STREAM_CONSUMERS[Stream.CTR]}
        self._queue_experience_producer()
        self.voicemail_notification = self._voicemail_notification()

    def _code(self, construct_id: str, package: Package) -> S3Object:
        """The package zip as an object of the code bucket, encrypted with the bucket's key."""
        asset = TerraformAsset(self, construct_id, path=str(package.zip_path), type=AssetType.FILE)
        self.code[package.name] = S3Object(
            self,
            f"{construct_id}-object",
            bucket=self._props.code_bucket.bucket.bucket,
            key=code_key(package),
            source=asset.path,
            source_hash=package.source_code_hash,
            kms_key_id=self._props.code_key.arn,
            content_type="application/zip",
        )
        return self.code[package.name]

    def _function(self, function: Function) -> LambdaFunction:
        config, props = self._config, self._props
        package, identity, size = (
            props.packages.functions[function],
            props.identities[function],
            sizing(config, function),
        )
        code = self._code(f"{function.value}-package", package)
        return LambdaFunction(
            self,
            function.value,
            function_name=function_name(config, function),
            description=f"Contact center {function.value} ({config.name})",
            role=identity.role.arn,
            runtime=RUNTIME,
            architectures=[config.lambdas.architecture],
            handler=f"{package_name(function)}.handler",
            s3_bucket=code.bucket,
            s3_key=code.key,
            source_code_hash=package.source_code_hash,
            layers=[self.layer.arn],
            memory_size=size.memory_mb,
            timeout=size.timeout_seconds,
            reserved_concurrent_executions=-1 if size.reserved_concurrency is None else size.reserved_concurrency,
            vpc_config=LambdaFunctionVpcConfig(
                subnet_ids=list(props.subnet_ids), security_group_ids=[props.security_group_id]
            ),
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            logging_config=LambdaFunctionLoggingConfig(log_format="JSON", log_group=identity.log_group.name),
            environment=LambdaFunctionEnvironment(variables=environment(config, function, props.settings)),
            kms_key_arn=props.key.arn,
            publish=size.published or None,
            snap_start=LambdaFunctionSnapStart(apply_on="PublishedVersions") if size.snap_start else None,
        )

    def _entry_point(self, function: Function) -> EntryPoint:
        """The function itself, or the ``live`` alias on its newest version (with the environments
        kept initialized there, when the env provisions them)."""
        resource, size = self.functions[function], sizing(self._config, function)
        if not size.published:
            return EntryPoint(resource)
        alias = LambdaAlias(
            self,
            f"{function.value}-live",
            name=LIVE_ALIAS,
            description="What every caller invokes; moves to the version each deploy publishes",
            function_name=resource.function_name,
            function_version=resource.version,
        )
        if size.provisioned_concurrency is not None:
            LambdaProvisionedConcurrencyConfig(
                self,
                f"{function.value}-provisioned",
                function_name=resource.function_name,
                qualifier=alias.name,
                provisioned_concurrent_executions=size.provisioned_concurrency,
            )
        return EntryPoint(resource, alias)

    def _dead_letter_queue(self, function: Function) -> SqsQueue:
        config = self._config
        queue = SqsQueue(
            self,
            f"{function.value}-dlq",
            name=config.resource_name(function.value, "dlq"),
            kms_master_key_id=self._props.key.arn,
            kms_data_key_reuse_period_seconds=3600,
            message_retention_seconds=config.lambdas.dead_letter_retention_days * 86400,
        )
        self.dead_letter_queues[function] = queue
        IamRolePolicy(
            self,
            f"{function.value}-dlq-policy",
            name="send-to-dead-letter-queue",
            role=self._props.identities[function].role.name,
            policy=policy_document(
                Statement(sid="SendFailuresToOwnQueue", actions=["sqs:SendMessage"], resources=[queue.arn]),
                Statement(
                    sid="EncryptFailures",
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[self._props.key.arn],
                ),
            ),
        )
        return queue

    def _async_failures(self, function: Function) -> None:
        queue = self._dead_letter_queue(function)
        entry = self.entry_points[function]
        LambdaFunctionEventInvokeConfig(
            self,
            f"{function.value}-async",
            function_name=entry.function_name,
            qualifier=entry.qualifier,
            maximum_retry_attempts=self._config.lambdas.async_retry_attempts,
            maximum_event_age_in_seconds=6 * 3600,
            destination_config=LambdaFunctionEventInvokeConfigDestinationConfig(
                on_failure=LambdaFunctionEventInvokeConfigDestinationConfigOnFailure(destination=queue.arn)
            ),
        )

    def _ctr_consumer(self, function: Function) -> LambdaEventSourceMapping:
        """``function`` reads the CTR stream (only the records ``STREAM_FILTERS`` lets through):
        failed records are bisected, retried and finally sent to its dead-letter queue."""
        props = self._props
        queue = self._dead_letter_queue(function)
        read = IamRolePolicy(
            self,
            f"{function.value}-stream-policy",
            name="consume-ctr-stream",
            role=props.identities[function].role.name,
            policy=policy_document(
                Statement(
                    sid="ReadCtrStream",
                    actions=[
                        "kinesis:DescribeStream",
                        "kinesis:DescribeStreamSummary",
                        "kinesis:GetRecords",
                        "kinesis:GetShardIterator",
                        "kinesis:ListShards",
                    ],
                    resources=[props.ctr_stream.stream.arn],
                ),
                Statement(sid="DecryptCtrStream", actions=["kms:Decrypt"], resources=[props.ctr_stream.key.arn]),
            ),
        )
        pattern = STREAM_FILTERS.get(function)
        return LambdaEventSourceMapping(
            self,
            f"{function.value}-ctr-stream",
            function_name=self.entry_points[function].arn,
            event_source_arn=props.ctr_stream.stream.arn,
            starting_position="TRIM_HORIZON",  # a new consumer starts with what the stream still holds
            batch_size=STREAM_BATCH_SIZES.get(function, STREAM_BATCH_SIZE),
            maximum_batching_window_in_seconds=5,
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=STREAM_MAX_RETRIES,
            maximum_record_age_in_seconds=-1,  # retry until the stream's retention; never skip silently
            function_response_types=["ReportBatchItemFailures"],
            filter_criteria=LambdaEventSourceMappingFilterCriteria(
                filter=[LambdaEventSourceMappingFilterCriteriaFilter(pattern=json.dumps(pattern))]
            )
            if pattern
            else None,
            destination_config=LambdaEventSourceMappingDestinationConfig(
                on_failure=LambdaEventSourceMappingDestinationConfigOnFailure(destination_arn=queue.arn)
            ),
            depends_on=[read],
        )

    def _queue_experience_producer(self) -> None:
        props = self._props
        IamRolePolicy(
            self,
            "queue-experience-stream-policy",
            name="put-queue-experience-events",
            role=props.identities[Function.QUEUE_EXPERIENCE].role.name,
            policy=policy_document(
                Statement(
                    sid="PutQueueExperienceEvents",
                    actions=["kinesis:PutRecord", "kinesis:PutRecords"],
                    resources=[props.queue_experience_stream.stream.arn],
                ),
                Statement(
                    sid="EncryptQueueExperienceEvents",
                    actions=["kms:GenerateDataKey"],
                    resources=[props.queue_experience_stream.key.arn],
                ),
            ),
        )

    def _voicemail_notification(self) -> S3BucketNotification:
        config, props = self._config, self._props
        voicemail = self.entry_points[Function.VOICEMAIL]
        permission = LambdaPermission(
            self,
            "voicemail-from-s3",
            statement_id="AllowVoicemailBucket",
            action="lambda:InvokeFunction",
            function_name=voicemail.function_name,
            qualifier=voicemail.qualifier,
            principal="s3.amazonaws.com",
            source_arn=props.voicemail_bucket.arn,
            source_account=config.account_id,
        )
        return S3BucketNotification(
            self,
            "voicemail-notification",
            bucket=props.voicemail_bucket.id,
            lambda_function=[
                S3BucketNotificationLambdaFunction(
                    id="voicemail-created",
                    lambda_function_arn=voicemail.arn,
                    events=["s3:ObjectCreated:*"],
                    filter_prefix=VOICEMAIL_OBJECTS,
                )
            ],
            depends_on=[permission],
        )
