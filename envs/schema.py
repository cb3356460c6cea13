"""Typed, validated shape of one environment file (`envs/<name>.toml`).

Every difference between environments lives in these models as data; constructs read the
section they need (``config.network``, ``config.rds`` ...) and never branch on the env name.
Field shapes (types, ranges, enums, unknown keys) are checked by pydantic; relations between
fields (subnets inside the VPC, production safety) are checked by the rules in ``envs.rules``
so that every message can name the exact field a user has to fix.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from ipaddress import IPv4Network
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

# CloudWatch Logs only accepts these retention values; anything else fails at apply time.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
# Enhanced monitoring granularities RDS accepts (0 disables it).
RDS_MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)

NamePart = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,14}[a-z0-9]$")]
AccountId = Annotated[str, Field(pattern=r"^[0-9]{12}$")]
Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$")]
Days = Annotated[int, Field(ge=1, le=36500)]


class Tier(StrEnum):
    """What an environment is for; production rules in ``envs.rules`` key off this, not off the name."""

    DEVELOPMENT = "development"
    STAGING = "staging"
    PRODUCTION = "production"
    EMULATOR = "emulator"


class NatStrategy(StrEnum):
    """How private subnets reach the internet: the cost/availability trade-off of the architecture."""

    NONE = "none"  # no NAT gateway: private subnets reach AWS only through VPC endpoints
    SINGLE = "single"  # one NAT gateway in the first AZ shared by all private subnets (dev)
    PER_AZ = "per_az"  # one NAT gateway per AZ so an AZ outage does not cut egress (prod)


class _Section(BaseModel):
    """Immutable, and strict about unknown keys so that a typo in an env file is an error, not a default."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NetworkConfig(_Section):
    """VPC layout: the architecture's 3 public (NAT, ALB) and 3 private (apps, DB) subnets."""

    vpc_cidr: IPv4Network
    availability_zones: tuple[str, ...] = Field(min_length=1, max_length=6)
    public_subnet_cidrs: tuple[IPv4Network, ...]
    private_subnet_cidrs: tuple[IPv4Network, ...]
    nat_strategy: NatStrategy
    flow_log_retention_days: int = 365
    flow_log_traffic_type: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"


class StorageConfig(_Section):
    """S3 lifecycle per data class, in days after creation (see the architecture's cost section)."""

    recordings_transition_to_ia_days: Days = 30
    recordings_transition_to_glacier_days: Days = 90
    recordings_expiration_days: Days = 2555
    voicemail_expiration_days: Days = 365
    exports_expiration_days: Days = 90
    screen_recordings_expiration_days: Days = 365
    command_center_expiration_days: Days = 30
    access_logs_expiration_days: Days = 365
    noncurrent_version_expiration_days: Days = 30
    cross_region_replication_region: Region | None = None
    # An env stood up from another's data (prod-dr from prod): `make restore-buckets FROM=replica`
    # copies that env's DR twins into this env's buckets. Unset: this env's own twins.
    restore_from_env: NamePart | None = None
    # Lets `terraform destroy` empty buckets; only for throwaway environments.
    force_destroy: bool = False
    # Bucket policies deny requests without TLS. Only the emulator tier may turn this off: moto
    # ignores the policy's `Bool` condition and would deny every request (see README, emulator gaps).
    deny_insecure_transport: bool = True
    # Buckets only the platform's own code reads (recordings, voicemail, screen recordings, command
    # center) deny object access that does not come through the VPC, except Amazon Connect's service
    # role. Only the emulator tier may turn this off: moto ignores the condition and denies all.
    restrict_data_to_vpc: bool = True
    # Break-glass or deployer roles allowed to read and delete objects from outside the VPC (for
    # example so that `terraform destroy` can empty a force-destroy bucket in dev).
    outside_vpc_role_arns: tuple[Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$")], ...] = ()


# A DB snapshot's identifier (as `make snapshot` names them) or the ARN of a shared or copied one.
SnapshotRef = Annotated[
    str,
    Field(
        pattern=r"^([a-zA-Z][a-zA-Z0-9-]{0,254}|arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:snapshot:[a-zA-Z][a-zA-Z0-9:-]{0,254})$"
    ),
]


class PointInTimeRestore(_Section):
    """``[rds.restore_to_point_in_time]``: create the database from a source's automated backups.

    The source is another instance of this account and region, or (standing an env up in the DR
    region) the ARN of automated backups replicated there by ``rds.backup_replication_region``.
    """

    # identifier of the instance whose automated backups are restored (e.g. the env's own, gone)
    source_instance: str | None = Field(default=None, pattern=r"^[a-zA-Z][a-zA-Z0-9-]{0,62}$")
    # ARN of replicated automated backups (`aws rds describe-db-instance-automated-backups` in the DR region)
    source_automated_backups_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:auto-backup:[a-zA-Z0-9-]+$"
    )
    # UTC instant to restore to (RFC 3339); unset: the latest restorable time (about five minutes ago)
    restore_time: datetime | None = None


class RdsConfig(_Section):
    """PostgreSQL sizing and protection (architecture: Multi-AZ in prod, automated + manual snapshots)."""

    engine_version: str = "16.4"
    database_name: str = Field(default="contactcenter", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    master_username: str = Field(default="cc_admin", pattern=r"^[a-z][a-z0-9_]{0,15}$")
    instance_class: str = Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    allocated_storage_gib: int = Field(ge=20, le=65536)
    max_allocated_storage_gib: int = Field(ge=20, le=65536)
    multi_az: bool
    # Also sets Terraform's `prevent_destroy`, so a plan that would delete the instance fails.
    deletion_protection: bool
    final_snapshot: bool
    manual_snapshot: bool = False
    backup_retention_days: int = Field(ge=0, le=35)
    performance_insights: bool = True
    performance_insights_retention_days: int = 7
    monitoring_interval_seconds: int = 60
    # The parameter group forces TLS and sets logging. Only the emulator tier may turn this off:
    # moto does not return custom parameters, so every plan would want to add them again.
    enforce_parameters: bool = True
    # UTC, and not overlapping: backups first, then maintenance.
    backup_window: str = Field(default="03:00-04:00", pattern=r"^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$")
    maintenance_window: str = Field(
        default="sun:04:30-sun:05:30", pattern=r"^[a-z]{3}:[0-2][0-9]:[0-5][0-9]-[a-z]{3}:[0-2][0-9]:[0-5][0-9]$"
    )
    # Recovery (README runbook). The database is created from this snapshot; set on a live env it
    # replaces the database (the plan report blocks that until allowed; prevent_destroy refuses it
    # in production). Keep it set after a restore: removing it would replace the database again.
    restore_from_snapshot: SnapshotRef | None = None
    # Or created from automated backups at a point in time (same rules as restore_from_snapshot).
    restore_to_point_in_time: PointInTimeRestore | None = None
    # Region the automated backups (and their transaction logs) are replicated to, so the database
    # can be stood up there from data alone; needs backups (backup_retention_days >= 1).
    backup_replication_region: Region | None = None


class DynamoDbConfig(_Section):
    """Queue-experience table protection (billing is always on-demand, per the architecture)."""

    point_in_time_recovery: bool = True
    # Also sets Terraform's `prevent_destroy`, so a plan that would delete the table fails.
    deletion_protection: bool


class KinesisConfig(_Section):
    """Stream capacity for the queue-experience, CTR and agent-event streams."""

    stream_mode: Literal["ON_DEMAND", "PROVISIONED"] = "ON_DEMAND"
    shard_count: int = Field(default=1, ge=1, le=500)
    retention_hours: int = Field(default=24, ge=24, le=8760)
    firehose_buffer_mib: int = Field(default=64, ge=1, le=128)
    firehose_buffer_seconds: int = Field(default=300, ge=0, le=900)


class FunctionSizing(_Section):
    """One function's overrides of the ``[lambdas]`` defaults (``[lambdas.functions.<name>]``)."""

    memory_mb: int | None = Field(default=None, ge=128, le=10240)
    timeout_seconds: int | None = Field(default=None, ge=1, le=900)
    reserved_concurrency: int | None = Field(default=None, ge=0)
    # Against cold starts, for functions a caller waits on (each publishes a version per deploy and
    # is invoked through its `live` alias by every caller). SnapStart: new execution environments
    # resume from a snapshot taken at publish time (Python 3.12+; charged per cached GB and restore).
    snap_start: bool = False
    # Execution environments kept initialized on the `live` alias (charged while provisioned). AWS
    # refuses it together with SnapStart.
    provisioned_concurrency: int | None = Field(default=None, ge=1, le=3000)


FunctionName = Literal[
    "core-api",
    "command-center",
    "post-call",
    "voicemail",
    "queue-experience",
    "authorizer",
    "notification",
    "utilities",
    "voicemail-packager",
]


class LambdaConfig(_Section):
    """Defaults for every function, and per-function sizing under ``[lambdas.functions.<name>]``."""

    architecture: Literal["arm64", "x86_64"] = "arm64"
    memory_mb: int = Field(default=512, ge=128, le=10240)
    timeout_seconds: int = Field(default=30, ge=1, le=900)
    log_retention_days: int = 90
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    reserved_concurrency: int | None = Field(default=None, ge=0)
    functions: dict[FunctionName, FunctionSizing] = Field(default_factory=dict)
    # post_call also keeps each raw CTR in the exports bucket (Firehose already exports batches).
    archive_raw_ctr: bool = False
    # Failed async invocations and stream batches are retried this often before they go to the
    # function's dead-letter queue, where they stay this many days.
    async_retry_attempts: int = Field(default=2, ge=0, le=2)
    dead_letter_retention_days: int = Field(default=14, ge=1, le=14)


class ApiConfig(_Section):
    """Private REST API stage settings."""

    throttling_rate_limit: float = Field(default=100, gt=0)
    throttling_burst_limit: int = Field(default=200, gt=0)
    access_log_retention_days: int = 365
    cache_enabled: bool = False
    cache_size_gb: Literal["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"] = "0.5"
    # Who issues the tokens the authorizer accepts, and for which audience. Keys come from the
    # security layer's JWKS secret unless a JWKS URL is given.
    jwt_issuer: str = Field(pattern=r"^https://\S+$")
    jwt_audience: str = Field(default="contact-center-api", min_length=1)
    jwt_jwks_url: str | None = Field(default=None, pattern=r"^https://\S+$")
    authorizer_cache_seconds: int = Field(default=300, ge=0, le=3600)
    # The resource policy that admits only the execute-api VPC endpoint. Only the emulator tier
    # may turn it off: moto returns the policy in a form the provider cannot parse (README, gaps).
    restrict_to_vpc_endpoint: bool = True
    # API Gateway's CloudWatch role is one setting per account and region: exactly one env of each
    # account and region manages it (the others rely on it); two would overwrite each other.
    manage_account_logging: bool = True


class NotificationConfig(_Section):
    """Voicemail (and other platform event) notifications: SES sender and link lifetime."""

    sender_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    presigned_url_seconds: int = Field(default=3600, ge=60, le=43200)


QueueName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
# A name of something inside the Connect instance (hours set, profile, group, quick connect, number).
ConnectName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
BUSINESS_HOURS = "business-hours"  # the hours set of ``[connect.hours]``
Weekday = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
WEEKDAYS: tuple[Weekday, ...] = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


class HoursConfig(_Section):
    """When the queues take calls (``[connect.hours]``), in ``connect.time_zone``."""

    days: tuple[Weekday, ...] = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")
    opens: ClockTime = "08:00"
    closes: ClockTime = "18:00"

    def open_at(self, when: datetime, time_zone: str) -> bool:
        """True when ``when`` (any time zone) falls in these hours, as Connect's CheckHoursOfOperation decides."""
        local = when.astimezone(ZoneInfo(time_zone))
        clock = local.strftime("%H:%M")
        return WEEKDAYS[local.weekday()] in self.days and self.opens <= clock < self.closes


class MenuOption(_Section):
    """One choice of the inbound menu: the key a caller presses and the queue it leads to."""

    digit: str = Field(pattern=r"^[0-9]$")
    queue: QueueName


class MenuConfig(_Section):
    """The inbound flow's menu (``[connect.menu]``). Left empty, every queue gets a key in order, from 1."""

    # What the caller hears; empty: "For support, press 1. For billing, press 2." from the options.
    prompt: str | None = Field(default=None, min_length=1, max_length=1024)
    options: tuple[MenuOption, ...] = ()
    # Where a caller goes who presses nothing or a key with no option; default: the first queue.
    default_queue: QueueName | None = None
    # Seconds the menu waits for the first key.
    input_seconds: int = Field(default=5, ge=1, le=180)


class RecordingConfig(_Section):
    """What the inbound flow records and analyses (``[connect.recording]``); AWS records only what a flow asks for."""

    # Whose audio is recorded; empty turns call recording off.
    participants: tuple[Literal["Agent", "Customer"], ...] = ("Agent", "Customer")
    # Contact Lens analytics of recorded calls (needs both participants and Contact Lens on the instance).
    contact_lens: Literal["off", "post_call", "real_time"] = "post_call"
    # Language Contact Lens transcribes.
    language: str = Field(default="en-US", pattern=r"^[a-z]{2}-[A-Z]{2}$")
    # Redact personal data from transcripts (the analysed output keeps only the redacted version).
    redact_pii: bool = True


class CallbackConfig(_Section):
    """Queued callbacks (``[connect.callback]``), offered by the customer-queue flow when the queue allows them."""

    # Seconds before the first call back (once an agent is free).
    initial_delay_seconds: int = Field(default=5, ge=1, le=259_200)
    # Calls made in all before the callback is given up.
    attempts: int = Field(default=2, ge=1, le=10)
    # Seconds between two attempts.
    retry_delay_seconds: int = Field(default=600, ge=1, le=259_200)


class PromptsConfig(_Section):
    """What callers (and agents) hear, besides each queue's experience from the API (``[connect.prompts]``)."""

    closed: str = Field(default="Our contact center is closed. Please call again during business hours.", min_length=1)
    sorry: str = Field(
        default="We are sorry, we cannot take your call right now. Please try again later.", min_length=1
    )
    at_capacity: str = Field(default="All of our agents are busy and no more calls can wait.", min_length=1)
    callback_confirmation: str = Field(
        default="Thank you. We will call you back as soon as an agent is free. Goodbye.", min_length=1
    )
    voicemail_instructions: str = Field(
        default="Please leave a message after the tone, then press the pound key or hang up.", min_length=1
    )
    # Said just before the recording starts.
    voicemail_cue: str = Field(default="Recording.", min_length=1)
    voicemail_thanks: str = Field(default="Thank you, your message has been recorded. Goodbye.", min_length=1)
    # The agent hears it before the caller is connected; $.Queue.Name is the queue's name.
    agent_whisper: str = Field(default="Call from the $.Queue.Name queue.", min_length=1)


class PhoneNumberConfig(_Section):
    """A number claimed for the instance, routed to a contact flow of type CONTACT_FLOW."""

    # How queues name it as their outbound caller id (``connect.queues[].outbound_number``).
    name: ConnectName = "main"
    country_code: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    type: Literal["DID", "TOLL_FREE"] = "DID"
    flow: str = Field(default="inbound", pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = Field(default="", max_length=500)


class QueueConfig(_Section):
    """A standard queue (``[[connect.queues]]``; a bare name takes every default)."""

    # Also the API's queue id (``/v1/queues/{queueId}``) and the queue's name in Connect.
    name: QueueName
    description: str | None = Field(default=None, min_length=1, max_length=250)
    # The hours set it follows (a key of ``connect.hours_sets``, or the default ``business-hours``).
    hours: ConnectName = BUSINESS_HOURS
    # Contacts that may wait in it at once (callers beyond hear the at-capacity prompt); none: no limit.
    max_contacts: int | None = Field(default=None, ge=1, le=1_000_000, strict=True)
    # Outbound calls from this queue show this name and number (a ``connect.phone_numbers`` name).
    outbound_caller_name: str | None = Field(default=None, min_length=1, max_length=255)
    outbound_number: ConnectName | None = None
    # Quick connects (``connect.quick_connects`` names) its agents see when they transfer a contact.
    quick_connects: tuple[ConnectName, ...] = ()


class ProfileQueue(_Section):
    """A queue a routing profile serves, and how its agents get its contacts."""

    queue: QueueName
    # 1 is served first; a lower-priority queue's contacts wait while a higher one has any.
    priority: int = Field(default=1, ge=1, le=99, strict=True)
    # Seconds a contact waits in this queue before this profile's agents are offered it.
    delay_seconds: int = Field(default=0, ge=0, le=9999, strict=True)


class RoutingProfileConfig(_Section):
    """Which queues a group of agents serves and how many contacts each takes at once, per channel."""

    name: ConnectName
    description: str = Field(default="Agents of the contact center", min_length=1, max_length=250)
    # Channels and how many contacts of each an agent handles at once (voice is always one); 0: not served.
    voice: bool = Field(default=True, strict=True)
    chat: int = Field(default=2, ge=0, le=10, strict=True)
    tasks: int = Field(default=0, ge=0, le=10, strict=True)
    # Served queues; empty: every queue, priority 1, no delay.
    queues: tuple[ProfileQueue, ...] = ()
    # Where this profile's agents' outbound calls are placed; default: the first queue it serves.
    outbound_queue: QueueName | None = None

    @property
    def channels(self) -> dict[str, int]:
        """Channel -> contacts at once, for the channels this profile serves."""
        wanted = {"VOICE": 1 if self.voice else 0, "CHAT": self.chat, "TASK": self.tasks}
        return {channel: count for channel, count in wanted.items() if count}


class SecurityProfileConfig(_Section):
    """What the users given it may do in Connect (permission names from the Connect admin guide)."""

    name: ConnectName
    description: str = Field(default="Contact center users", min_length=1, max_length=250)
    permissions: tuple[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9.]{0,127}$")], ...] = Field(max_length=500)


class QuickConnectConfig(_Section):
    """A transfer target agents pick from a list: a queue (through the queue-transfer flow) or a number."""

    name: ConnectName
    description: str | None = Field(default=None, min_length=1, max_length=250)
    queue: QueueName | None = None
    # E.164, e.g. "+12025550143"
    phone_number: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{1,14}$")


class HierarchyGroupConfig(_Section):
    """A group of agents (a site, a team): at the level below its parent's, or the top level."""

    name: ConnectName
    parent: ConnectName | None = None


class HierarchyConfig(_Section):
    """The agent hierarchy (``[connect.hierarchy]``): level names from the top, and the groups."""

    levels: tuple[Annotated[str, Field(min_length=1, max_length=50)], ...] = Field(default=(), max_length=5)
    groups: tuple[HierarchyGroupConfig, ...] = ()


class AgentConfig(_Section):
    """A user of the instance. Their identity (and sign-in) comes from SAML or the directory
    (``connect.identity``), so no password is ever in an env file or in Terraform state."""

    # The sign-in name; with SAML, the name the identity provider asserts (often the email address).
    username: str = Field(pattern=r"^[a-zA-Z0-9_\-.@]{1,64}$")
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    routing_profile: ConnectName
    security_profiles: tuple[ConnectName, ...] = Field(min_length=1, max_length=10)
    hierarchy_group: ConnectName | None = None
    # SOFT_PHONE: the browser; DESK_PHONE: Connect calls desk_phone_number (E.164) for each contact.
    phone_type: Literal["SOFT_PHONE", "DESK_PHONE"] = "SOFT_PHONE"
    desk_phone_number: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{1,14}$")
    auto_accept: bool = Field(default=False, strict=True)
    # Seconds of after-contact work before the agent is available again; 0: until they choose.
    after_contact_work_seconds: int = Field(default=0, ge=0, le=2_000_000, strict=True)


def _tuples(value: object) -> object:
    """``value`` with its lists as tuples: what a before-validator returns is checked as Python
    input, where (strictly) only a tuple is a tuple."""
    if isinstance(value, dict):
        return {key: _tuples(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


class ConnectConfig(_Section):
    """Amazon Connect instance options, its queues and what its flows do."""

    # At most 45 characters and not starting with "d-" (Amazon Connect's rules); changing it replaces
    # the instance, its numbers, users and history.
    instance_alias: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,43}[a-zA-Z0-9]$")
    # Who vouches for users: SAML (an identity provider), EXISTING_DIRECTORY (directory_id, an AWS
    # Directory Service directory) or CONNECT_MANAGED (passwords in Connect: no agents from config).
    # Changing it replaces the instance.
    identity: Literal["SAML", "EXISTING_DIRECTORY", "CONNECT_MANAGED"] = "SAML"
    directory_id: str | None = Field(default=None, pattern=r"^d-[0-9a-f]{10}$")
    inbound_calls: bool = True
    outbound_calls: bool = True
    contact_lens: bool = True
    # Terraform refuses to destroy the instance (production requires it).
    prevent_destroy: bool = False
    time_zone: str = Field(default="America/New_York", pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$")
    # The default hours set (``business-hours``), and more sets by name that queues may follow.
    hours: HoursConfig = HoursConfig()
    hours_sets: dict[ConnectName, HoursConfig] = {}
    # Standard queues, each a name or a table (``QueueConfig``).
    queues: tuple[QueueConfig, ...] = Field(default=(QueueConfig(name="support"), QueueConfig(name="billing")),
                                            min_length=1)  # fmt: skip
    # Agents' routing profiles; default: one ("agents") serving every queue, voice and two chats.
    routing_profiles: tuple[RoutingProfileConfig, ...] = (RoutingProfileConfig(name="agents"),)
    security_profiles: tuple[SecurityProfileConfig, ...] = (
        SecurityProfileConfig(name="agent", description="Agents: take and make contacts",
                              permissions=("BasicAgentAccess", "OutboundCallAccess")),
        SecurityProfileConfig(name="supervisor",
                              description="Supervisors: agents who also watch metrics and recordings",
                              permissions=("BasicAgentAccess", "OutboundCallAccess", "AccessMetrics",
                                           "ListenCallRecordings")),
    )  # fmt: skip
    quick_connects: tuple[QuickConnectConfig, ...] = ()
    hierarchy: HierarchyConfig = HierarchyConfig()
    agents: tuple[AgentConfig, ...] = ()
    menu: MenuConfig = MenuConfig()
    recording: RecordingConfig = RecordingConfig()
    callback: CallbackConfig = CallbackConfig()
    prompts: PromptsConfig = PromptsConfig()
    # How often, in seconds, the customer-queue flow checks a caller's wait (and may offer a callback).
    queue_check_seconds: int = Field(default=60, ge=10, le=3600)
    # Longest voicemail a caller may leave, in seconds.
    voicemail_max_seconds: int = Field(default=120, ge=10, le=180)
    # How long Kinesis Video Streams keeps a caller's streamed voicemail audio, in hours, for the
    # packager to read it (and to replay a voicemail from its dead-letter queue). At least 1: with 0
    # KVS keeps nothing to read.
    media_retention_hours: int = Field(default=24, ge=1, le=87600)
    # Amazon Transcribe's language for voicemails (e.g. "en-US"): the notification then carries the
    # text. Off (none) by default: Transcribe is charged per second of audio.
    voicemail_transcription: str | None = Field(default=None, pattern=r"^[a-z]{2}-[A-Z]{2}$")
    # Numbers claimed for the instance, each routed to its flow after deploy (`modules/connect.py`).
    phone_numbers: tuple[PhoneNumberConfig, ...] = ()

    @field_validator("queues", mode="before")
    @classmethod
    def _queue_names_are_queues(cls, value: object) -> object:
        """A bare name in ``queues`` is a queue with every default."""
        if isinstance(value, list | tuple):
            return tuple({"name": item} if isinstance(item, str) else _tuples(item) for item in value)
        return value

    @property
    def queue_names(self) -> tuple[str, ...]:
        return tuple(queue.name for queue in self.queues)

    @property
    def all_hours(self) -> dict[str, HoursConfig]:
        """Every hours set by name, the default one first."""
        return {BUSINESS_HOURS: self.hours, **self.hours_sets}

    def hours_of(self, queue: str) -> HoursConfig:
        """The hours ``queue`` follows."""
        return self.all_hours[next(q.hours for q in self.queues if q.name == queue)]

    def profile_queues(self, profile: RoutingProfileConfig) -> tuple[ProfileQueue, ...]:
        """The queues ``profile`` serves (every queue when it lists none)."""
        return profile.queues or tuple(ProfileQueue(queue=name) for name in self.queue_names)

    @property
    def menu_options(self) -> tuple[MenuOption, ...]:
        """The menu's options, or one per queue in order (1, 2, ...) when the env lists none."""
        if self.menu.options:
            return self.menu.options
        return tuple(MenuOption(digit=str(index), queue=queue) for index, queue in enumerate(self.queue_names[:9], 1))

    @property
    def default_queue(self) -> str:
        return self.menu.default_queue or self.queue_names[0]

    @property
    def menu_prompt(self) -> str:
        if self.menu.prompt:
            return self.menu.prompt
        return " ".join(f"For {option.queue}, press {option.digit}." for option in self.menu_options)


class AuditConfig(_Section):
    """The env's CloudTrail trail and its own bucket (modules/audit.py)."""

    # Days the trail's log files are kept in its bucket (7 years by default, like recordings).
    retention_days: Days = 2555
    # Days the CloudWatch Logs copy (what the audit alarms read) is kept.
    log_retention_days: int = Field(default=365, ge=1)
    # An organization trail that already records this account's API calls (every region): the
    # account stack then creates no account trail of its own. Only the env that owns the account's
    # settings (api.manage_account_logging) sets it; env trails (data events) stay either way.
    organization_trail_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:[0-9]{12}:trail/[A-Za-z0-9._-]{3,128}$"
    )


class MonitoringConfig(_Section):
    """Alarm routing; an empty address means alarms go to the SNS topic only."""

    alarm_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    log_retention_days: int = 365
    # Alarm when PostgreSQL holds more connections than this (size it below the instance's max_connections).
    database_connections_threshold: int = Field(default=80, ge=1)
    # Amazon Connect: alarm when a queue holds this many waiting contacts or more.
    queue_size_threshold: int = Field(default=10, ge=1)
    # Amazon Connect: alarm when a queue's oldest contact has waited this long, in seconds.
    longest_wait_seconds: int = Field(default=600, ge=30)
    # Amazon Connect: alarm when this percentage of the concurrent-calls quota is in use.
    concurrent_calls_percent: int = Field(default=80, ge=1, le=100)


BOOTSTRAP_LAYER = "bootstrap"  # the stack that creates an env's state bucket, before every layer


def stack_name(layer: str, env_name: str) -> str:
    """An env's stack of ``layer`` (also its folder under ``cdktf.out/stacks/`` and its state key)."""
    return f"{layer}-{env_name}"


class EmulatorConfig(_Section):
    """Where the local AWS emulator (moto_server) listens; only for the `emulator` tier."""

    endpoint: HttpUrl = HttpUrl("http://127.0.0.1:4566")
    access_key: str = "test"
    secret_key: str = "test"
    # Layers to plan but never apply on the emulator (README, emulator gaps). None today: the
    # emulator serves every layer, Amazon Connect included (tools/emulator_plugins/connect.py).
    plan_only_layers: tuple[Literal["connect"], ...] = ()

    def plan_only_stacks(self, env_name: str) -> tuple[str, ...]:
        return tuple(stack_name(layer, env_name) for layer in self.plan_only_layers)

    @property
    def url(self) -> str:
        """The endpoint as provider and backend settings want it (pydantic adds a trailing slash)."""
        return str(self.endpoint).rstrip("/")


class EnvConfig(_Section):
    """One environment: everything that differs between dev, staging, prod and local."""

    name: NamePart
    tier: Tier
    region: Region
    account_id: AccountId
    name_prefix: NamePart
    network: NetworkConfig
    storage: StorageConfig = StorageConfig()
    rds: RdsConfig
    dynamodb: DynamoDbConfig
    kinesis: KinesisConfig = KinesisConfig()
    lambdas: LambdaConfig = LambdaConfig()
    api: ApiConfig
    notifications: NotificationConfig
    connect: ConnectConfig
    monitoring: MonitoringConfig = MonitoringConfig()
    audit: AuditConfig = AuditConfig()
    emulator: EmulatorConfig | None = None

    @property
    def state_bucket(self) -> str:
        """One state bucket per environment; the account id makes the global S3 name unique."""
        return f"{self.name_prefix}-{self.name}-tfstate-{self.account_id}"

    def state_key(self, stack_name: str) -> str:
        """One state object per stack, grouped under the environment."""
        return f"{self.name}/{stack_name}.tfstate"

    @property
    def partition(self) -> str:
        """ARN partition of the region, so that policies built from config are right in China/GovCloud."""
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    def resource_name(self, *parts: str) -> str:
        """Physical names always start with prefix and env so that envs can share an account."""
        return "-".join((self.name_prefix, self.name, *parts))
