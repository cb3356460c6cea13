"""IAM stack of the architecture (the security layer): one least-privilege role per Lambda
function, and Firehose's role.

Each layer grants access to what it creates: these roles get the permissions on the foundation
layer (buckets and their key), the API secrets and account-level services (logs, X-Ray, VPC
networking, EventBridge, SES/SNS); the data layer attaches its own policy for the table, the
database and their key (``DataLayerGrants``), the integration and application layers theirs for
streams, queues and the Connect instance. So the security layer needs only the foundation, as in
the architecture, and no layer waits for the database to be created. The building block every
layer uses for a service's role is ``modules/service_roles.py``.

A ``Resource: "*"`` appears only where AWS offers no resource-level permission for the action;
each such statement says so in its ``sid``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from constructs import Construct

from envs import EnvConfig
from modules.naming import (
    VOICEMAIL_OBJECTS,
    VOICEMAIL_TRANSCRIPTS,
    Function,
    Stream,
    event_bus_arn,
    firehose_log_group_name,
    function_log_group_name,
    function_role_name,
    log_group_arn_pattern,
    media_streams_arn_pattern,
    regional_arn,
    stream_arn,
)
from modules.policy import Statement, policy_document
from modules.service_roles import ServiceRole, service_role

DYNAMODB_READ = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem")
# What a function in our subnets attaches its network interfaces to.
ENI_RESOURCES = ("network-interface", "subnet", "security-group")
DYNAMODB_WRITE = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")

# Who uses the data layer, and how: the data layer grants exactly this (DataLayerGrants).
TABLE_WRITERS = frozenset({Function.CORE_API, Function.POST_CALL, Function.UTILITIES})  # callbacks, queue state
TABLE_READERS = frozenset({Function.QUEUE_EXPERIENCE, Function.NOTIFICATION})
DATABASE_CLIENTS = frozenset({Function.CORE_API, Function.POST_CALL, Function.VOICEMAIL, Function.UTILITIES})


@dataclass(frozen=True)
class DataAccess:
    """What the functions work on, from the foundation and security layers."""

    voicemail_bucket: S3Bucket  # voicemails (and, with transcription on, their transcripts)
    exports_bucket: S3Bucket  # CTR exports and the nightly CSVs
    command_center_bucket: S3Bucket  # the command center's metrics snapshots
    storage_key: KmsKey  # encrypts the data buckets
    jwt_secret: SecretsmanagerSecret  # the API's JWT verification keys
    secrets_key: KmsKey  # encrypts the JWT secret


def firehose_role(scope: Construct, config: EnvConfig, access: DataAccess) -> ServiceRole:
    """Firehose reads the CTR stream and writes compressed, KMS-encrypted batches to the exports bucket."""
    log_group = firehose_log_group_name(config)
    return service_role(
        scope,
        "firehose-role",
        config,
        name=config.resource_name("firehose"),
        service="firehose.amazonaws.com",
        description="Lets Firehose copy contact records from the CTR stream to the exports bucket",
        statements=[
            Statement(
                sid="ReadCtrStream",
                actions=[
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetShardIterator",
                    "kinesis:GetRecords",
                    "kinesis:ListShards",
                ],
                resources=[stream_arn(config, Stream.CTR)],
            ),
            Statement(
                sid="WriteExports",
                actions=["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:ListBucket", "s3:PutObject"],
                resources=[access.exports_bucket.arn, f"{access.exports_bucket.arn}/*"],
            ),
            Statement(
                sid="EncryptExports",
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[access.storage_key.arn],
                condition={"StringEquals": {"kms:ViaService": f"s3.{config.region}.amazonaws.com"}},
            ),
            Statement(
                sid="ReportDeliveryErrors",
                actions=["logs:PutLogEvents", "logs:CreateLogStream"],
                resources=[f"{log_group_arn_pattern(config, log_group)}"],
            ),
        ],
    )


@dataclass(frozen=True)
class FunctionRolesProps:
    """What the functions may touch; ``logs_key`` encrypts their log groups."""

    access: DataAccess  # what the functions work on: buckets, secrets, their keys
    logs_key: KmsKey  # encrypts the functions' log groups


@dataclass(frozen=True)
class FunctionIdentity:
    """A function's execution role, its inline policy and the log group it writes to."""

    role: IamRole
    policy: IamRolePolicy
    log_group: CloudwatchLogGroup


class FunctionRoles(Construct):
    """Exposes ``functions``: Function -> FunctionIdentity (role, policy, log group)."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: FunctionRolesProps) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._access = props.access
        self.functions: dict[Function, FunctionIdentity] = {}
        for function in Function:
            log_group = CloudwatchLogGroup(
                self,
                f"{function.value}-logs",
                name=function_log_group_name(config, function),
                retention_in_days=config.lambdas.log_retention_days,
                kms_key_id=props.logs_key.arn,
            )
            execution = service_role(
                self,
                f"{function.value}-role",
                config,
                name=function_role_name(config, function),
                service="lambda.amazonaws.com",
                description=f"Execution role of the {function.value} function",
                statements=[*self._baseline(log_group), *self._data_statements(function)],
            )
            role, policy = execution.role, execution.policy
            assert policy is not None  # every function has at least its baseline statements
            self.functions[function] = FunctionIdentity(role=role, policy=policy, log_group=log_group)

    def _baseline(self, log_group: CloudwatchLogGroup) -> list[Statement]:
        """Every function: its own log group, X-Ray traces, and the ENIs Lambda puts in our subnets."""
        config = self._config
        return [
            Statement(
                sid="WriteOwnLogGroup",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"{log_group.arn}:*"],
            ),
            Statement(
                sid="XRayHasNoResourceLevelPermissions",
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                resources=["*"],
            ),
            Statement(
                sid="ManageVpcNetworkInterfaces",
                actions=[
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                resources=[regional_arn(config, "ec2", f"{kind}/*") for kind in ENI_RESOURCES],
            ),
            Statement(
                sid="DescribeNetworkInterfacesHasNoResourceLevelPermissions",
                actions=["ec2:DescribeNetworkInterfaces"],
                resources=["*"],
            ),
        ]

    def _data_statements(self, function: Function) -> list[Statement]:
        access = self._access
        grants = {
            Function.CORE_API: self._objects("CommandCenter", access.command_center_bucket.arn, ("s3:GetObject",)),
            Function.COMMAND_CENTER: self._objects(
                "CommandCenter", access.command_center_bucket.arn, ("s3:GetObject", "s3:PutObject")
            ),
            Function.POST_CALL: self._objects("Exports", access.exports_bucket.arn, ("s3:PutObject",)),
            Function.VOICEMAIL: (
                self._objects("Voicemail", access.voicemail_bucket.arn, ("s3:GetObject", "s3:GetObjectTagging"))
                + self._put_events()
                + (self._transcribe() if self._config.connect.voicemail_transcription else [])
            ),
            Function.QUEUE_EXPERIENCE: [],
            Function.AUTHORIZER: [
                Statement(
                    sid="ReadJwtKeys", actions=["secretsmanager:GetSecretValue"], resources=[access.jwt_secret.arn]
                ),
                decrypt_via(self._config, access.secrets_key.arn, "secretsmanager"),
            ],
            Function.NOTIFICATION: (
                self._objects("Voicemail", access.voicemail_bucket.arn, ("s3:GetObject",)) + self._notify()
            ),
            Function.UTILITIES: self._objects("Exports", access.exports_bucket.arn, ("s3:PutObject", "s3:GetObject")),
            Function.VOICEMAIL_PACKAGER: (
                self._media_streams()
                + self._objects(
                    "Voicemail",
                    access.voicemail_bucket.arn,
                    ("s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"),
                    prefix=VOICEMAIL_OBJECTS,
                )
            ),
        }
        return grants[function]

    def _objects(self, label: str, bucket_arn: str, actions: Sequence[str], prefix: str = "") -> list[Statement]:
        writes = any(action.startswith("s3:Put") for action in actions)
        kms_actions = ["kms:Decrypt", *(["kms:GenerateDataKey"] if writes else [])]
        return [
            Statement(sid=f"{label}Objects", actions=list(actions), resources=[f"{bucket_arn}/{prefix}*"]),
            Statement(
                sid=f"{label}ObjectKey",
                actions=kms_actions,
                resources=[self._access.storage_key.arn],
                condition={"StringEquals": {"kms:ViaService": f"s3.{self._config.region}.amazonaws.com"}},
            ),
        ]

    def _transcribe(self) -> list[Statement]:
        """Transcribe voicemails: its jobs (named ``voicemail-*``) read the WAV with this role's
        rights and write the transcript under ``voicemail-transcripts/`` of the same bucket."""
        config = self._config
        jobs = regional_arn(config, "transcribe", "transcription-job/voicemail-*")
        return [
            Statement(
                sid="TranscribeVoicemails",
                actions=["transcribe:StartTranscriptionJob", "transcribe:GetTranscriptionJob"],
                resources=[jobs],
            ),
            *self._objects("Transcripts", self._access.voicemail_bucket.arn, ("s3:PutObject", "s3:GetObject"),
                           prefix=VOICEMAIL_TRANSCRIPTS),
        ]  # fmt: skip

    def _media_streams(self) -> list[Statement]:
        """Read the audio Connect streams to Kinesis Video Streams (its media is under the storage key)."""
        return [
            Statement(
                sid="ReadCallerAudio",
                actions=[
                    "kinesisvideo:GetDataEndpoint",
                    "kinesisvideo:ListFragments",
                    "kinesisvideo:GetMediaForFragmentList",
                ],
                resources=[media_streams_arn_pattern(self._config)],
            ),
            decrypt_via(self._config, self._access.storage_key.arn, "kinesisvideo"),
        ]

    def _put_events(self) -> list[Statement]:
        config = self._config
        return [
            Statement(
                sid="PublishPlatformEvents",
                actions=["events:PutEvents"],
                resources=[event_bus_arn(config)],
            )
        ]

    def _notify(self) -> list[Statement]:
        config = self._config
        return [
            Statement(
                sid="SendEmailFromVerifiedIdentities",
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[regional_arn(config, "ses", "identity/*")],
            ),
            Statement(
                # SMS to a phone number has no ARN, so SNS cannot scope Publish for it; topics are denied below.
                sid="SmsPublishHasNoResourceLevelPermissions",
                actions=["sns:Publish"],
                resources=["*"],
            ),
            Statement(
                sid="NoTopicPublishing",
                effect="Deny",
                actions=["sns:Publish"],
                resources=[f"arn:{config.partition}:sns:*:*:*"],
            ),
        ]


def decrypt_via(config: EnvConfig, key_arn: str, service: str) -> Statement:
    """Use of ``key_arn`` only through ``service`` (DynamoDB also encrypts with it on writes)."""
    return Statement(
        sid=f"DecryptVia{service.title()}",
        actions=["kms:Decrypt", "kms:GenerateDataKey"] if service == "dynamodb" else ["kms:Decrypt"],
        resources=[key_arn],
        condition={"StringEquals": {"kms:ViaService": f"{service}.{config.region}.amazonaws.com"}},
    )


@dataclass(frozen=True)
class DataLayerGrantsProps:
    """The data layer's resources and the roles of the functions that use them."""

    roles: Mapping[Function, IamRole]  # the functions' execution roles (security layer)
    table: DynamodbTable  # the queue-experience table
    connection_secret: SecretsmanagerSecret  # where the database is (modules/rds.py Database.connection)
    credentials_secret_arn: str  # the RDS-managed master secret (known once the instance exists)
    key: KmsKey  # the data key: encrypts the table and both secrets


class DataLayerGrants(Construct):
    """One inline policy (``data-layer-access``) per function that uses the table or the database
    (``TABLE_WRITERS``, ``TABLE_READERS``, ``DATABASE_CLIENTS``). Exposes ``policies``:
    Function -> IamRolePolicy."""

    def __init__(self, scope: Construct, construct_id: str, config: EnvConfig, props: DataLayerGrantsProps) -> None:
        super().__init__(scope, construct_id)
        self._config, self._props = config, props
        self.policies: dict[Function, IamRolePolicy] = {}
        for function in sorted(TABLE_WRITERS | TABLE_READERS | DATABASE_CLIENTS, key=list(Function).index):
            statements = self._table(function) + (self._database() if function in DATABASE_CLIENTS else [])
            self.policies[function] = IamRolePolicy(
                self,
                f"{function.value}-data-policy",
                name="data-layer-access",
                role=props.roles[function].name,
                policy=policy_document(*statements),
            )

    def _table(self, function: Function) -> list[Statement]:
        if function not in TABLE_WRITERS | TABLE_READERS:
            return []
        table = self._props.table.arn
        return [
            Statement(
                sid="QueueExperienceTable",
                actions=[*DYNAMODB_READ, *(DYNAMODB_WRITE if function in TABLE_WRITERS else ())],
                resources=[table, f"{table}/index/*"],
            ),
            decrypt_via(self._config, self._props.key.arn, "dynamodb"),
        ]

    def _database(self) -> list[Statement]:
        """Find the database (connection secret), then log in (the RDS-managed credentials secret)."""
        props = self._props
        return [
            Statement(
                sid="ReadDatabaseSecrets",
                actions=["secretsmanager:GetSecretValue"],
                resources=[props.connection_secret.arn, props.credentials_secret_arn],
            ),
            decrypt_via(self._config, props.key.arn, "secretsmanager"),
        ]
