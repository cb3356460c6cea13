"""The PostgreSQL database: private, encrypted, TLS-only, secret managed by RDS, protected in prod."""

from __future__ import annotations

import json
from typing import Any

import pytest

from envs import EnvConfig
from tests.conftest import SynthFn
from tests.helpers import body, ref


@pytest.fixture(scope="module")
def data(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.data) for name, stacks in platform.items()}


def database(platform: dict[str, Any], env: str) -> Any:
    return platform[env].data.database


def instance(platform: dict[str, Any], data: dict[str, dict[str, Any]], env: str) -> dict[str, Any]:
    return body(data[env], database(platform, env).instance)


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_postgres_16_4_private_encrypted_with_the_data_key_and_iam_auth(
    platform: dict[str, Any], data: dict[str, dict[str, Any]], env: str
) -> None:
    db = instance(platform, data, env)
    key_arn = ref(platform[env].data.key.key, "arn")
    assert (db["engine"], db["engine_version"]) == ("postgres", "16.4")
    assert db["publicly_accessible"] is False
    assert db["storage_encrypted"] is True and db["kms_key_id"] == key_arn
    assert db["iam_database_authentication_enabled"] is True
    assert db["enabled_cloudwatch_logs_exports"] == ["postgresql", "upgrade"]
    assert db["copy_tags_to_snapshot"] is True


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_master_password_is_managed_by_rds_and_never_in_code_or_state(
    platform: dict[str, Any], data: dict[str, dict[str, Any]], env: str
) -> None:
    db = instance(platform, data, env)
    assert db["manage_master_user_password"] is True
    assert db["master_user_secret_kms_key_id"] == ref(platform[env].data.key.key, "arn")
    assert "password" not in db
    text = json.dumps(data[env]["resource"])
    assert "master_password" not in text and '"password"' not in text


def test_the_connection_secret_says_where_the_instance_is_and_holds_no_credential(
    platform: dict[str, Any], data: dict[str, dict[str, Any]]
) -> None:
    connection = database(platform, "prod").connection
    secret = body(data["prod"], connection)
    assert secret["name"] == "cc-prod/database/connection"
    assert secret["kms_key_id"] == ref(platform["prod"].data.key.key, "arn")
    (version,) = data["prod"]["resource"]["aws_secretsmanager_secret_version"].values()
    assert version["secret_id"] == ref(connection, "id")
    db = database(platform, "prod").instance
    written = version["secret_string"]
    fields = {"host": "address", "port": "port", "dbname": "db_name"}
    fields["credentials_secret_arn"] = "master_user_secret[0].secret_arn"
    for key, attribute in fields.items():
        assert f'"{key}" = {ref(db, attribute).strip("${}")}' in written, key
    assert "password" not in written and "username" not in written


def test_multi_az_deletion_protection_and_final_snapshot_in_prod_only(
    platform: dict[str, Any], data: dict[str, dict[str, Any]]
) -> None:
    prod, dev = instance(platform, data, "prod"), instance(platform, data, "dev")
    assert prod["multi_az"] is True and dev["multi_az"] is False
    assert prod["deletion_protection"] is True and dev["deletion_protection"] is False
    assert prod["lifecycle"] == {"prevent_destroy": True}
    assert dev["lifecycle"] == {"prevent_destroy": False}
    assert prod["skip_final_snapshot"] is False and prod["final_snapshot_identifier"] == "cc-prod-postgres-final"
    assert dev["skip_final_snapshot"] is True and "final_snapshot_identifier" not in dev


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_backups_follow_env_config(
    platform: dict[str, Any], data: dict[str, dict[str, Any]], configs: dict[str, EnvConfig], env: str
) -> None:
    assert instance(platform, data, env)["backup_retention_period"] == configs[env].rds.backup_retention_days


def test_manual_snapshot_is_an_env_switch(platform: dict[str, Any], data: dict[str, dict[str, Any]]) -> None:
    snapshot = database(platform, "prod").manual_snapshot
    assert snapshot is not None
    resource = body(data["prod"], snapshot)
    assert resource["db_instance_identifier"] == ref(database(platform, "prod").instance, "identifier")
    assert resource["lifecycle"] == {"prevent_destroy": True}
    assert database(platform, "dev").manual_snapshot is None


def test_security_group_admits_only_the_lambda_security_group_on_5432(
    platform: dict[str, Any], data: dict[str, dict[str, Any]]
) -> None:
    group = body(data["prod"], database(platform, "prod").security_group)
    (rule,) = group["ingress"]
    assert (rule["from_port"], rule["to_port"], rule["protocol"]) == (5432, 5432, "tcp")
    assert not rule.get("cidr_blocks") and not rule.get("ipv6_cidr_blocks")
    # The Lambda security group lives in the foundation stack (a cross-stack reference in the full synth).
    assert rule["security_groups"] == [ref(platform["prod"].foundation.network.lambda_security_group, "id")]
    assert "egress" not in group


def test_subnet_group_spans_the_private_subnets(platform: dict[str, Any], data: dict[str, dict[str, Any]]) -> None:
    subnets = body(data["prod"], database(platform, "prod").subnet_group)["subnet_ids"]
    assert subnets == [ref(subnet, "id") for subnet in platform["prod"].foundation.network.private_subnets]


def test_parameter_group_forces_tls_and_logs_slow_queries(
    platform: dict[str, Any], data: dict[str, dict[str, Any]]
) -> None:
    group = body(data["prod"], database(platform, "prod").parameter_group)
    assert group["family"] == "postgres16"
    parameters = {p["name"]: p["value"] for p in group["parameter"]}
    assert parameters["rds.force_ssl"] == "1"
    assert parameters["ssl_min_protocol_version"] == "TLSv1.2"
    assert parameters["log_min_duration_statement"] == "1000"
    assert instance(platform, data, "prod")["parameter_group_name"] == ref(
        database(platform, "prod").parameter_group, "name"
    )


def test_performance_insights_and_enhanced_monitoring_with_their_key_and_role(
    platform: dict[str, Any], data: dict[str, dict[str, Any]], configs: dict[str, EnvConfig]
) -> None:
    db = instance(platform, data, "prod")
    assert db["performance_insights_enabled"] is True
    assert db["performance_insights_kms_key_id"] == ref(platform["prod"].data.key.key, "arn")
    assert db["monitoring_interval"] == configs["prod"].rds.monitoring_interval_seconds
    role = database(platform, "prod").monitoring_role
    assert db["monitoring_role_arn"] == ref(role, "arn")
    trust = json.loads(body(data["prod"], role)["assume_role_policy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}


def test_exported_logs_go_to_encrypted_log_groups_created_first(
    platform: dict[str, Any], data: dict[str, dict[str, Any]]
) -> None:
    groups = data["prod"]["resource"]["aws_cloudwatch_log_group"].values()
    names = {group["name"] for group in groups}
    assert names == {"/aws/rds/instance/cc-prod-postgres/postgresql", "/aws/rds/instance/cc-prod-postgres/upgrade"}
    assert all(group["kms_key_id"] == ref(platform["prod"].data.key.key, "arn") for group in groups)
    assert len(instance(platform, data, "prod")["depends_on"]) == 2


def _restored(config: EnvConfig, synth: SynthFn, **rds: Any) -> dict[str, Any]:
    """The data stack's database instance for ``config`` with ``rds`` settings changed."""
    import cdktf

    from stacks.data import DataStack
    from stacks.foundation import FoundationStack
    from stacks.security import SecurityStack

    changed = config.model_copy(update={"rds": config.rds.model_copy(update=rds)})
    app = cdktf.Testing.app()
    foundation = FoundationStack(app, changed)
    stack = DataStack(app, changed, foundation, SecurityStack(app, changed, foundation))
    return body(synth(stack), stack.database.instance)


def test_a_snapshot_in_config_creates_the_database_from_it(configs: dict[str, EnvConfig], synth: SynthFn) -> None:
    db = _restored(configs["dev"], synth, restore_from_snapshot="cc-dev-postgres-manual-20261126t0100z")
    assert db["snapshot_identifier"] == "cc-dev-postgres-manual-20261126t0100z"
    assert "restore_to_point_in_time" not in db
    # Still the platform's database: same key, private, secret managed by RDS.
    assert db["storage_encrypted"] is True and db["manage_master_user_password"] is True


def test_point_in_time_restore_names_its_source_and_time(configs: dict[str, EnvConfig], synth: SynthFn) -> None:
    from datetime import UTC, datetime

    from envs.schema import PointInTimeRestore

    at = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
    db = _restored(
        configs["dev"],
        synth,
        restore_to_point_in_time=PointInTimeRestore(source_instance="cc-dev-postgres", restore_time=at),
    )
    assert db["restore_to_point_in_time"] == {
        "source_db_instance_identifier": "cc-dev-postgres",
        "restore_time": "2026-11-26T01:30:00Z",
    }
    latest = _restored(
        configs["dev"], synth, restore_to_point_in_time=PointInTimeRestore(source_instance="cc-dev-postgres")
    )
    assert latest["restore_to_point_in_time"] == {
        "source_db_instance_identifier": "cc-dev-postgres",
        "use_latest_restorable_time": True,
    }
    assert "snapshot_identifier" not in db and "snapshot_identifier" not in latest


def test_without_restore_settings_the_database_starts_empty(
    platform: dict[str, Any], data: dict[str, dict[str, Any]]
) -> None:
    for env in ("dev", "staging", "prod"):
        db = instance(platform, data, env)
        assert "snapshot_identifier" not in db and "restore_to_point_in_time" not in db


def test_prod_replicates_its_backups_to_the_dr_region_under_a_key_there(
    platform: dict[str, Any], data: dict[str, dict[str, Any]], configs: dict[str, EnvConfig]
) -> None:
    prod = database(platform, "prod")
    assert prod.backup_replication is not None
    replication = body(data["prod"], prod.backup_replication)
    assert replication["source_db_instance_arn"] == ref(prod.instance, "arn")
    assert replication["retention_period"] == configs["prod"].rds.backup_retention_days
    providers = {p.get("alias"): p for p in data["prod"]["provider"]["aws"]}
    assert providers["dr"]["region"] == configs["prod"].rds.backup_replication_region == "us-west-2"
    assert replication["provider"] == "aws.dr"
    keys = [k for k in data["prod"]["resource"]["aws_kms_key"].values() if k.get("provider") == "aws.dr"]
    assert len(keys) == 1 and keys[0]["enable_key_rotation"] is True
    assert (
        replication["kms_key_id"].startswith("${aws_kms_key.") and database(platform, "dev").backup_replication is None
    )
