"""Rules that relate fields of an environment to each other.

Each rule names the field a user has to change and says why in one sentence, in the style of
aws-cdk's ``validate-*-props``: a flat list, each rule small and tested on its own. They run
after pydantic has checked the shape, so they can rely on types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from ipaddress import IPv4Network
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from envs.schema import BUSINESS_HOURS, LOG_RETENTION_DAYS, RDS_MONITORING_INTERVALS, EnvConfig, Tier

# Performance Insights keeps 7 days for free, or whole months (31-day multiples) up to 2 years.
PERFORMANCE_INSIGHTS_RETENTION_DAYS = (7, *range(31, 732, 31), 731)


@dataclass(frozen=True)
class Violation:
    """One broken rule: the dotted path of the field and what is wrong with it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


Rule = Callable[[EnvConfig], Iterator[Violation]]


def _subnet_lists(config: EnvConfig) -> Iterator[tuple[str, tuple[IPv4Network, ...]]]:
    yield "network.public_subnet_cidrs", config.network.public_subnet_cidrs
    yield "network.private_subnet_cidrs", config.network.private_subnet_cidrs


def one_subnet_of_each_kind_per_az(config: EnvConfig) -> Iterator[Violation]:
    zones = len(config.network.availability_zones)
    for field, subnets in _subnet_lists(config):
        if len(subnets) != zones:
            yield Violation(field, f"needs one subnet per availability zone ({zones}), got {len(subnets)}")


@cache
def aws_regions() -> frozenset[str]:
    """Every region of every partition botocore (the SDK the platform pins) knows."""
    import botocore.session

    endpoints = botocore.session.get_session().get_data("endpoints")
    return frozenset(region for partition in endpoints["partitions"] for region in partition["regions"])


def regions_known_to_aws(config: EnvConfig) -> Iterator[Violation]:
    """A region-shaped name is not a region (``us-east-9``); the provider would only fail at plan time."""
    regions = {
        "region": config.region,
        "storage.cross_region_replication_region": config.storage.cross_region_replication_region,
        "rds.backup_replication_region": config.rds.backup_replication_region,
    }
    for field, region in regions.items():
        if region is not None and region not in aws_regions():
            yield Violation(field, f"{region!r} is not an AWS region")


@dataclass(frozen=True)
class NameLimit:
    """The longest physical name the platform derives for one kind of resource, and AWS's limit."""

    kind: str  # as a person says it
    resource_type: str  # the Terraform resource type, and the attribute holding the name
    attribute: str
    longest: str  # a template: {prefix}, {env}, {account}
    limit: int

    def longest_name(self, config: EnvConfig) -> str:
        return self.longest.format(prefix=config.name_prefix, env=config.name, account=config.account_id)


# tests/validate/test_name_limits.py checks every synthesized name against these templates, so a
# longer name added later fails there, not in AWS.
NAME_LIMITS = (
    NameLimit("S3 bucket", "aws_s3_bucket", "bucket", "{prefix}-{env}-account-audit-logs-replica-{account}", 63),
    NameLimit("IAM role", "aws_iam_role", "name", "{prefix}-{env}-account-audit-replication", 64),
    NameLimit("Lambda function", "aws_lambda_function", "function_name", "{prefix}-{env}-voicemail-packager", 64),
    NameLimit("EventBridge rule", "aws_cloudwatch_event_rule", "name", "{prefix}-{env}-command-center-snapshot", 64),
    NameLimit("RDS instance", "aws_db_instance", "identifier", "{prefix}-{env}-postgres", 63),
    NameLimit("SQS queue", "aws_sqs_queue", "name", "{prefix}-{env}-voicemail-packager-dlq", 80),
    NameLimit("Firehose stream", "aws_kinesis_firehose_delivery_stream", "name", "{prefix}-{env}-ctr-export", 64),
    NameLimit("Kinesis stream", "aws_kinesis_stream", "name", "{prefix}-{env}-queue-experience", 128),
    NameLimit("DynamoDB table", "aws_dynamodb_table", "name", "{prefix}-{env}-queue-experience", 255),
    NameLimit(
        "log group", "aws_cloudwatch_log_group", "name", "/aws/rds/instance/{prefix}-{env}-postgres/postgresql", 512
    ),
)


def physical_names_fit_aws_limits(config: EnvConfig) -> Iterator[Violation]:
    """``name_prefix`` and ``name`` start every physical name; together they must leave room for the
    longest name of each kind (an S3 bucket name over 63 characters fails only in AWS, or in synth)."""
    for limit in NAME_LIMITS:
        name = limit.longest_name(config)
        if len(name) > limit.limit:
            yield Violation(
                "name_prefix",
                f"with name {config.name!r}, the {limit.kind} name {name} would be {len(name)} characters; "
                f"AWS allows {limit.limit} (shorten name_prefix or the env name)",
            )


def availability_zones_in_region(config: EnvConfig) -> Iterator[Violation]:
    zones = config.network.availability_zones
    for index, zone in enumerate(zones):
        if not (zone.startswith(config.region) and len(zone) == len(config.region) + 1):
            yield Violation(f"network.availability_zones[{index}]", f"{zone!r} is not a zone of region {config.region}")
    if len(set(zones)) != len(zones):
        yield Violation("network.availability_zones", "lists the same zone twice")


def subnets_inside_vpc(config: EnvConfig) -> Iterator[Violation]:
    vpc = config.network.vpc_cidr
    for field, subnets in _subnet_lists(config):
        for index, subnet in enumerate(subnets):
            if not subnet.subnet_of(vpc):
                yield Violation(f"{field}[{index}]", f"{subnet} is outside the VPC CIDR {vpc}")


def subnets_do_not_overlap(config: EnvConfig) -> Iterator[Violation]:
    seen: list[tuple[str, IPv4Network]] = []
    for field, subnets in _subnet_lists(config):
        for index, subnet in enumerate(subnets):
            path = f"{field}[{index}]"
            for other_path, other in seen:
                if subnet.overlaps(other):
                    yield Violation(path, f"{subnet} overlaps {other} ({other_path})")
            seen.append((path, subnet))


def subnets_usable_by_aws(config: EnvConfig) -> Iterator[Violation]:
    if not 16 <= config.network.vpc_cidr.prefixlen <= 28:
        yield Violation("network.vpc_cidr", "AWS VPCs must be between /16 and /28")
    for field, subnets in _subnet_lists(config):
        for index, subnet in enumerate(subnets):
            if subnet.prefixlen > 28:
                yield Violation(f"{field}[{index}]", f"{subnet} is smaller than the /28 AWS allows")


def log_retentions_accepted_by_cloudwatch(config: EnvConfig) -> Iterator[Violation]:
    retentions = {
        "network.flow_log_retention_days": config.network.flow_log_retention_days,
        "lambdas.log_retention_days": config.lambdas.log_retention_days,
        "api.access_log_retention_days": config.api.access_log_retention_days,
        "monitoring.log_retention_days": config.monitoring.log_retention_days,
    }
    for field, days in retentions.items():
        if days not in LOG_RETENTION_DAYS:
            yield Violation(field, f"{days} is not a CloudWatch Logs retention (use one of {LOG_RETENTION_DAYS})")


def rds_settings_consistent(config: EnvConfig) -> Iterator[Violation]:
    rds = config.rds
    if rds.max_allocated_storage_gib < rds.allocated_storage_gib:
        yield Violation("rds.max_allocated_storage_gib", "must be at least rds.allocated_storage_gib")
    if rds.monitoring_interval_seconds not in RDS_MONITORING_INTERVALS:
        yield Violation("rds.monitoring_interval_seconds", f"must be one of {RDS_MONITORING_INTERVALS}")
    if rds.performance_insights_retention_days not in PERFORMANCE_INSIGHTS_RETENTION_DAYS:
        yield Violation(
            "rds.performance_insights_retention_days",
            "must be 7 (free tier) or a multiple of 31 up to 731 (months)",
        )
    if not rds.engine_version.startswith("16."):
        yield Violation("rds.engine_version", "the platform targets PostgreSQL 16 (parameter group postgres16)")


def rds_restore_is_one_source(config: EnvConfig) -> Iterator[Violation]:
    """A database is created from at most one source, and a point-in-time source names exactly one origin."""
    rds = config.rds
    point = rds.restore_to_point_in_time
    if rds.restore_from_snapshot is not None and point is not None:
        yield Violation("rds.restore_to_point_in_time", "set either it or rds.restore_from_snapshot, not both")
    if point is not None and (point.source_instance is None) == (point.source_automated_backups_arn is None):
        yield Violation(
            "rds.restore_to_point_in_time",
            "name exactly one of source_instance (same region) or source_automated_backups_arn (replicated backups)",
        )
    if point is not None and point.restore_time is not None and point.restore_time.utcoffset() is None:
        yield Violation("rds.restore_to_point_in_time.restore_time", "give the time zone (e.g. 2026-11-26T01:00:00Z)")
    if rds.backup_replication_region is not None:
        if rds.backup_replication_region == config.region:
            yield Violation("rds.backup_replication_region", "must differ from the primary region")
        if rds.backup_retention_days < 1:
            yield Violation(
                "rds.backup_replication_region", "replicates automated backups: rds.backup_retention_days must be >= 1"
            )


def account_settings_set_by_their_owner(config: EnvConfig) -> Iterator[Violation]:
    """Account-wide choices live in the account stack, which only the owning env deploys."""
    if config.audit.organization_trail_arn is not None and not config.api.manage_account_logging:
        yield Violation(
            "audit.organization_trail_arn",
            "only the env that owns the account's settings (api.manage_account_logging) deploys the account stack",
        )


def storage_lifecycle_ordered(config: EnvConfig) -> Iterator[Violation]:
    storage = config.storage
    if storage.recordings_transition_to_ia_days < 30:
        yield Violation("storage.recordings_transition_to_ia_days", "S3 needs at least 30 days before STANDARD_IA")
    if storage.recordings_transition_to_glacier_days <= storage.recordings_transition_to_ia_days:
        yield Violation(
            "storage.recordings_transition_to_glacier_days", "must come after recordings_transition_to_ia_days"
        )
    if storage.recordings_expiration_days <= storage.recordings_transition_to_glacier_days:
        yield Violation("storage.recordings_expiration_days", "must come after recordings_transition_to_glacier_days")
    if storage.cross_region_replication_region == config.region:
        yield Violation("storage.cross_region_replication_region", "must differ from the primary region")


def production_is_protected(config: EnvConfig) -> Iterator[Violation]:
    """Production data must survive an AZ outage and a mistaken `destroy`."""
    if config.tier is not Tier.PRODUCTION:
        return
    required = {
        "rds.multi_az": (config.rds.multi_az, "production requires Multi-AZ"),
        "rds.deletion_protection": (config.rds.deletion_protection, "production requires deletion protection"),
        "rds.final_snapshot": (config.rds.final_snapshot, "production requires a final snapshot on delete"),
        "dynamodb.deletion_protection": (
            config.dynamodb.deletion_protection,
            "production requires deletion protection",
        ),
        "dynamodb.point_in_time_recovery": (
            config.dynamodb.point_in_time_recovery,
            "production requires point-in-time recovery",
        ),
        "storage.force_destroy": (not config.storage.force_destroy, "production buckets must not be force-destroyed"),
        "connect.prevent_destroy": (
            config.connect.prevent_destroy,
            "production requires it: a destroy or a changed alias would replace the instance, its numbers and history",
        ),
    }
    for field, (ok, message) in required.items():
        if not ok:
            yield Violation(field, message)
    if config.network.nat_strategy != "per_az":
        yield Violation("network.nat_strategy", "production requires one NAT gateway per AZ (per_az)")
    if config.rds.backup_retention_days < 7:
        yield Violation("rds.backup_retention_days", "production keeps automated backups at least 7 days")
    dr_region = config.storage.cross_region_replication_region
    if dr_region is not None and config.rds.backup_replication_region != dr_region:
        yield Violation(
            "rds.backup_replication_region",
            f"production replicates the database's backups to the buckets' DR region ({dr_region}), "
            "so the env can be stood up there from data alone",
        )


def cold_start_settings_accepted_by_lambda(config: EnvConfig) -> Iterator[Violation]:
    """SnapStart and provisioned concurrency exclude each other; provisioned environments count
    against the function's reserved concurrency when it has one."""
    for name, sizing in config.lambdas.functions.items():
        field = f"lambdas.functions.{name}"
        if sizing.snap_start and sizing.provisioned_concurrency is not None:
            yield Violation(f"{field}.provisioned_concurrency", "Lambda does not allow it together with snap_start")
        reserved = (
            sizing.reserved_concurrency
            if sizing.reserved_concurrency is not None
            else config.lambdas.reserved_concurrency
        )
        if (
            sizing.provisioned_concurrency is not None
            and reserved is not None
            and sizing.provisioned_concurrency > reserved
        ):
            yield Violation(
                f"{field}.provisioned_concurrency",
                f"{sizing.provisioned_concurrency} is more than the function's reserved concurrency ({reserved})",
            )


# Amazon Connect's default quota of queues per routing profile (Service Quotas: "Queues per routing profile").
QUEUES_PER_ROUTING_PROFILE = 50


def _duplicates(names: list[str]) -> list[str]:
    return sorted({name for name in names if names.count(name) > 1})


def connect_settings_accepted_by_connect(config: EnvConfig) -> Iterator[Violation]:
    """What Amazon Connect would refuse at deploy time, and what would make a queue unreachable."""
    connect = config.connect
    if connect.instance_alias.startswith("d-"):
        yield Violation("connect.instance_alias", "Amazon Connect refuses aliases that start with 'd-'")
    duplicates = _duplicates(list(connect.queue_names))
    if duplicates:
        yield Violation("connect.queues", f"lists {', '.join(duplicates)} more than once")
    yield from _menu_reaches_every_queue(config)
    for name, hours in connect.all_hours.items():
        where = "connect.hours" if name == BUSINESS_HOURS else f"connect.hours_sets.{name}"
        if hours.closes <= hours.opens:
            yield Violation(f"{where}.closes", f"must be after {where}.opens ({hours.opens})")
        if not hours.days:
            yield Violation(f"{where}.days", "lists no day: every call would go to the after-hours path")
    try:
        ZoneInfo(connect.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        yield Violation("connect.time_zone", f"{connect.time_zone!r} is not a known time zone (e.g. America/New_York)")
    recording = connect.recording
    if recording.contact_lens != "off" and set(recording.participants) != {"Agent", "Customer"}:
        yield Violation("connect.recording.contact_lens", "Contact Lens needs both Agent and Customer recorded")
    if recording.contact_lens != "off" and not connect.contact_lens:
        yield Violation("connect.recording.contact_lens", "the instance has Contact Lens off (connect.contact_lens)")
    if connect.phone_numbers and config.network.nat_strategy == "none":
        yield Violation(
            "connect.phone_numbers",
            "routing numbers to flows calls Amazon Connect from the VPC: it needs a NAT gateway (network.nat_strategy)",
        )


def connect_queues_point_at_what_exists(config: EnvConfig) -> Iterator[Violation]:
    """A queue's hours, outbound number and quick connects are names defined elsewhere in ``[connect]``."""
    connect = config.connect
    numbers = [number.name for number in connect.phone_numbers]
    for name in _duplicates(numbers):
        yield Violation("connect.phone_numbers", f"names {name} more than once")
    quick_connects = [quick.name for quick in connect.quick_connects]
    for index, queue in enumerate(connect.queues):
        where = f"connect.queues[{index}]"
        if queue.hours not in connect.all_hours:
            known = ", ".join(connect.all_hours)
            yield Violation(f"{where}.hours", f"{queue.hours!r} is not an hours set (known: {known})")
        if queue.outbound_number is not None and queue.outbound_number not in numbers:
            yield Violation(
                f"{where}.outbound_number", f"{queue.outbound_number!r} is not one of connect.phone_numbers"
            )
        if queue.outbound_caller_name is not None and queue.outbound_number is None:
            yield Violation(f"{where}.outbound_caller_name", "needs outbound_number: a name is shown with a number")
        for missing in sorted(set(queue.quick_connects) - set(quick_connects)):
            yield Violation(f"{where}.quick_connects", f"{missing!r} is not one of connect.quick_connects")
    for name in _duplicates(quick_connects):
        yield Violation("connect.quick_connects", f"names {name} more than once")
    for index, quick in enumerate(connect.quick_connects):
        where = f"connect.quick_connects[{index}]"
        if (quick.queue is None) == (quick.phone_number is None):
            yield Violation(where, "needs exactly one of queue and phone_number")
        elif quick.queue is not None and quick.queue not in connect.queue_names:
            yield Violation(f"{where}.queue", f"{quick.queue!r} is not one of connect.queues")
    yield from _no_quick_connect_cycle(config)


def _no_quick_connect_cycle(config: EnvConfig) -> Iterator[Violation]:
    """A queue lists quick connects by id, and a queue quick connect needs its queue's id: queues
    whose quick connects lead back to themselves cannot be created (Terraform: a dependency cycle)."""
    connect = config.connect
    target = {quick.name: quick.queue for quick in connect.quick_connects if quick.queue is not None}
    leads_to = {queue.name: {target[q] for q in queue.quick_connects if q in target} for queue in connect.queues}
    for index, queue in enumerate(connect.queues):
        seen, frontier = set(), set(leads_to.get(queue.name, ()))
        while frontier:
            current = frontier.pop()
            if current == queue.name:
                yield Violation(
                    f"connect.queues[{index}].quick_connects",
                    f"lead back to {queue.name} through queue quick connects: Terraform creates a queue quick connect "
                    "after its queue, so queues cannot list quick connects to each other in a cycle "
                    "(drop one direction)",
                )
                break
            if current not in seen:
                seen.add(current)
                frontier |= leads_to.get(current, set())


def connect_routing_profiles_serve_every_queue(config: EnvConfig) -> Iterator[Violation]:
    """Profiles name existing queues, serve some channel, stay within the quota, and together serve
    every queue (a queue no profile serves is never answered)."""
    connect = config.connect
    for name in _duplicates([profile.name for profile in connect.routing_profiles]):
        yield Violation("connect.routing_profiles", f"names {name} more than once")
    served: set[str] = set()
    for index, profile in enumerate(connect.routing_profiles):
        where = f"connect.routing_profiles[{index}]"
        if not profile.channels:
            yield Violation(where, "serves no channel (voice = false, chat = 0, tasks = 0)")
        queues = [entry.queue for entry in connect.profile_queues(profile)]
        for missing in sorted(set(queues) - set(connect.queue_names)):
            yield Violation(f"{where}.queues", f"{missing!r} is not one of connect.queues")
        for twice in _duplicates(queues):
            yield Violation(f"{where}.queues", f"lists {twice} more than once")
        if len(queues) > QUEUES_PER_ROUTING_PROFILE:
            limit = QUEUES_PER_ROUTING_PROFILE
            yield Violation(f"{where}.queues", f"{len(queues)} queues; a routing profile serves at most {limit}")
        if profile.outbound_queue is not None and profile.outbound_queue not in connect.queue_names:
            yield Violation(f"{where}.outbound_queue", f"{profile.outbound_queue!r} is not one of connect.queues")
        served |= set(queues)
    unserved = [queue for queue in connect.queue_names if queue not in served]
    if unserved:
        yield Violation(
            "connect.routing_profiles", f"no profile serves {', '.join(unserved)}: no agent would answer it"
        )


def connect_agents_have_managed_identities(config: EnvConfig) -> Iterator[Violation]:
    """Agents sign in through SAML or the directory (no password in code or state), into profiles,
    security profiles and hierarchy groups that exist; the hierarchy is well formed."""
    connect = config.connect
    if connect.identity == "EXISTING_DIRECTORY" and connect.directory_id is None:
        yield Violation("connect.directory_id", "EXISTING_DIRECTORY identity needs the directory's id (d-...)")
    if connect.identity != "EXISTING_DIRECTORY" and connect.directory_id is not None:
        yield Violation(
            "connect.directory_id", f"only EXISTING_DIRECTORY identity uses a directory (is {connect.identity})"
        )
    if connect.agents and connect.identity == "CONNECT_MANAGED":
        yield Violation("connect.agents", "CONNECT_MANAGED users need passwords, which must not be in code or state: "
                        "use SAML or EXISTING_DIRECTORY identity (connect.identity)")  # fmt: skip
    for name in _duplicates([profile.name for profile in connect.security_profiles]):
        yield Violation("connect.security_profiles", f"names {name} more than once")
    yield from _hierarchy(config)
    profiles = {profile.name for profile in connect.routing_profiles}
    security = {profile.name for profile in connect.security_profiles}
    groups = {group.name for group in connect.hierarchy.groups}
    for name in _duplicates([agent.username for agent in connect.agents]):
        yield Violation("connect.agents", f"has username {name} more than once")
    for index, agent in enumerate(connect.agents):
        where = f"connect.agents[{index}]"
        if agent.routing_profile not in profiles:
            yield Violation(
                f"{where}.routing_profile", f"{agent.routing_profile!r} is not one of connect.routing_profiles"
            )
        for missing in sorted(set(agent.security_profiles) - security):
            yield Violation(f"{where}.security_profiles", f"{missing!r} is not one of connect.security_profiles")
        if agent.hierarchy_group is not None and agent.hierarchy_group not in groups:
            yield Violation(
                f"{where}.hierarchy_group", f"{agent.hierarchy_group!r} is not one of connect.hierarchy.groups"
            )
        if agent.phone_type == "DESK_PHONE" and agent.desk_phone_number is None:
            yield Violation(f"{where}.desk_phone_number", "a DESK_PHONE agent needs the number Connect calls")


def _hierarchy(config: EnvConfig) -> Iterator[Violation]:
    hierarchy = config.connect.hierarchy
    if hierarchy.groups and not hierarchy.levels:
        yield Violation("connect.hierarchy.levels", 'groups need levels (e.g. levels = ["Site", "Team"])')
        return
    for name in _duplicates([group.name for group in hierarchy.groups]):
        yield Violation("connect.hierarchy.groups", f"names {name} more than once")
    depth: dict[str, int] = {}
    for index, group in enumerate(hierarchy.groups):
        if group.parent is not None and group.parent not in depth:
            yield Violation(f"connect.hierarchy.groups[{index}].parent",
                            f"{group.parent!r} is not a group listed before this one")  # fmt: skip
            continue
        depth[group.name] = depth[group.parent] + 1 if group.parent is not None else 1
        if depth[group.name] > len(hierarchy.levels):
            levels = len(hierarchy.levels)
            yield Violation(f"connect.hierarchy.groups[{index}]",
                            f"is at level {depth[group.name]}; connect.hierarchy.levels has {levels}")  # fmt: skip


def _menu_reaches_every_queue(config: EnvConfig) -> Iterator[Violation]:
    connect = config.connect
    options = connect.menu_options
    for index, option in enumerate(connect.menu.options):
        if option.queue not in connect.queue_names:
            yield Violation(f"connect.menu.options[{index}].queue", f"{option.queue!r} is not one of connect.queues")
    digits = [option.digit for option in options]
    for digit in sorted({digit for digit in digits if digits.count(digit) > 1}):
        yield Violation("connect.menu.options", f"key {digit} leads to more than one queue")
    if connect.menu.default_queue is not None and connect.menu.default_queue not in connect.queue_names:
        yield Violation("connect.menu.default_queue", f"{connect.menu.default_queue!r} is not one of connect.queues")
    reachable = {option.queue for option in options} | {connect.default_queue}
    unreachable = [queue for queue in connect.queue_names if queue not in reachable]
    if unreachable:
        yield Violation(
            "connect.menu", f"no menu key leads to {', '.join(unreachable)} (list them in connect.menu.options)"
        )


def emulator_settings_match_tier(config: EnvConfig) -> Iterator[Violation]:
    """Only the emulator tier may point at the emulator or relax what the emulator cannot serve."""
    if config.tier is Tier.EMULATOR and config.emulator is None:
        yield Violation("emulator", "the emulator tier needs an [emulator] section with its endpoint")
    if config.tier is not Tier.EMULATOR and config.emulator is not None:
        yield Violation("emulator", f"only the emulator tier may set it (tier is {config.tier.value})")
    if config.tier is not Tier.EMULATOR and not config.storage.deny_insecure_transport:
        yield Violation("storage.deny_insecure_transport", "only the emulator tier may allow requests without TLS")
    if config.tier is not Tier.EMULATOR and not config.rds.enforce_parameters:
        yield Violation("rds.enforce_parameters", "only the emulator tier may run PostgreSQL without TLS enforcement")
    if config.tier is not Tier.EMULATOR and not config.storage.restrict_data_to_vpc:
        yield Violation("storage.restrict_data_to_vpc", "only the emulator tier may open data buckets outside the VPC")
    if config.tier is not Tier.EMULATOR and not config.api.restrict_to_vpc_endpoint:
        yield Violation("api.restrict_to_vpc_endpoint", "only the emulator tier may drop the API's VPC endpoint policy")


RULES: tuple[Rule, ...] = (
    regions_known_to_aws,
    physical_names_fit_aws_limits,
    one_subnet_of_each_kind_per_az,
    availability_zones_in_region,
    subnets_inside_vpc,
    subnets_do_not_overlap,
    subnets_usable_by_aws,
    log_retentions_accepted_by_cloudwatch,
    rds_settings_consistent,
    rds_restore_is_one_source,
    account_settings_set_by_their_owner,
    storage_lifecycle_ordered,
    production_is_protected,
    cold_start_settings_accepted_by_lambda,
    connect_settings_accepted_by_connect,
    connect_queues_point_at_what_exists,
    connect_routing_profiles_serve_every_queue,
    connect_agents_have_managed_identities,
    emulator_settings_match_tier,
)


def violations(config: EnvConfig) -> list[Violation]:
    """Every broken rule, in rule order, so a user sees all problems of a file at once."""
    return [violation for rule in RULES for violation in rule(config)]
