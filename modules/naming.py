"""Physical names and ARNs that more than one layer needs before the resource exists.

A bucket policy in the foundation layer has to name Amazon Connect's service role, the security
layer's Firehose role has to name a stream the integration layer creates, and so on. Deriving
those names here, from the env config, lets every layer compute them without a cross-stack
reference in the wrong direction, and keeps the naming in one place.
"""

from __future__ import annotations

from enum import StrEnum

from envs import EnvConfig


class Function(StrEnum):
    """The platform's Lambda functions (architecture: Lambda Stack); values are name suffixes."""

    CORE_API = "core-api"
    COMMAND_CENTER = "command-center"
    POST_CALL = "post-call"
    VOICEMAIL = "voicemail"
    QUEUE_EXPERIENCE = "queue-experience"
    AUTHORIZER = "authorizer"
    NOTIFICATION = "notification"
    UTILITIES = "utilities"
    VOICEMAIL_PACKAGER = "voicemail-packager"


class Stream(StrEnum):
    """The platform's Kinesis data streams (architecture: Kinesis Stack)."""

    QUEUE_EXPERIENCE = "queue-experience"
    CTR = "ctr"
    AGENT_EVENTS = "agent-events"


def function_name(config: EnvConfig, function: Function) -> str:
    return config.resource_name(function.value)


def function_log_group_name(config: EnvConfig, function: Function) -> str:
    """The group Lambda writes to by default, created by us first so that it is encrypted and expires."""
    return f"{FUNCTION_LOG_GROUPS}{function_name(config, function)}"


def function_role_name(config: EnvConfig, function: Function) -> str:
    return config.resource_name(function.value, "fn")


def function_role_arn(config: EnvConfig, function: Function) -> str:
    return role_arn(config, function.value, "fn")


def regional_arn(config: EnvConfig, service: str, resource: str) -> str:
    """The ARN of ``resource`` (e.g. ``stream/cc-prod-ctr``) of a regional ``service`` in the env's
    account and region: the one place the ARN format is written."""
    return f"arn:{config.partition}:{service}:{config.region}:{config.account_id}:{resource}"


def role_arn(config: EnvConfig, *name_parts: str) -> str:
    """ARN of a role named ``config.resource_name(*name_parts)``."""
    return f"arn:{config.partition}:iam::{config.account_id}:role/{config.resource_name(*name_parts)}"


def stream_name(config: EnvConfig, stream: Stream) -> str:
    return config.resource_name(stream.value)


def stream_arn(config: EnvConfig, stream: Stream) -> str:
    return regional_arn(config, "kinesis", f"stream/{stream_name(config, stream)}")


# The database's port: RDS listens on it and the Lambda security group may reach it.
POSTGRES_PORT = 5432
# The bus the platform's own events (VoicemailReceived) go to, and the rules listen on.
EVENT_BUS = "default"
FIREHOSE_DELIVERY_STREAM = "ctr-export"
FIREHOSE_LOG_GROUPS = "/aws/kinesisfirehose/"  # where Firehose delivery logs go, by stream name
FUNCTION_LOG_GROUPS = "/aws/lambda/"  # where Lambda writes a function's logs, by function name
API_LOG_GROUPS = "/aws/apigateway/"  # the API's access logs (and API Gateway's own execution logs)


def event_bus_arn(config: EnvConfig) -> str:
    return regional_arn(config, "events", f"event-bus/{EVENT_BUS}")


def firehose_delivery_stream_name(config: EnvConfig) -> str:
    return config.resource_name(FIREHOSE_DELIVERY_STREAM)


def firehose_log_group_name(config: EnvConfig) -> str:
    """The CTR export's delivery log group (created by us, encrypted, expiring)."""
    return f"{FIREHOSE_LOG_GROUPS}{firehose_delivery_stream_name(config)}"


# Where voicemails live in the voicemail bucket (the functions' side: lambdas/shared/cc_shared/voicemail_objects.py).
VOICEMAIL_OBJECTS = "voicemail/"
VOICEMAIL_TRANSCRIPTS = "voicemail-transcripts/"  # Amazon Transcribe's output, when transcription is on


def media_stream_prefix(config: EnvConfig) -> str:
    """What Amazon Connect starts the name of each Kinesis video stream it creates with (live media
    streaming: a caller's voicemail); Connect appends ``-connect-<instance alias>-contact-<id>``."""
    return config.resource_name("media")


def media_streams_arn_pattern(config: EnvConfig) -> str:
    """Every Kinesis video stream Connect creates for this env's instance (any contact, any version)."""
    streams = f"{media_stream_prefix(config)}-connect-{config.connect.instance_alias}-contact-*"
    return regional_arn(config, "kinesisvideo", f"stream/{streams}/*")


def alarm_topic_name(config: EnvConfig) -> str:
    """The SNS topic every alarm notifies (the application layer creates it; the connect layer's
    alarms address it by name, so that the two layers deploy side by side)."""
    return config.resource_name("alarms")


def alarm_topic_arn(config: EnvConfig) -> str:
    return regional_arn(config, "sns", alarm_topic_name(config))


API_STAGE = "v1"


def api_name(config: EnvConfig) -> str:
    """The private REST API's name; CloudWatch alarms address the API by it (ApiName dimension)."""
    return config.resource_name("api")


def connect_service_role_arn_pattern(config: EnvConfig) -> str:
    """Amazon Connect reads and writes recordings with this service-linked role (name has a suffix)."""
    return (
        f"arn:{config.partition}:iam::{config.account_id}:role/aws-service-role/connect.amazonaws.com/"
        "AWSServiceRoleForAmazonConnect*"
    )


def bucket_arn(config: EnvConfig, name: str) -> str:
    """ARN of a bucket (or a bucket-name pattern); S3 ARNs carry neither region nor account."""
    return f"arn:{config.partition}:s3:::{name}"


def log_group_arn(config: EnvConfig, name: str) -> str:
    """ARN of the log group ``name`` (as CloudWatch Logs names it in KMS encryption contexts)."""
    return regional_arn(config, "logs", f"log-group:{name}")


def log_group_arn_pattern(config: EnvConfig, name_prefix: str = "") -> str:
    return log_group_arn(config, f"{name_prefix}*")
