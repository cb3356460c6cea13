"""The disaster-recovery drill (README "Runbook"), on an emulator of its own beside the shared deploy.

The drill's emulator keeps RDS data on a real PostgreSQL server (tools/emulator_plugins/rds_data.py),
so "the restored database matches" compares rows, not records. Steps, each timed:

1. deploy the `local` env's bootstrap, foundation, security and data stacks, with DR twins of the buckets in
   us-west-2 (``storage.cross_region_replication_region``);
2. write data: the platform's schema (its migrations) and rows in the database; voicemail objects
   (two versions of one) in the primary bucket and, as S3 replication would (the emulator does not
   replicate), the same versions in its twin;
3. ``make snapshot`` (tools.recovery.take_snapshot);
4. ``make destroy-layer LAYER=data``: the plan report blocks it (exit 3, the database and table
   named), then, allowed, the layer is destroyed; the voicemail bucket loses every version;
5. restore through config: the data stack synthesized with ``rds.restore_from_snapshot`` and
   applied; ``make restore-buckets FROM=replica``;
6. compare: every table's rows, every object version; a second plan of the restored layer is empty.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from envs import EnvConfig
from envs.schema import EmulatorConfig
from tools.emulator import Emulator, free_loopback_port, loopback_url, start_emulator
from tools.local_postgres import PostgresServer

LAMBDAS_SHARED = Path(__file__).resolve().parents[2] / "lambdas" / "shared"
DRILL_TIME = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # names the snapshot, so the restore config is known up front
REPLICA_REGION = "us-west-2"
STACKS = ("bootstrap-local", "foundation-local", "security-local", "data-local")  # data grants on security's roles
DEPLOY, DESTROY, RESTORE = "deploy", "destroy data layer", "restore database (apply with rds.restore_from_snapshot)"
VOICEMAILS = {
    "voicemail/support/drill-1.wav": [b"RIFF first recording", b"RIFF re-recorded"],
    "voicemail/billing/drill-2.wav": [b"RIFF billing message"],
}


@dataclass
class DrillSetup:
    """What the drill runs against, prepared (and synthesized) in the fixture's thread."""

    postgres: PostgresServer
    emulator: Emulator
    config: EnvConfig  # `local`, pointed at the drill's emulator, with DR twins
    deployed: Path  # its cdktf.out
    restoring: EnvConfig  # the same env with rds.restore_from_snapshot set
    snapshot: str
    # The restoring config's cdktf.out: synthesized once the drill runs (``synthesize_restore``),
    # so that the drill, the level's longest path, starts after one synth instead of two.
    restored: Future[Path] = field(default_factory=Future)
    prepared_in: float = 0.0  # seconds to start its emulator and synthesize the deployed config


@dataclass
class DrillResult:
    seconds: dict[str, float] = field(default_factory=dict)
    floors: dict[str, float] = field(default_factory=dict)  # the provider's fixed waits on each step
    floor_sources: dict[str, str] = field(default_factory=dict)  # what sets each floor
    blocked_exit: int | None = None
    blocking: list[str] = field(default_factory=list)
    database_gone_after_destroy: bool = False
    rows_written: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    rows_restored: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    objects_written: dict[str, list[bytes]] = field(default_factory=dict)
    objects_after_loss: dict[str, list[bytes]] = field(default_factory=dict)
    objects_restored: dict[str, list[bytes]] = field(default_factory=dict)
    restored_snapshot: str | None = None
    second_plan_exit: int | None = None
    second_plan: str = ""


def drill_config(local: EnvConfig, emulator_url: str) -> EnvConfig:
    storage = local.storage.model_copy(update={"cross_region_replication_region": REPLICA_REGION})
    return local.model_copy(update={"emulator": EmulatorConfig(endpoint=emulator_url), "storage": storage})


def prepare_drill(
    local: EnvConfig, workdir: Path, postgres: Future[PostgresServer], synthesize: Callable[[EnvConfig, Path], Path]
) -> DrillSetup:
    """Synthesize the deployed config (jsii: caller's thread) while the drill's emulator starts on
    ``postgres`` (once that has started) in a thread: the synth needs only the emulator's port."""
    from tools.recovery import snapshot_identifier

    started = time.monotonic()
    port = free_loopback_port()
    config = drill_config(local, loopback_url(port))
    snapshot = snapshot_identifier(config, DRILL_TIME)
    restoring = config.model_copy(update={"rds": config.rds.model_copy(update={"restore_from_snapshot": snapshot})})
    with ThreadPoolExecutor(1, thread_name_prefix="drill-emulator") as starting:
        emulator = starting.submit(
            lambda: start_emulator(port, log_path=workdir / "emulator.log", postgres=postgres.result())
        )
        try:
            (workdir / "deployed").mkdir()
            deployed = synthesize(config, workdir / "deployed" / "cdktf.out")
        except BaseException:
            if emulator.exception() is None:  # started after all: stopped, not left running
                emulator.result().stop()
            raise
    setup = DrillSetup(postgres.result(), emulator.result(), config, deployed, restoring, snapshot)
    setup.prepared_in = round(time.monotonic() - started, 1)
    return setup


def synthesize_restore(setup: DrillSetup, workdir: Path, synthesize: Callable[[EnvConfig, Path], Path]) -> None:
    """The restoring config, synthesized (jsii: caller's thread) for the drill's restore step; on
    failure the drill's restore step raises the same error instead of waiting for it."""
    try:
        (workdir / "restored").mkdir()
        setup.restored.set_result(synthesize(setup.restoring, workdir / "restored" / "cdktf.out"))
    except BaseException as error:
        setup.restored.set_exception(error)
        raise


def run_drill(setup: DrillSetup, client: Callable[[EnvConfig, str, str], Any]) -> DrillResult:
    """The drill's steps (module docstring); stops the drill's emulator at the end."""
    try:
        return _drill(setup, client)
    finally:
        setup.emulator.stop()


@contextmanager
def _timed(result: DrillResult, step: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    result.seconds[step] = round(time.monotonic() - started, 1)


def _drill(setup: DrillSetup, client: Callable[[EnvConfig, str, str], Any]) -> DrillResult:
    from modules.s3 import DataBucket, data_bucket_name
    from tools.deploy import Priority, deploy_env, init
    from tools.emulator_plugins.rds_data import database_name
    from tools.plan_report import PLAN_FILE, detailed_plan, exit_code
    from tools.recovery import plan_layer_destroy, restore_buckets, take_snapshot
    from tools.terraform import run_terraform

    config, result = setup.config, DrillResult()
    ahead = Priority.AHEAD_OF_BACKGROUND
    result.seconds["start (its emulator, synth of the env)"] = setup.prepared_in
    # The level ends when the drill does: its deploys go ahead of the niced work beside it (the
    # shared deploy, the tests, the computing levels), their critical path first.
    result.floors, result.floor_sources = drill_floors(setup.deployed)
    with _timed(result, DEPLOY):
        deploy_env(setup.deployed, "local", report=lambda line: None, only=STACKS, priority=ahead,
                   collect_outputs=False)  # fmt: skip
    database = database_name("cc-local-postgres")
    primary = data_bucket_name(config, DataBucket.VOICEMAIL)
    twin = data_bucket_name(config, DataBucket.VOICEMAIL, replica=True)
    s3, s3_twin = client(config, "s3", config.region), client(config, "s3", REPLICA_REGION)

    with _timed(result, "write data"):
        result.rows_written = _write_rows(setup.postgres, database)
        for key, versions in VOICEMAILS.items():
            for body in versions:
                s3.put_object(Bucket=primary, Key=key, Body=body)
                s3_twin.put_object(Bucket=twin, Key=key, Body=body)  # what S3 replication delivers
        result.objects_written = _objects(s3, primary)

    with _timed(result, "snapshot"):
        take_snapshot(config, "dr drill", client(config, "rds", config.region), now=DRILL_TIME, poll_seconds=1)

    with _timed(result, "plan report of the destroy (blocking, exit 3)"):
        path, report = plan_layer_destroy(config, setup.deployed, "data")
        result.blocking = sorted(f"{change.address} {change.action}" for change in report.blocking)
        result.blocked_exit = exit_code([report], allow_stateful_changes=False)
    # The restore's stack is initialized while the destroy waits on RDS: an init is a second of CPU.
    with ThreadPoolExecutor(1, thread_name_prefix="restore-init") as beside_destroy:
        restore_initialized = beside_destroy.submit(lambda: init(setup.restored.result() / "stacks" / "data-local"))
        with _timed(result, DESTROY):
            run_terraform(path, "apply", "-input=false", "-no-color", PLAN_FILE)
            _lose_every_version(s3, primary)
    result.database_gone_after_destroy = not setup.postgres.has_database(database)
    result.objects_after_loss = _objects(s3, primary)

    with _timed(result, RESTORE):
        restore_initialized.result()
        restored = setup.restored.result()
        deploy_env(restored, "local", report=lambda line: None, only=("data-local",), priority=ahead,
                   collect_outputs=False)  # fmt: skip
    with _timed(result, "restore buckets (restore-buckets FROM=replica)"):
        restore_buckets(config, {config.name: config}, client=client)
    with _timed(result, "read back: rows, versions, a second plan"):
        rds = client(config, "rds", config.region)
        [instance] = rds.describe_db_instances(DBInstanceIdentifier="cc-local-postgres")["DBInstances"]
        result.restored_snapshot = instance.get("DBSnapshotIdentifier") or setup.snapshot
        result.rows_restored = _read_rows(setup.postgres, database)
        result.objects_restored = _objects(s3, primary)
        result.second_plan_exit, plan = detailed_plan(restored / "stacks" / "data-local")
        result.second_plan = _changed_attributes(plan)
    return result


def drill_floors(deployed: Path) -> tuple[dict[str, float], dict[str, str]]:
    """The least each long step can take (the provider's fixed waits, tools/provider_waits.py), and
    what sets it: for the deploy, its chain of waits ("stack: resource type", in order)."""
    from tools.provider_waits import DB_INSTANCE_DELETED, DB_INSTANCE_RESTORED
    from tools.stack_graph import stack_graph

    graph = stack_graph(deployed, "local", only=STACKS)
    chain = " -> ".join(f"{stack}: {address.split('.')[0]}" for stack, address in graph.critical_chain())
    floors = {DEPLOY: graph.longest_chain, DESTROY: DB_INSTANCE_DELETED.seconds, RESTORE: DB_INSTANCE_RESTORED.seconds}
    sources = {
        DEPLOY: chain,
        DESTROY: f"aws_db_instance deleted: {DB_INSTANCE_DELETED.source}",
        RESTORE: f"aws_db_instance restored: {DB_INSTANCE_RESTORED.source}",
    }
    return floors, sources


def _changed_attributes(plan: dict[str, Any]) -> str:
    """What a plan would change, attribute by attribute (the drill's failure message)."""
    lines = []
    for change in plan.get("resource_changes", []):
        if change["change"]["actions"] == ["no-op"]:
            continue
        before, after = change["change"].get("before") or {}, change["change"].get("after") or {}
        differing = {key: (before.get(key), after.get(key)) for key in sorted({*before, *after})
                     if before.get(key) != after.get(key)}  # fmt: skip
        lines.append(f"{change['address']} {change['change']['actions']}: {differing}")
    return "\n".join(lines)


def _write_rows(server: PostgresServer, database: str) -> dict[str, list[tuple[Any, ...]]]:
    if str(LAMBDAS_SHARED) not in sys.path:
        sys.path.insert(0, str(LAMBDAS_SHARED))
    from cc_shared import migrations

    with server.connect(database) as connection:
        migrations.apply(connection)
        connection.execute("INSERT INTO queues (queue_id, name) VALUES ('support', 'Support'), ('billing', 'Billing')")
        connection.execute(
            "INSERT INTO contacts (contact_id, channel, initiation_method, queue_name, initiated_at, last_update_at,"
            " attributes) VALUES ('c-1', 'VOICE', 'INBOUND', 'support', now(), now(), '{\"voicemail\": \"true\"}'),"
            " ('c-2', 'CHAT', 'INBOUND', 'billing', now(), now(), '{}')"
        )
    return _read_rows(server, database)


def _read_rows(server: PostgresServer, database: str) -> dict[str, list[tuple[Any, ...]]]:
    with server.connect(database) as connection:
        tables = [row[0] for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]  # fmt: skip
        return {table: connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall() for table in tables}


def _objects(s3: Any, bucket: str) -> dict[str, list[bytes]]:
    """Every key's versions, oldest first (S3 lists them newest first)."""
    listed = s3.list_object_versions(Bucket=bucket).get("Versions", [])
    history: dict[str, list[bytes]] = {}
    for version in reversed(listed):
        body = s3.get_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])["Body"].read()
        history.setdefault(version["Key"], []).append(body)
    return history


def _lose_every_version(s3: Any, bucket: str) -> None:
    listed = s3.list_object_versions(Bucket=bucket)
    for entry in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]:
        s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
