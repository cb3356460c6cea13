"""The contact center's data buckets: private, encrypted, TLS-only, VPC-fenced, logged, expiring."""

from __future__ import annotations

from typing import Any

import pytest

from envs import EnvConfig
from modules.s3 import CONNECT_WRITES, DataBucket
from tests.conftest import SynthFn
from tests.helpers import as_list, body, policy, ref

REAL_ENVS = ("dev", "staging", "prod")


@pytest.fixture(scope="module")
def foundation(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.foundation) for name, stacks in platform.items()}


def storage(platform: dict[str, Any], env: str) -> Any:
    return platform[env].foundation.storage


def data_buckets(platform: dict[str, Any], env: str) -> dict[DataBucket, Any]:
    return dict(storage(platform, env).buckets)


def statements_of(synthesized: dict[str, Any], bucket: Any) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in policy(body(synthesized, bucket.policy))["Statement"]}


def test_one_bucket_per_data_class_named_by_prefix_env_purpose_account(
    platform: dict[str, Any], foundation: dict[str, dict[str, Any]]
) -> None:
    names = {env: {bucket_name(platform, foundation, env, data) for data in DataBucket} for env in REAL_ENVS}
    assert names["prod"] == {
        "cc-prod-recordings-333333333333",
        "cc-prod-voicemail-333333333333",
        "cc-prod-exports-333333333333",
        "cc-prod-screen-recordings-333333333333",
        "cc-prod-command-center-333333333333",
    }
    assert not names["dev"] & names["prod"]


def bucket_name(platform: dict[str, Any], foundation: dict[str, dict[str, Any]], env: str, data: DataBucket) -> str:
    return str(body(foundation[env], storage(platform, env).buckets[data].bucket)["bucket"])


@pytest.mark.parametrize("env", REAL_ENVS)
def test_every_data_bucket_is_private_versioned_and_encrypted_with_the_rotating_storage_key(
    platform: dict[str, Any], foundation: dict[str, dict[str, Any]], env: str
) -> None:
    synthesized = foundation[env]
    key = storage(platform, env).key.key
    assert body(synthesized, key)["enable_key_rotation"] is True
    for bucket in data_buckets(platform, env).values():
        block = body(synthesized, bucket.public_access_block)
        assert [block[f] for f in ("block_public_acls", "block_public_policy", "ignore_public_acls")] == [True] * 3
        assert block["restrict_public_buckets"] is True
        assert body(synthesized, bucket.ownership)["rule"]["object_ownership"] == "BucketOwnerEnforced"
        assert body(synthesized, bucket.versioning)["versioning_configuration"]["status"] == "Enabled"
        (rule,) = body(synthesized, bucket.encryption)["rule"]
        assert rule["apply_server_side_encryption_by_default"] == {
            "sse_algorithm": "aws:kms",
            "kms_master_key_id": ref(key, "arn"),
        }
        assert rule["bucket_key_enabled"] is True


@pytest.mark.parametrize("env", REAL_ENVS)
def test_every_bucket_denies_requests_without_tls(
    platform: dict[str, Any], foundation: dict[str, dict[str, Any]], env: str
) -> None:
    buckets = [*data_buckets(platform, env).values(), storage(platform, env).access_logs]
    for bucket in buckets:
        deny = statements_of(foundation[env], bucket)["DenyInsecureTransport"]
        assert deny["Effect"] == "Deny"
        assert deny["Principal"] == {"AWS": "*"}
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_connect_and_vpc_only_buckets_deny_object_access_from_outside_the_vpc(
    platform: dict[str, Any], foundation: dict[str, dict[str, Any]]
) -> None:
    prod = foundation["prod"]
    vpc_id = ref(platform["prod"].foundation.network.vpc, "id")
    connect_role = (
        "arn:aws:iam::333333333333:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect*"
    )
    replication_role = "arn:aws:iam::333333333333:role/cc-prod-s3-replication"
    for data, bucket in data_buckets(platform, "prod").items():
        fence = statements_of(prod, bucket).get("DenyDataAccessOutsideVpc")
        if data is DataBucket.EXPORTS:
            assert fence is None, "Firehose delivers exports from outside the VPC"
            continue
        assert fence is not None, data
        assert fence["Effect"] == "Deny"
        assert "s3:GetObject*" in fence["Action"] and "s3:PutObject*" in fence["Action"]
        assert fence["Condition"]["StringNotEquals"] == {"aws:SourceVpc": vpc_id}
        exempt = fence["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
        assert (connect_role in exempt) == (data in CONNECT_WRITES)
        assert replication_role in exempt, "replication reads objects from outside the VPC"
    voicemail = statements_of(prod, data_buckets(platform, "prod")[DataBucket.VOICEMAIL])
    assert (
        "arn:aws:iam::333333333333:role/cc-prod-notification-fn"
        in (voicemail["DenyDataAccessOutsideVpc"]["Condition"]["ArnNotLike"]["aws:PrincipalArn"])
    )


@pytest.mark.parametrize("env", REAL_ENVS)
def test_every_data_bucket_logs_access_to_the_sse_s3_log_bucket(
    platform: dict[str, Any], foundation: dict[str, dict[str, Any]], env: str
) -> None:
    synthesized = foundation[env]
    log_bucket = storage(platform, env).access_logs
    (rule,) = body(synthesized, log_bucket.encryption)["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}
    for bucket in data_buckets(platform, env).values():
        logging = body(synthesized, bucket.access_logging)
        assert logging["target_bucket"] == ref(log_bucket.bucket, "id")
        assert logging["target_prefix"] == f"{body(synthesized, bucket.bucket)['bucket']}/"
    delivery = statements_of(synthesized, log_bucket)["AllowServerAccessLogDelivery"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:s3:::cc-{env}-*"}


def rules_of(synthesized: dict[str, Any], bucket: Any) -> dict[str, dict[str, Any]]:
    return {rule["id"]: rule for rule in body(synthesized, bucket.lifecycle)["rule"]}


@pytest.mark.parametrize("env", REAL_ENVS)
def test_lifecycle_follows_each_data_class_from_env_config(
    platform: dict[str, Any], foundation: dict[str, dict[str, Any]], configs: dict[str, EnvConfig], env: str
) -> None:
    storage_config = configs[env].storage
    buckets = data_buckets(platform, env)
    recordings = rules_of(foundation[env], buckets[DataBucket.RECORDINGS])["retention"]
    assert recordings["transition"] == [
        {"days": storage_config.recordings_transition_to_ia_days, "storage_class": "STANDARD_IA"},
        {"days": storage_config.recordings_transition_to_glacier_days, "storage_class": "GLACIER"},
    ]
    assert recordings["expiration"] == [{"days": storage_config.recordings_expiration_days}]
    exports = rules_of(foundation[env], buckets[DataBucket.EXPORTS])["retention"]
    assert exports["expiration"] == [{"days": storage_config.exports_expiration_days}]
    assert storage_config.exports_expiration_days < storage_config.recordings_expiration_days
    for bucket in buckets.values():
        noncurrent = rules_of(foundation[env], bucket)["expire-noncurrent-versions"]
        assert noncurrent["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]


def test_prod_buckets_cannot_be_destroyed_and_dev_buckets_can_be_emptied(
    platform: dict[str, Any], foundation: dict[str, dict[str, Any]]
) -> None:
    for bucket in data_buckets(platform, "prod").values():
        resource = body(foundation["prod"], bucket.bucket)
        assert resource["lifecycle"] == {"prevent_destroy": True}
        assert resource["force_destroy"] is False
    for bucket in data_buckets(platform, "dev").values():
        assert body(foundation["dev"], bucket.bucket)["force_destroy"] is True


def test_prod_replicates_every_data_bucket_to_its_dr_twin(
    platform: dict[str, Any], foundation: dict[str, dict[str, Any]]
) -> None:
    prod = foundation["prod"]
    replica = storage(platform, "prod").replica
    assert replica is not None
    (replica_provider,) = [p for p in prod["provider"]["aws"] if p.get("alias") == "replica"]
    assert replica_provider["region"] == "us-west-2"
    configs = prod["resource"]["aws_s3_bucket_replication_configuration"]
    assert len(configs) == len(DataBucket)
    targets = {config["rule"][0]["destination"]["bucket"] for config in configs.values()}
    assert targets == {ref(replica.buckets[data].bucket, "arn") for data in DataBucket}
    for config in configs.values():
        (rule,) = config["rule"]
        assert rule["source_selection_criteria"]["sse_kms_encrypted_objects"]["status"] == "Enabled"
        assert rule["destination"]["encryption_configuration"]["replica_kms_key_id"] == ref(replica.key.key, "arn")
    for bucket in replica.buckets.values():
        assert body(prod, bucket.bucket)["provider"] == "aws.replica"


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_replication_is_off_by_default(
    platform: dict[str, Any], foundation: dict[str, dict[str, Any]], env: str
) -> None:
    assert storage(platform, env).replica is None
    assert "aws_s3_bucket_replication_configuration" not in foundation[env]["resource"]


def test_replication_role_reads_sources_and_writes_only_replicas(
    platform: dict[str, Any], foundation: dict[str, dict[str, Any]]
) -> None:
    replication = storage(platform, "prod").replication_role
    assert replication is not None
    trust = policy(body(foundation["prod"], replication.role), "assume_role_policy")["Statement"][0]
    assert trust["Principal"] == {"Service": "s3.amazonaws.com"}
    for statement in policy(body(foundation["prod"], replication.policy))["Statement"]:
        assert all("*" not in action for action in statement["Action"])
        assert "*" not in as_list(statement["Resource"])
