"""The shipped env files match the architecture, and broken files are refused with the field named."""

from __future__ import annotations

import shutil
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from envs import ENV_DIR, EnvConfig, EnvConfigError, NatStrategy, Tier, env_names, load_env


def nets(*cidrs: str) -> tuple[IPv4Network, ...]:
    return tuple(IPv4Network(cidr) for cidr in cidrs)


class TestShippedEnvironments:
    def test_the_shipped_environments_exist(self) -> None:
        assert env_names() == ["dev", "local", "prod", "prod-dr", "staging"]

    def test_prod_dr_is_prod_in_the_dr_region_from_prods_data(self, configs: dict[str, EnvConfig]) -> None:
        prod, dr = configs["prod"], configs["prod-dr"]
        assert dr.tier is prod.tier and dr.account_id == prod.account_id
        assert dr.region == prod.storage.cross_region_replication_region == prod.rds.backup_replication_region
        assert dr.storage.restore_from_env == "prod"
        restore = dr.rds.restore_to_point_in_time
        assert restore is not None and restore.source_automated_backups_arn is not None
        assert restore.source_automated_backups_arn.startswith(
            f"arn:aws:rds:{dr.region}:{prod.account_id}:auto-backup:"
        )
        # Same protections and sizes: prod-dr carries prod's traffic.
        assert dr.rds.model_dump(
            exclude={"restore_to_point_in_time", "backup_replication_region"}
        ) == prod.rds.model_dump(exclude={"restore_to_point_in_time", "backup_replication_region"})

    @pytest.mark.parametrize(("name", "second_octet"), [("dev", 113), ("prod", 115)])
    def test_vpc_and_subnets_follow_the_architecture(self, configs: dict[str, EnvConfig], name: str, second_octet: int):
        network = configs[name].network
        x = second_octet
        assert network.vpc_cidr == IPv4Network(f"10.{x}.0.0/16")
        assert network.public_subnet_cidrs == nets(f"10.{x}.20.0/24", f"10.{x}.21.0/24", f"10.{x}.22.0/24")
        assert network.private_subnet_cidrs == nets(f"10.{x}.10.0/24", f"10.{x}.11.0/24", f"10.{x}.12.0/24")
        assert len(network.availability_zones) == 3

    def test_vpc_cidrs_do_not_overlap_between_environments(self, configs: dict[str, EnvConfig]) -> None:
        cidrs = [config.network.vpc_cidr for config in configs.values()]
        assert all(not a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1 :])

    def test_cost_profile_follows_the_architecture(self, configs: dict[str, EnvConfig]) -> None:
        dev, staging, prod = configs["dev"], configs["staging"], configs["prod"]
        assert (dev.rds.multi_az, dev.network.nat_strategy) == (False, NatStrategy.SINGLE)
        assert (staging.rds.multi_az, staging.network.nat_strategy) == (True, NatStrategy.SINGLE)
        assert (prod.rds.multi_az, prod.network.nat_strategy) == (True, NatStrategy.PER_AZ)
        assert prod.rds.deletion_protection and prod.dynamodb.deletion_protection
        assert prod.tier is Tier.PRODUCTION

    def test_each_environment_has_its_own_state_bucket(self, configs: dict[str, EnvConfig]) -> None:
        buckets = {config.state_bucket for config in configs.values()}
        assert len(buckets) == len(configs)

    def test_only_local_points_at_the_emulator(self, configs: dict[str, EnvConfig]) -> None:
        assert [name for name, config in configs.items() if config.emulator] == ["local"]


@pytest.fixture
def env_dir(tmp_path: Path) -> Path:
    """A copy of the shipped env files that a test may break."""
    target = tmp_path / "envs"
    target.mkdir()
    for path in ENV_DIR.glob("*.toml"):
        shutil.copy(path, target / path.name)
    return target


def edit(env_dir: Path, name: str, old: str, new: str) -> None:
    path = env_dir / f"{name}.toml"
    text = path.read_text()
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


BROKEN_FILES = [
    # (env, text to replace, replacement, expected field and message)
    ("dev", 'vpc_cidr = "10.113.0.0/16"', 'vpc_cidr = "10.113.0.0/33"', r"network\.vpc_cidr: .*netmask"),
    ("dev", 'vpc_cidr = "10.113.0.0/16"', 'vpc_cidr = "banana"', r"network\.vpc_cidr: "),
    ("dev", "10.113.22.0/24", "10.99.22.0/24", r"network\.public_subnet_cidrs\[2\]: 10\.99\.22\.0/24 is outside"),
    ("dev", '"10.113.12.0/24"]', '"10.113.20.0/24"]', r"network\.private_subnet_cidrs\[2\]: .* overlaps 10\.113\.20"),
    ("dev", ', "10.113.12.0/24"]', "]", r"network\.private_subnet_cidrs: needs one subnet per availability zone"),
    ("dev", '"us-east-1c"]', '"eu-west-1c"]', r"network\.availability_zones\[2\]: 'eu-west-1c' is not a zone"),
    ("dev", 'nat_strategy = "single"', 'nat_strategy = "two"', r"network\.nat_strategy: "),
    ("dev", 'name_prefix = "cc"\n', "", r"name_prefix: Field required"),
    ("dev", "[rds]\n", '[rds]\ninstanse_class = "x"\n', r"rds\.instanse_class: unknown field"),
    ("dev", 'account_id = "111111111111"', 'account_id = "1234"', r"account_id: String should match"),
    ("dev", "flow_log_retention_days = 30", "flow_log_retention_days = 31", r"network\.flow_log_retention_days: 31"),
    ("dev", 'name = "dev"', 'name = "development"', r"name: must equal the file name 'dev'"),
    ("dev", "[storage]\n", "[storage]\ndeny_insecure_transport = false\n", r"storage\.deny_insecure_transport: only"),
    ("dev", "[storage]\n", "[storage]\nrestrict_data_to_vpc = false\n", r"storage\.restrict_data_to_vpc: only"),
    ("prod", "[rds]\n", "[rds]\nenforce_parameters = false\n", r"rds\.enforce_parameters: only the emulator"),
    ("prod", "[api]\n", "[api]\nrestrict_to_vpc_endpoint = false\n", r"api\.restrict_to_vpc_endpoint: only the"),
    ("dev", 'jwt_issuer = "https://', 'jwt_issuer = "http://', r"api\.jwt_issuer: String should match"),
    ("dev", "[api]\n", "[lambdas.functions.core-apy]\nmemory_mb = 256\n\n[api]\n", r"lambdas\.functions\.core-apy"),
    ("dev", 'sender_email = "', 'sender_email = "not-an-', None),  # still an address: loads
    ("dev", "[rds]\n", "[rds]\nperformance_insights_retention_days = 10\n", r"rds\.performance_insights_retention"),
    (
        "dev",
        "[storage]\n",
        '[storage]\noutside_vpc_role_arns = ["admin"]\n',
        r"storage\.outside_vpc_role_arns\[0\]: String should match",
    ),
    ("dev", "max_allocated_storage_gib = 50", "max_allocated_storage_gib = 19", r"rds\.max_allocated_storage_gib"),
    ("prod", "multi_az = true", "multi_az = false", r"rds\.multi_az: production requires Multi-AZ"),
    (
        "prod",
        "[rds]\ninstance_class",
        "[rds]\ninstance_class",
        None,  # control: an untouched prod file loads
    ),
    ("prod", "deletion_protection = true", "deletion_protection = false", r"rds\.deletion_protection: production"),
    (
        "prod",
        "[dynamodb]\npoint_in_time_recovery = true\ndeletion_protection = true",
        "[dynamodb]\npoint_in_time_recovery = true\ndeletion_protection = false",
        r"dynamodb\.deletion_protection: production requires deletion protection",
    ),
    ("prod", 'nat_strategy = "per_az"', 'nat_strategy = "single"', r"network\.nat_strategy: production requires"),
    ("prod", "backup_retention_days = 30", "backup_retention_days = 1", r"rds\.backup_retention_days: production"),
    ("local", "[emulator]\n", "[emulatorx]\n", r"emulatorx: unknown field"),
    ("dev", 'instance_alias = "cc-dev-contact-center"', f'instance_alias = "{"a" * 46}"', r"connect\.instance_alias: "),
    (
        "dev",
        'instance_alias = "cc-dev-contact-center"',
        'instance_alias = "d-contact"',
        r"connect\.instance_alias: .*'d-'",
    ),
    ("dev", "[connect]\n", "[connect]\nqueues = []\n", r"connect\.queues: Tuple should have at least 1 item"),
    (
        "dev",
        "[connect]\n",
        '[connect]\nqueues = ["support", "support"]\n',
        r"connect\.queues: lists support more than once",
    ),
    (
        "dev",
        "[connect]\n",
        '[connect]\nqueues = ["Support"]\n',
        r"connect\.queues\[0\]\.name: String should match pattern [^;]*$",
    ),
    # Values are what TOML says they are: no coercion, no infinities, known regions
    (
        "dev",
        "allocated_storage_gib = 20",
        'allocated_storage_gib = "20"',
        r"rds\.allocated_storage_gib: Input should be a valid integer",
    ),
    ("dev", "multi_az = false", 'multi_az = "no"', r"rds\.multi_az: Input should be a valid boolean"),
    ("dev", "multi_az = false", "multi_az = 0", r"rds\.multi_az: Input should be a valid boolean"),
    (
        "dev",
        "throttling_rate_limit = 20",
        "throttling_rate_limit = inf",
        r"api\.throttling_rate_limit: inf is not a finite number",
    ),
    (
        "dev",
        "throttling_rate_limit = 20",
        "throttling_rate_limit = nan",
        r"api\.throttling_rate_limit: nan is not a finite number",
    ),
    (
        "dev",
        "allocated_storage_gib = 20",
        "allocated_storage_gib = 20.0",
        r"rds\.allocated_storage_gib: Input should be a valid integer",
    ),
    ("dev", 'region = "us-east-1"', 'region = "us-east-9"', r"region: 'us-east-9' is not an AWS region"),
    # Connect configuration depth: identity, hours sets, queues, quick connects, profiles, hierarchy, agents
    ("local", 'identity = "SAML"', 'identity = "LDAP"', r"connect\.identity: Input should be 'SAML'"),
    (
        "dev",
        "[connect]\n",
        '[connect]\nidentity = "EXISTING_DIRECTORY"\n',
        r"connect\.directory_id: EXISTING_DIRECTORY",
    ),
    ("dev", "[connect]\n", '[connect]\ndirectory_id = "d-1234567890"\n', r"connect\.directory_id: only EXISTING_DIR"),
    (
        "dev",
        "[connect]\n",
        '[connect]\nidentity = "EXISTING_DIRECTORY"\ndirectory_id = "corp"\n',
        r"connect\.directory_id: String should match",
    ),
    (
        "dev",
        "[connect]\n",
        '[connect]\nidentity = "EXISTING_DIRECTORY"\ndirectory_id = "d-1234567890"\n',
        None,  # control: a directory instance with its directory loads
    ),
    ("local", 'identity = "SAML"', 'identity = "CONNECT_MANAGED"', r"connect\.agents: CONNECT_MANAGED users need pass"),
    (
        "local",
        'first_name = "Ana"',
        'first_name = "Ana"\npassword = "Secret123"',
        r"connect\.agents\[0\]\.password: unk",
    ),
    ("local", 'hours = "extended"', 'hours = "weekend"', r"connect\.queues\[1\]\.hours: 'weekend' is not an hours set"),
    ("local", 'opens = "07:00"', 'opens = "22:00"', r"connect\.hours_sets\.extended\.closes: must be after .*22:00"),
    ("local", "[connect.hours_sets.extended]", "[connect.hours_sets.Extended]", r"connect\.hours_sets\.Extended"),
    ("local", "max_contacts = 20", "max_contacts = 0", r"connect\.queues\[1\]\.max_contacts: .*greater than or equal"),
    (
        "prod",
        'outbound_number = "main"\nquick',
        'outbound_number = "second"\nquick',
        r"connect\.queues\[0\]\.outbound_number: 'second' is not one of connect\.phone_numbers",
    ),
    (
        "local",
        "max_contacts = 50\n",
        'max_contacts = 50\noutbound_caller_name = "Support"\n',
        r"connect\.queues\[0\]\.outbound_caller_name: needs outbound_number",
    ),
    (
        "local",
        'quick_connects = ["escalation-line"]',
        'quick_connects = ["escalation"]',
        r"connect\.queues\[1\]\.quick_connects: 'escalation' is not one of connect\.quick_connects",
    ),
    (
        "local",
        'queue = "billing"\n\n[[connect.quick_connects]]',
        'queue = "billing"\nphone_number = "+12025550100"\n\n[[connect.quick_connects]]',
        r"connect\.quick_connects\[0\]: needs exactly one of queue and phone_number",
    ),
    (
        "local",
        'name = "to-billing"\nqueue = "billing"',
        'name = "to-billing"\nqueue = "sales"',
        r"quick_connects\[0\]\.queue: 'sales'",
    ),
    (
        "local",
        'phone_number = "+12025550143"',
        'phone_number = "202-555-0143"',
        r"quick_connects\[1\]\.phone_number: String",
    ),
    (
        "local",
        'name = "escalation-line"',
        'name = "to-billing"',
        r"connect\.quick_connects: names to-billing more than once",
    ),
    (
        "local",
        'quick_connects = ["escalation-line"]\n\n[[connect.quick_connects]]',
        'quick_connects = ["escalation-line", "to-support"]\n\n[[connect.quick_connects]]\nname = "to-support"\n'
        'queue = "support"\n\n[[connect.quick_connects]]',
        r"connect\.queues\[0\]\.quick_connects: lead back to support through queue quick connects",
    ),
    (
        "prod",
        '[[connect.phone_numbers]]\nname = "main"',
        '[[connect.phone_numbers]]\nname = "main"\n\n[[connect.phone_numbers]]\nname = "main"',
        r"connect\.phone_numbers: names main more than once",
    ),
    (
        "local",
        "chat = 0\nqueues",
        "chat = 0\nvoice = false\nqueues",
        r"connect\.routing_profiles\[1\]: serves no channel",
    ),
    (
        "local",
        "chat = 0\nqueues",
        "chat = 11\nqueues",
        r"connect\.routing_profiles\[1\]\.chat: .*less than or equal to 10",
    ),
    (
        "local",
        '{ queue = "support", priority = 2',
        '{ queue = "sales", priority = 2',
        r"connect\.routing_profiles\[1\]\.queues: 'sales' is not one of connect\.queues",
    ),
    (
        "local",
        '{ queue = "support", priority = 2',
        '{ queue = "billing", priority = 2',
        r"connect\.routing_profiles\[1\]\.queues: lists billing more than once",
    ),
    (
        "local",
        "priority = 2,",
        "priority = 100,",
        r"routing_profiles\[1\]\.queues\[1\]\.priority: .*less than or equal to 99",
    ),
    ("local", "delay_seconds = 30", "delay_seconds = 10000", r"routing_profiles\[1\]\.queues\[1\]\.delay_seconds: "),
    (
        "local",
        'outbound_queue = "billing"',
        'outbound_queue = "sales"',
        r"routing_profiles\[1\]\.outbound_queue: 'sales'",
    ),
    (
        "dev",
        "[connect]\n",
        '[connect]\nrouting_profiles = [{ name = "billing-only", queues = [{ queue = "billing" }] }]\n',
        r"connect\.routing_profiles: no profile serves support: no agent would answer it",
    ),
    (
        "dev",
        "[connect]\n",
        '[connect]\nsecurity_profiles = [{ name = "agent", permissions = ["BasicAgentAccess"] }, '
        '{ name = "agent", permissions = [] }]\n',
        r"connect\.security_profiles: names agent more than once",
    ),
    (
        "dev",
        "[connect]\n",
        '[connect]\nsecurity_profiles = [{ name = "agent", permissions = ["Basic Agent Access"] }]\n',
        r"connect\.security_profiles\[0\]\.permissions\[0\]: String should match",
    ),
    ("local", 'levels = ["Site", "Team"]', "levels = []", r"connect\.hierarchy\.levels: groups need levels"),
    ("local", 'levels = ["Site", "Team"]', 'levels = ["Site"]', r"hierarchy\.groups\[1\]: is at level 2; .* has 1"),
    (
        "local",
        'levels = ["Site", "Team"]',
        'levels = ["a", "b", "c", "d", "e", "f"]',
        r"hierarchy\.levels: .*at most 5",
    ),
    (
        "local",
        'parent = "headquarters"',
        'parent = "hq"',
        r"hierarchy\.groups\[1\]\.parent: 'hq' is not a group listed",
    ),
    ("local", 'routing_profile = "agents"', 'routing_profile = "generalists"', r"agents\[0\]\.routing_profile: 'gene"),
    (
        "local",
        'security_profiles = ["agent"]',
        'security_profiles = ["admin"]',
        r"agents\[0\]\.security_profiles: 'admin'",
    ),
    (
        "local",
        'security_profiles = ["agent"]',
        "security_profiles = []",
        r"agents\[0\]\.security_profiles: .*at least 1",
    ),
    (
        "local",
        'hierarchy_group = "headquarters"',
        'hierarchy_group = "hq"',
        r"agents\[0\]\.hierarchy_group: 'hq' is not",
    ),
    (
        "local",
        'hierarchy_group = "headquarters"',
        'hierarchy_group = "headquarters"\nphone_type = "DESK_PHONE"',
        r"connect\.agents\[0\]\.desk_phone_number: a DESK_PHONE agent needs the number Connect calls",
    ),
    (
        "local",
        'username = "bo.billing@example.com"',
        'username = "ana.agent@example.com"',
        r"connect\.agents: has username ana\.agent@example\.com more than once",
    ),
    ("local", 'username = "ana.agent@example.com"', 'username = "ana agent"', r"agents\[0\]\.username: String should"),
    (
        "local",
        'first_name = "Ana"',
        'first_name = ""',
        r"connect\.agents\[0\]\.first_name: String should have at least",
    ),
    ("local", 'last_name = "Agent"\n', "", r"connect\.agents\[0\]\.last_name: Field required"),
    ("local", 'email = "ana.agent@example.com"', 'email = "ana"', r"connect\.agents\[0\]\.email: String should match"),
    (
        "local",
        'hierarchy_group = "headquarters"',
        'hierarchy_group = "headquarters"\nphone_type = "MOBILE"',
        r"phone_type: ",
    ),
    (
        "local",
        'hierarchy_group = "headquarters"',
        'hierarchy_group = "headquarters"\nphone_type = "DESK_PHONE"\ndesk_phone_number = "555-0100"',
        r"connect\.agents\[0\]\.desk_phone_number: String should match",
    ),
    ("local", 'hierarchy_group = "headquarters"', 'hierarchy_group = "headquarters"\nauto_accept = "yes"', r"auto_acc"),
    ("local", "after_contact_work_seconds = 60", "after_contact_work_seconds = -1", r"agents\[1\]\.after_contact_work"),
    (
        "local",
        "chat = 0\nqueues",
        "chat = 0\ntasks = 11\nqueues",
        r"connect\.routing_profiles\[1\]\.tasks: .*less than",
    ),
    (
        "local",
        'description = "Billing first; support after 30 s"',
        f'description = "{"x" * 251}"',
        r"connect\.routing_profiles\[1\]\.description: String should have at most 250 characters",
    ),
    ("local", "max_contacts = 50\n", f'max_contacts = 50\ndescription = "{"x" * 251}"\n', r"queues\[0\]\.description"),
    (
        "local",
        'description = "Duty manager (fictional number)"',
        'description = ""',
        r"connect\.quick_connects\[1\]\.description: String should have at least 1 character",
    ),
    (
        "prod",
        '[[connect.phone_numbers]]\nname = "main"',
        '[[connect.phone_numbers]]\nname = "Main Line"',
        r"connect\.phone_numbers\[0\]\.name: String should match",
    ),
    (
        "dev",
        "[connect]\n",
        '[connect]\nsecurity_profiles = [{ name = "agent", description = "", permissions = ["BasicAgentAccess"] }]\n',
        r"connect\.security_profiles\[0\]\.description: String should have at least 1 character",
    ),
    (
        "dev",
        "[connect.recording]\n",
        '[connect.menu]\noptions = [{digit = "1", queue = "sales"}]\n\n[connect.recording]\n',
        r"connect\.menu\.options\[0\]\.queue: 'sales' is not one of connect\.queues",
    ),
    (
        "dev",
        "[connect.recording]\n",
        '[connect.menu]\noptions = [{digit = "1", queue = "support"}]\n\n[connect.recording]\n',
        r"connect\.menu: no menu key leads to billing",
    ),
    (
        "dev",
        "[connect.recording]\n",
        '[connect.menu]\noptions = [{digit = "1", queue = "support"}, {digit = "1", queue = "billing"}]\n\n'
        "[connect.recording]\n",
        r"connect\.menu\.options: key 1 leads to more than one queue",
    ),
    (
        "staging",
        "[connect]\n",
        '[connect.recording]\nparticipants = ["Agent"]\n\n[connect]\n',
        r"connect\.recording\.contact_lens: Contact Lens needs both",
    ),
    (
        "dev",
        'contact_lens = "off"',
        'contact_lens = "real_time"',
        r"connect\.recording\.contact_lens: the instance has Contact Lens off",
    ),
    ("prod", "prevent_destroy = true\n", "", r"connect\.prevent_destroy: production requires it"),
    (
        "dev",
        "[connect]\n",
        '[connect]\ntime_zone = "Mars/Olympus"\n',
        r"connect\.time_zone: 'Mars/Olympus' is not a known time zone",
    ),
    (
        "dev",
        "[connect.recording]\n",
        '[connect.hours]\nopens = "18:00"\ncloses = "08:00"\n\n[connect.recording]\n',
        r"connect\.hours\.closes: must be after connect\.hours\.opens \(18:00\)",
    ),
    (
        "dev",
        "[connect.recording]\n",
        '[connect.hours]\nopens = "25:00"\n\n[connect.recording]\n',
        r"connect\.hours\.opens: String should match",
    ),
    (
        "prod",
        "[lambdas.functions.authorizer]\nsnap_start = true\n",
        "[lambdas.functions.authorizer]\nsnap_start = true\nprovisioned_concurrency = 5\n",
        r"lambdas\.functions\.authorizer\.provisioned_concurrency: Lambda does not allow it together with snap_start",
    ),
    (
        "dev",
        "[api]\n",
        "[lambdas.functions.queue-experience]\nreserved_concurrency = 2\nprovisioned_concurrency = 3\n\n[api]\n",
        r"lambdas\.functions\.queue-experience\.provisioned_concurrency: 3 is more than .* reserved concurrency \(2\)",
    ),
    (
        "dev",
        "[api]\n",
        "[lambdas.functions.authorizer]\nprovisioned_concurrency = 0\n\n[api]\n",
        r"greater than or equal to 1",
    ),
    (
        "dev",
        "[api]\n",
        '[audit]\norganization_trail_arn = "arn:aws:cloudtrail:us-east-1:999999999999:trail/org"\n\n'
        "[api]\nmanage_account_logging = false\n",
        r"audit\.organization_trail_arn: only the env that owns the account's settings",
    ),
    (
        "dev",
        "[api]\n",
        '[audit]\norganization_trail_arn = "arn:aws:cloudtrail:us-east-1:999999999999:trail/org"\n\n[api]\n',
        None,
    ),
    (
        "dev",
        "[api]\n",
        '[audit]\norganization_trail_arn = "organization"\n\n[api]\n',
        r"audit\.organization_trail_arn: String should match",
    ),
    (
        "dev",
        "[dynamodb]\n",
        '[rds.restore_to_point_in_time]\nsource_instance = "cc-dev-postgres"\n\n[dynamodb]\n',
        None,
    ),
    (
        "dev",
        "[dynamodb]\n",
        'restore_from_snapshot = "cc-dev-postgres-manual-1"\n[rds.restore_to_point_in_time]\n'
        'source_instance = "cc-dev-postgres"\n\n[dynamodb]\n',
        r"rds\.restore_to_point_in_time: set either it or rds\.restore_from_snapshot, not both",
    ),
    (
        "dev",
        "[dynamodb]\n",
        "[rds.restore_to_point_in_time]\nrestore_time = 2026-11-26T01:00:00Z\n\n[dynamodb]\n",
        r"rds\.restore_to_point_in_time: name exactly one of source_instance",
    ),
    (
        "dev",
        "[dynamodb]\n",
        '[rds.restore_to_point_in_time]\nsource_instance = "cc-dev-postgres"\n'
        "restore_time = 2026-11-26T01:00:00\n\n[dynamodb]\n",
        r"rds\.restore_to_point_in_time\.restore_time: give the time zone",
    ),
    (
        "dev",
        "[dynamodb]\n",
        'restore_from_snapshot = "not a snapshot"\n\n[dynamodb]\n',
        r"rds\.restore_from_snapshot: String should match",
    ),
    (
        "prod",
        'backup_replication_region = "us-west-2"',
        'backup_replication_region = "us-east-1"',
        r"rds\.backup_replication_region: must differ from the primary region",
    ),
    (
        "prod",
        'backup_replication_region = "us-west-2"',
        "",
        r"rds\.backup_replication_region: production replicates the database's backups "
        r"to the buckets' DR region \(us-west-2\)",
    ),
    (
        "prod",
        'backup_replication_region = "us-west-2"',
        'backup_replication_region = "us-west-9"',
        r"rds\.backup_replication_region: 'us-west-9' is not an AWS region",
    ),
]


@pytest.mark.parametrize(("env", "old", "new", "expected"), BROKEN_FILES)
def test_broken_env_file_names_file_and_field(env_dir: Path, env: str, old: str, new: str, expected: str | None):
    edit(env_dir, env, old, new)
    if expected is None:
        assert load_env(env, env_dir).name == env
        return
    with pytest.raises(EnvConfigError, match=expected) as raised:
        load_env(env, env_dir)
    message = str(raised.value)
    assert message.startswith(f"{env_dir / env}.toml: ") or message.startswith(f"envs/{env}.toml: ")
    assert "\n" not in message


def test_invalid_toml_is_reported_with_its_position(env_dir: Path) -> None:
    edit(env_dir, "dev", 'region = "us-east-1"', "region = us-east-1")
    with pytest.raises(EnvConfigError, match=r"dev\.toml: invalid TOML: .*line 5, column 10"):
        load_env("dev", env_dir)


def test_a_file_that_is_not_utf8_is_named_not_a_traceback(env_dir: Path) -> None:
    path = env_dir / "dev.toml"
    path.write_bytes(path.read_bytes().replace(b'name_prefix = "cc"', b'name_prefix = "c\xe9"'))
    with pytest.raises(EnvConfigError, match=r"dev\.toml: not UTF-8 text \(byte \d+: invalid continuation byte\)"):
        load_env("dev", env_dir)


def test_a_prefix_and_env_name_too_long_for_aws_names_stop_at_load(env_dir: Path) -> None:
    """Each passes its own pattern; together they would make a bucket name over S3's 63 characters."""
    text = (env_dir / "dev.toml").read_text().replace('name = "dev"', 'name = "devsandboxwest"')
    (env_dir / "devsandboxwest.toml").write_text(text.replace('name_prefix = "cc"', 'name_prefix = "contactcenterplt"'))
    with pytest.raises(EnvConfigError) as raised:
        load_env("devsandboxwest", env_dir)
    message = str(raised.value)
    assert "name_prefix: with name 'devsandboxwest', the S3 bucket name contactcenterplt-devsandboxwest-" in message
    assert "would be 71 characters; AWS allows 63" in message and "\n" not in message


def test_unknown_environment_lists_the_known_ones(env_dir: Path) -> None:
    with pytest.raises(
        EnvConfigError, match=r"unknown environment 'qa'.*known environments: dev, local, prod, prod-dr, staging"
    ):
        load_env("qa", env_dir)


def test_every_problem_of_a_file_is_reported_at_once(env_dir: Path) -> None:
    edit(env_dir, "prod", "multi_az = true", "multi_az = false")
    edit(env_dir, "prod", "backup_retention_days = 30", "backup_retention_days = 2")
    with pytest.raises(EnvConfigError, match=r"rds\.multi_az: .*; rds\.backup_retention_days: "):
        load_env("prod", env_dir)


def test_resource_names_and_state_keys_come_from_prefix_and_env(configs: dict[str, EnvConfig]) -> None:
    dev = configs["dev"]
    assert dev.resource_name("vpc") == "cc-dev-vpc"
    assert dev.state_bucket == "cc-dev-tfstate-111111111111"
    assert dev.state_key("foundation-dev") == "dev/foundation-dev.tfstate"


def test_two_envs_in_one_account_and_region_cannot_both_manage_api_gateways_account_setting(env_dir: Path) -> None:
    from envs import load_envs

    staging = env_dir / "staging.toml"
    staging.write_text(staging.read_text().replace('account_id = "222222222222"', 'account_id = "111111111111"'))
    with pytest.raises(EnvConfigError, match=r"dev\.toml, .*staging\.toml: api\.manage_account_logging: API Gateway"):
        load_envs(["dev", "staging"], env_dir)
    staging.write_text(staging.read_text().replace("[api]\n", "[api]\nmanage_account_logging = false\n"))
    assert [config.name for config in load_envs(["dev", "staging"], env_dir)] == ["dev", "staging"]
