"""Recovery commands against moto in process: what an operator sees after `make snapshot`,
`make restore-buckets` and a refused `make destroy-layer`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from envs import EnvConfig
from modules.s3 import DataBucket, data_bucket_name
from tools import recovery


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def _client(config: EnvConfig, service: str, region: str) -> Any:
    return boto3.client(service, region_name=region)


def test_a_snapshot_is_named_by_time_tagged_with_why_and_waited_for(aws: Any, configs: dict[str, EnvConfig]) -> None:
    dev = configs["dev"]
    rds = boto3.client("rds", region_name=dev.region)
    rds.create_db_instance(DBInstanceIdentifier="cc-dev-postgres", Engine="postgres", DBInstanceClass="db.t4g.micro",
                           MasterUsername="cc_admin", MasterUserPassword="x" * 16, AllocatedStorage=20)  # fmt: skip
    at = datetime(2026, 11, 26, 2, 30, 5, tzinfo=UTC)
    snapshot = recovery.take_snapshot(dev, "before the schema change", rds, now=at, poll_seconds=0)
    assert snapshot["DBSnapshotIdentifier"] == "cc-dev-postgres-manual-20261126t023005z"
    assert snapshot["Status"] == "available" and snapshot["SnapshotType"] == "manual"
    tags = {
        tag["Key"]: tag["Value"]
        for tag in rds.list_tags_for_resource(ResourceName=snapshot["DBSnapshotArn"])["TagList"]
    }
    assert tags["Environment"] == "dev" and tags["cc:snapshot-reason"] == "before the schema change"


def test_a_snapshot_of_an_env_without_its_database_says_so(aws: Any, configs: dict[str, EnvConfig]) -> None:
    with pytest.raises(recovery.RecoveryError, match="dev has no database cc-dev-postgres to snapshot"):
        recovery.take_snapshot(configs["dev"], "x", boto3.client("rds", region_name="us-east-1"), poll_seconds=0)


def _versioned_bucket(s3: Any, name: str, region: str) -> None:
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **location)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def _history(s3: Any, bucket: str, key: str) -> list[bytes]:
    versions = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    ordered = [v for v in versions if v["Key"] == key][::-1]  # S3 lists newest first
    return [s3.get_object(Bucket=bucket, Key=key, VersionId=v["VersionId"])["Body"].read() for v in ordered]


def test_restore_copies_every_version_oldest_first_and_keeps_what_the_target_has(
    aws: Any, configs: dict[str, EnvConfig]
) -> None:
    prod = configs["prod"]
    source, target = boto3.client("s3", region_name="us-west-2"), boto3.client("s3", region_name="us-east-1")
    replica, primary = (data_bucket_name(prod, DataBucket.VOICEMAIL, replica=True),
                        data_bucket_name(prod, DataBucket.VOICEMAIL))  # fmt: skip
    assert replica == "cc-prod-voicemail-replica-333333333333"
    _versioned_bucket(source, replica, "us-west-2")
    _versioned_bucket(target, primary, "us-east-1")
    source.put_object(Bucket=replica, Key="voicemail/support/c1.wav", Body=b"first take")
    source.put_object(Bucket=replica, Key="voicemail/support/c1.wav", Body=b"second take", ContentType="audio/wav",
                      Metadata={"caller": "+12025550100"}, Tagging="queue=support")  # fmt: skip
    source.put_object(Bucket=replica, Key="voicemail/support/gone.wav", Body=b"deleted before the disaster")
    source.delete_object(Bucket=replica, Key="voicemail/support/gone.wav")
    source.put_object(Bucket=replica, Key="voicemail/billing/c2.wav", Body=b"old")
    target.put_object(Bucket=primary, Key="voicemail/billing/c2.wav", Body=b"written after the disaster")

    result = recovery.restore_bucket(source, target, replica, primary)

    assert (result.copied, result.kept_newer, result.deleted_at_source) == (
        2, ["voicemail/billing/c2.wav"], ["voicemail/support/gone.wav"])  # fmt: skip
    assert _history(target, primary, "voicemail/support/c1.wav") == [b"first take", b"second take"]
    head = target.head_object(Bucket=primary, Key="voicemail/support/c1.wav")
    assert head["ContentType"] == "audio/wav" and head["Metadata"]["caller"] == "+12025550100"
    tags = target.get_object_tagging(Bucket=primary, Key="voicemail/support/c1.wav")["TagSet"]
    assert tags == [{"Key": "queue", "Value": "support"}]
    assert _history(target, primary, "voicemail/billing/c2.wav") == [b"written after the disaster"]
    assert "Contents" not in target.list_objects_v2(Bucket=primary, Prefix="voicemail/support/gone.wav")

    again = recovery.restore_bucket(source, target, replica, primary)
    assert (again.copied, again.already_restored) == (0, 1)
    assert _history(target, primary, "voicemail/support/c1.wav") == [b"first take", b"second take"]


def test_a_restore_stopped_part_way_goes_on_where_it_stopped(aws: Any, configs: dict[str, EnvConfig]) -> None:
    source, target = boto3.client("s3", region_name="us-west-2"), boto3.client("s3", region_name="us-east-1")
    _versioned_bucket(source, "twin", "us-west-2")
    _versioned_bucket(target, "primary", "us-east-1")
    for body in (b"v1", b"v2", b"v3"):
        source.put_object(Bucket="twin", Key="k", Body=body)
    oldest = source.list_object_versions(Bucket="twin")["Versions"][-1]["VersionId"]
    recovery._copy_version(source, target, "twin", "primary", "k", oldest)  # the run that was cut off

    result = recovery.restore_bucket(source, target, "twin", "primary")

    assert (result.copied, result.kept_newer) == (2, [])
    assert _history(target, "primary", "k") == [b"v1", b"v2", b"v3"]


def test_restore_buckets_covers_every_data_bucket_of_the_env(aws: Any, configs: dict[str, EnvConfig]) -> None:
    prod = configs["prod"]
    for data in DataBucket:
        _versioned_bucket(
            boto3.client("s3", region_name="us-west-2"), data_bucket_name(prod, data, replica=True), "us-west-2"
        )
        _versioned_bucket(boto3.client("s3", region_name="us-east-1"), data_bucket_name(prod, data), "us-east-1")
    results = recovery.restore_buckets(prod, configs, client=_client)
    assert [(r.source, r.target) for r in results] == [
        (data_bucket_name(prod, data, replica=True), data_bucket_name(prod, data)) for data in DataBucket
    ]


def test_an_env_stood_up_elsewhere_restores_from_the_env_it_names(configs: dict[str, EnvConfig]) -> None:
    assert recovery.replica_source(configs["prod-dr"], configs) is configs["prod"]
    assert recovery.replica_source(configs["prod"], configs) is configs["prod"]
    with pytest.raises(recovery.RecoveryError, match="dev has no DR twins to restore from"):
        recovery.replica_source(configs["dev"], configs)
    stray = configs["dev"].model_copy(
        update={"storage": configs["dev"].storage.model_copy(update={"restore_from_env": "qa"})}
    )
    with pytest.raises(recovery.RecoveryError, match="names 'qa', which is not an env"):
        recovery.replica_source(stray, configs)


def test_destroying_a_layer_is_refused_outside_the_emulator_tier(configs: dict[str, EnvConfig], tmp_path: Path) -> None:
    for env in ("dev", "staging", "prod"):
        code = recovery.destroy_layer(configs[env], tmp_path, "data", allow_stateful_changes=True)
        assert code == recovery.EXIT_REFUSED


def test_an_unknown_env_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert recovery.main(["snapshot", "qa"]) == 1
    assert "unknown env 'qa'" in capsys.readouterr().err


def test_no_credentials_is_a_named_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from botocore.exceptions import NoCredentialsError

    def no_credentials(*args: object, **kwargs: object) -> None:
        raise NoCredentialsError()

    monkeypatch.setattr(recovery, "take_snapshot", no_credentials)
    assert recovery.main(["snapshot", "dev"]) == 1
    assert "error: AWS refused or was not reached (NoCredentialsError): Unable to locate credentials" in (
        capsys.readouterr().err
    )
