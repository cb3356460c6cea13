"""Recovery commands (README "Runbook"): ``python -m tools.recovery snapshot|restore-buckets|destroy-layer``.

- ``snapshot ENV [--reason TEXT]`` (``make snapshot ENV=``): a manual, tagged snapshot of the env's
  database, waited for until available. Its identifier is what ``rds.restore_from_snapshot`` takes.
- ``restore-buckets ENV --from replica`` (``make restore-buckets ENV= FROM=replica``): every data
  bucket's objects copied back from its DR twin (``storage.cross_region_replication_region``). For an
  env stood up from another's data (``storage.restore_from_env``, e.g. ``prod-dr``) the twins are
  that env's. Every version is copied oldest first, so the history survives; nothing in the target
  is deleted or overwritten by an older copy; a second run copies nothing.
- ``destroy-layer ENV LAYER`` (``make destroy-layer``): the DR drill's destroy, for the emulator tier
  only. Its plan goes through the plan report first: destroying stateful resources is blocking
  (exit 3) until ``--allow-stateful-changes``.

Exit codes: 0 done; 1 error (named); 2 refused (wrong tier, nothing to restore from); 3 blocking.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from envs import EnvConfig, Tier, load_envs
from tools.plan_report import StackReport
from tools.terraform import REPO_ROOT, TerraformError

EXIT_REFUSED = 2
# Object metadata naming the DR-twin version a restored copy came from (what makes a rerun a no-op).
RESTORED_FROM = "restored-from-version"
SNAPSHOT_TAG = "cc:snapshot-reason"
# Resource types destroy-layer keeps (plan_layer_destroy says why).
KEPT_ON_DESTROY = ("aws_kms_key.", "aws_kms_alias.")
# What the DR drill (tests/emulator/dr_drill.py) measured, step by step, beside each step's floor:
# the runbook's recovery times and `make bench`'s floor of `make test` come from it.
DRILL_REPORT = REPO_ROOT / "reports" / "dr-drill-local.json"

ClientFactory = Callable[[EnvConfig, str, str], Any]


class RecoveryError(RuntimeError):
    """A recovery step that cannot go on, with what to do about it."""


def aws_client(config: EnvConfig, service: str, region: str) -> Any:
    """A boto3 client for ``service`` in ``region``: the emulator for the emulator tier, else AWS."""
    import boto3

    if config.emulator is None:
        return boto3.client(service, region_name=region)
    emulator = config.emulator
    return boto3.client(service, region_name=region, endpoint_url=emulator.url,
                        aws_access_key_id=emulator.access_key, aws_secret_access_key=emulator.secret_key)  # fmt: skip


# --- make snapshot ---------------------------------------------------------------------------------


def snapshot_identifier(config: EnvConfig, now: datetime) -> str:
    """``<prefix>-<env>-postgres-manual-<UTC time>``: sorts by time, and fits RDS's 255 characters."""
    from modules.rds import database_identifier

    return f"{database_identifier(config)}-manual-{now.astimezone(UTC):%Y%m%dt%H%M%Sz}"


def take_snapshot(
    config: EnvConfig, reason: str, client: Any, now: datetime | None = None, poll_seconds: float = 15
) -> dict[str, Any]:
    """A manual snapshot of the env's database, tagged with why and by what; returns it once available."""
    from modules.rds import database_identifier

    identifier = snapshot_identifier(config, now or datetime.now(UTC))
    tags = [
        {"Key": "Environment", "Value": config.name},
        {"Key": "CreatedBy", "Value": "make snapshot"},
        {"Key": SNAPSHOT_TAG, "Value": reason[:256]},
    ]
    try:
        client.create_db_snapshot(
            DBInstanceIdentifier=database_identifier(config), DBSnapshotIdentifier=identifier, Tags=tags
        )
    except client.exceptions.DBInstanceNotFoundFault as missing:
        raise RecoveryError(f"{config.name} has no database {database_identifier(config)} to snapshot") from missing
    while True:
        [snapshot] = client.describe_db_snapshots(DBSnapshotIdentifier=identifier)["DBSnapshots"]
        if snapshot["Status"] == "available":
            return dict(snapshot)
        if snapshot["Status"] in {"failed", "incompatible-restore"}:
            raise RecoveryError(f"snapshot {identifier} ended {snapshot['Status']}")
        time.sleep(poll_seconds)


# --- make restore-buckets --------------------------------------------------------------------------


@dataclass
class BucketRestore:
    """What one bucket's restore did: versions copied, keys already restored, keys kept as newer."""

    source: str
    target: str
    copied: int = 0
    already_restored: int = 0
    kept_newer: list[str] = field(default_factory=list)
    deleted_at_source: list[str] = field(default_factory=list)


def _versions_by_key(client: Any, bucket: str) -> Iterator[tuple[str, list[dict[str, Any]], dict[str, Any] | None]]:
    """(key, versions oldest first, latest delete marker or None) for every key of a versioned bucket."""
    versions: dict[str, list[dict[str, Any]]] = {}
    markers: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for version in page.get("Versions", []):
            versions.setdefault(version["Key"], []).append(version)
        for marker in page.get("DeleteMarkers", []):
            if marker.get("IsLatest"):
                markers[marker["Key"]] = marker
    for key in sorted(versions):
        # S3 lists a key's versions newest first (timestamps may tie within a second).
        yield key, versions[key][::-1], markers.get(key)


def _latest(client: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        return dict(client.head_object(Bucket=bucket, Key=key))
    except ClientError as error:
        if error.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise


def restore_bucket(source_client: Any, target_client: Any, source: str, target: str) -> BucketRestore:
    """Copy every version of every object of ``source`` into ``target``, oldest first, keeping what
    the target has: a key whose current object is newer than the DR copy stays as it is."""
    result = BucketRestore(source, target)
    for key, versions, delete_marker in _versions_by_key(source_client, source):
        if delete_marker is not None:
            result.deleted_at_source.append(key)  # deleted before the disaster: not brought back
            continue
        current = _latest(target_client, target, key)
        ids = [version["VersionId"] for version in versions]
        restored_from = current.get("Metadata", {}).get(RESTORED_FROM) if current else None
        if restored_from == ids[-1]:
            result.already_restored += 1
            continue
        if restored_from in ids:  # an earlier run stopped part way through this key: go on after it
            pending = ids[ids.index(restored_from) + 1 :]
        elif current is not None and current["LastModified"] >= versions[-1]["LastModified"]:
            result.kept_newer.append(key)
            continue
        else:
            pending = ids
        for version_id in pending:
            _copy_version(source_client, target_client, source, target, key, version_id)
            result.copied += 1
    return result


def _copy_version(source_client: Any, target_client: Any, source: str, target: str, key: str, version: str) -> None:
    """One version copied with its content type, metadata and tags; the target bucket's own key
    encrypts it. Multipart for large objects (boto3's managed copy)."""
    head = source_client.head_object(Bucket=source, Key=key, VersionId=version)
    tags = source_client.get_object_tagging(Bucket=source, Key=key, VersionId=version).get("TagSet", [])
    extra: dict[str, Any] = {
        "Metadata": {**head.get("Metadata", {}), RESTORED_FROM: version},
        "MetadataDirective": "REPLACE",
    }
    if head.get("ContentType"):
        extra["ContentType"] = head["ContentType"]
    if tags:
        extra["Tagging"] = "&".join(f"{_quote(tag['Key'])}={_quote(tag['Value'])}" for tag in tags)
        extra["TaggingDirective"] = "REPLACE"
    target_client.copy(
        {"Bucket": source, "Key": key, "VersionId": version}, target, key, ExtraArgs=extra, SourceClient=source_client
    )


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def replica_source(config: EnvConfig, configs: dict[str, EnvConfig]) -> EnvConfig:
    """The env whose DR twins hold the data: this one, or ``storage.restore_from_env``."""
    name = config.storage.restore_from_env or config.name
    if name not in configs:
        raise RecoveryError(f"storage.restore_from_env names {name!r}, which is not an env (envs/{name}.toml)")
    source = configs[name]
    if source.storage.cross_region_replication_region is None:
        raise RecoveryError(
            f"{name} has no DR twins to restore from: storage.cross_region_replication_region is not set"
        )
    return source


def restore_buckets(
    config: EnvConfig, configs: dict[str, EnvConfig], client: ClientFactory = aws_client
) -> list[BucketRestore]:
    """Every data bucket of ``config`` restored from its twin in the replica region."""
    from modules.s3 import DataBucket, data_bucket_name

    source_env = replica_source(config, configs)
    region = source_env.storage.cross_region_replication_region
    assert region is not None
    source_client, target_client = client(source_env, "s3", region), client(config, "s3", config.region)
    return [
        restore_bucket(
            source_client,
            target_client,
            data_bucket_name(source_env, data, replica=True),
            data_bucket_name(config, data),
        )
        for data in DataBucket
    ]


# --- make destroy-layer ----------------------------------------------------------------------------


def plan_layer_destroy(config: EnvConfig, outdir: Path, layer: str) -> tuple[Path, StackReport]:
    """The layer's stack planned for destroy (saved plan) and reported as a PR plan report would.

    Every resource goes except the KMS keys (and their aliases): a snapshot or backup stays
    encrypted with the key of the instance it was taken from, and AWS refuses to restore it while
    that key is scheduled for deletion. Keeping the key is what makes the restore possible, and the
    restored database then uses the very key the config names."""
    from stacks.layers import Layer
    from tools.deploy import init, json_run_failed
    from tools.plan_report import PLAN_FILE, destroy_report
    from tools.stack_graph import StackConfig
    from tools.terraform import run_terraform

    stack = Layer(layer).stack_name(config.name)
    path = outdir / "stacks" / stack
    init(path)
    # Targets from the configuration (a `terraform state list` would cost a Terraform run): a
    # resource that was never applied has nothing to destroy, and says so in the plan.
    targets = [f"-target={address}" for address in sorted(StackConfig.load(outdir, stack).resources)
               if not address.startswith(("data.", *KEPT_ON_DESTROY))]  # fmt: skip
    planned = run_terraform(
        path, "plan", "-destroy", "-input=false", "-no-color", "-json", *targets, f"-out={PLAN_FILE}", ok_codes=(0, 1)
    )
    if planned.returncode != 0:
        raise json_run_failed(planned, stack, "plan -destroy")
    report = destroy_report(stack, planned.stdout.splitlines())
    if not report.count("delete"):
        raise RecoveryError(f"{stack} has nothing applied to destroy")
    return path, report


def destroy_layer(config: EnvConfig, outdir: Path, layer: str, *, allow_stateful_changes: bool) -> int:
    """Plan the layer's destroy, report it like a PR plan, and apply it only when not blocking."""
    from tools.plan_report import PLAN_FILE, exit_code, markdown
    from tools.terraform import run_terraform

    if config.tier is not Tier.EMULATOR:
        print(f"refused: destroy-layer is for the emulator tier only ({config.name} is {config.tier.value})")
        return EXIT_REFUSED
    path, report = plan_layer_destroy(config, outdir, layer)
    print(markdown(config.name, [report]))
    code = exit_code([report], allow_stateful_changes=allow_stateful_changes)
    if code:
        return code
    run_terraform(path, "apply", "-input=false", "-no-color", PLAN_FILE)
    print(f"destroyed {report.stack}")
    return 0


# --- command line ----------------------------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.recovery", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    snap = commands.add_parser("snapshot", help="a manual, tagged snapshot of ENV's database")
    snap.add_argument("env")
    snap.add_argument("--reason", default="before a risky change", help="kept as the snapshot's tag")
    buckets = commands.add_parser("restore-buckets", help="copy ENV's data back from the DR twins")
    buckets.add_argument("env")
    buckets.add_argument("--from", dest="source", choices=["replica"], required=True)
    destroy = commands.add_parser("destroy-layer", help="destroy one layer of an emulator-tier env")
    destroy.add_argument("env")
    destroy.add_argument("layer")
    destroy.add_argument("--outdir", type=Path, default=REPO_ROOT / "cdktf.out")
    destroy.add_argument("--allow-stateful-changes", action="store_true")
    args = parser.parse_args(argv)
    configs = {config.name: config for config in load_envs()}
    if args.env not in configs:
        print(f"error: unknown env {args.env!r} (known: {', '.join(sorted(configs))})", file=sys.stderr)
        return 1
    config = configs[args.env]
    started = time.monotonic()
    try:
        if args.command == "snapshot":
            snapshot = take_snapshot(config, args.reason, aws_client(config, "rds", config.region))
            print(f"snapshot {snapshot['DBSnapshotIdentifier']} available ({time.monotonic() - started:.0f} s)")
            identifier = snapshot["DBSnapshotIdentifier"]
            print(f'to restore: rds.restore_from_snapshot = "{identifier}" in envs/{config.name}.toml')
            return 0
        if args.command == "restore-buckets":
            for result in restore_buckets(config, configs):
                print(f"{result.source} -> {result.target}: {result.copied} version(s) copied, "
                      f"{result.already_restored} already restored, {len(result.kept_newer)} kept (newer in target), "
                      f"{len(result.deleted_at_source)} deleted before the copy")  # fmt: skip
            print(f"restored in {time.monotonic() - started:.0f} s")
            return 0
        return destroy_layer(config, args.outdir, args.layer, allow_stateful_changes=args.allow_stateful_changes)
    except RecoveryError as error:
        print(f"refused: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except (BotoCoreError, ClientError) as error:
        print(f"error: AWS refused or was not reached ({type(error).__name__}): {error}", file=sys.stderr)
        return 1
    except (TerraformError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
