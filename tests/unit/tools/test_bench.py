"""The benchmark's measuring parts: process-tree memory, tree comparison, targets, what counts as floor.

The benchmark itself is `make bench` (minutes of wall time, figures that depend on the machine);
these check that what it prints is measured correctly.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.bench import (
    BenchError,
    Measurement,
    base_env,
    evaluate,
    measure,
    process_tree,
    provider_modules_used,
    render,
    tree_differences,
)
from tools.jsii_env import EAGER_IMPORT_VARIABLE, NODE_PRELOAD

ROOT = Path(__file__).resolve().parents[3]
ALLOCATE_120_MB = (
    "import time; data = bytearray(120 * 1024 * 1024); data[::4096] = b'x' * len(data[::4096]); time.sleep(0.3)"
)


def test_floor_imports_the_provider_modules_the_constructs_use(tmp_path: Path) -> None:
    (tmp_path / "network.py").write_text(
        "from cdktf import TerraformStack\n"
        "from cdktf_cdktf_provider_aws.vpc import Vpc\n"
        "from cdktf_cdktf_provider_aws.subnet import Subnet\n"
    )

    assert provider_modules_used([tmp_path]) == ["subnet", "vpc"]
    assert {"vpc", "lambda_function", "connect_instance", "provider"} <= set(provider_modules_used())


def test_measure_reports_the_peak_memory_of_a_child_and_its_children(tmp_path: Path) -> None:
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {ALLOCATE_120_MB!r}], check=True)"

    measured = measure("grandchild", [sys.executable, "-c", parent], {}, tmp_path / "log")

    assert measured.process_peak_mb >= 120, "wait4 covers descendants, as /usr/bin/time -v does"
    assert measured.tree_peak_mb >= measured.process_peak_mb
    assert 0.3 < measured.seconds < 30


def test_measure_refuses_a_failed_command_and_shows_its_output(tmp_path: Path) -> None:
    failing = [sys.executable, "-c", "print('synth broke'); raise SystemExit(3)"]

    with pytest.raises(BenchError, match=r"(?s)exited 3.*synth broke"):
        measure("broken synth", failing, {}, tmp_path / "log")


def test_process_tree_includes_grandchildren() -> None:
    sleeper = "import time; time.sleep(3)"
    child = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {sleeper!r}])"]
    )
    try:
        deadline = time.monotonic() + 10
        while len(process_tree(child.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(process_tree(child.pid)) == 2
    finally:
        child.kill()
        child.wait()


def test_tree_differences_names_changed_missing_and_extra_files(tmp_path: Path) -> None:
    left, right = tmp_path / "left", tmp_path / "right"
    for root in (left, right):
        (root / "stacks" / "vpc-dev").mkdir(parents=True)
        (root / "manifest.json").write_text("{}")
        (root / "stacks" / "vpc-dev" / "cdk.tf.json").write_text('{"a": 1}')
    assert tree_differences(left, right) == []

    (right / "stacks" / "vpc-dev" / "cdk.tf.json").write_text('{"a": 2}')
    (left / "stacks" / "vpc-dev" / "only-left.txt").write_text("x")

    assert tree_differences(left, right) == ["stacks/vpc-dev/cdk.tf.json", "stacks/vpc-dev/only-left.txt"]


def row(label: str, seconds: float, process: float = 200, tree: float = 300) -> Measurement:
    return Measurement(label, seconds, process, tree)


def test_targets_are_met_by_a_fast_small_deterministic_synth() -> None:
    targets = evaluate(row("floor", 12), row("naive", 65), row("ours", 6), row("warm", 0.1), [], [])

    assert [target.met for target in targets] == [True] * 7


def test_each_target_can_be_missed() -> None:
    slow_big = row("ours", 16, process=650, tree=900)

    targets = evaluate(row("floor", 12), row("naive", 40), slow_big, row("warm", 1.5), ["x"], ["y", "z"])

    assert {target.name: target.met for target in targets} == {
        "all envs synthesized vs the bare-import floor": False,
        "speed-up over naive per-env `cdktf synth`": False,
        "peak RSS of the full synth, largest process": True,
        "peak RSS of the full synth, process tree": False,
        "warm Lambda build, no change": False,
        "synth output, two runs": False,
        "synth output, ours vs the standard import": False,
    }
    assert "2 files differ" in render([row("floor", 12)], row("floor", 12), targets)


def test_runs_start_from_a_neutral_environment() -> None:
    env = base_env(
        {
            "PATH": "/usr/bin",
            "PLATFORM_ENVS": "dev",
            EAGER_IMPORT_VARIABLE: "1",
            "JSII_RUNTIME_PACKAGE_CACHE": "disabled",
            "NODE_OPTIONS": f'--max-old-space-size=2048 --require "{NODE_PRELOAD}"',
        }
    )

    assert "PLATFORM_ENVS" not in env and EAGER_IMPORT_VARIABLE not in env
    assert "JSII_RUNTIME_PACKAGE_CACHE" not in env, "jsii's default, as a user would have it"
    assert env["NODE_OPTIONS"] == "--max-old-space-size=2048"
    assert Path(env["TF_CLI_CONFIG_FILE"]).is_file()


def test_the_deploy_floor_follows_what_each_stack_waits_for(tmp_path: Path) -> None:
    """The floor follows every chain of fixed waits across stacks; the longest one is named."""
    from tests.unit.tools.test_stack_graph import REMOTE, write_env
    from tools.bench_loop import deploy_floor, render_floors, stack_floors
    from tools.stack_graph import stack_graph

    stacks = {
        "bootstrap-dev": {
            "resource": {"aws_kms_key": {"k": {}}, "aws_s3_bucket": {"b": {}},
                         "aws_s3_bucket_server_side_encryption_configuration": {"e": {"key": "${aws_kms_key.k.arn}"}},
                         "aws_s3_bucket_lifecycle_configuration": {"l": {"bucket": "${aws_s3_bucket.b.id}"}}},
            "output": {"state_bucket_name": {"value": "${aws_s3_bucket.b.bucket}",
                                             "depends_on": ["aws_s3_bucket_server_side_encryption_configuration.e"]}},
        },
        "data-dev": {
            "resource": {"aws_kms_key": {"k": {}}, "aws_db_instance": {"db": {"kms_key_id": "${aws_kms_key.k.arn}"}}},
            "output": {"db": {"value": "${aws_db_instance.db.address}"}},
        },
        "app-dev": {"resource": {"aws_sqs_queue": {"q": {"name": REMOTE % ("data-dev", "db")}}}},
    }  # fmt: skip
    outdir = write_env(tmp_path, stacks, {"app-dev": ["data-dev"]})
    report = {"stacks": [{"name": "data-dev", "started": 12.0, "ready": 104.0, "finished": 104.0}]}
    graph = stack_graph(outdir, "dev")
    floors = {floor.stack: floor for floor in stack_floors(graph, outdir, report)}
    # bootstrap: the KMS key before the state bucket is ready; its lifecycle rules after.
    assert (floors["bootstrap-dev"].floor_ready, floors["bootstrap-dev"].floor_whole) == (12.0, 55.0)
    # data, after the state bucket: its key, then the database its reader needs.
    assert (floors["data-dev"].floor_ready, floors["data-dev"].floor_whole) == (104.0, 104.0)
    assert floors["data-dev"].chain == ("aws_kms_key", "aws_db_instance")
    # 12 (state bucket ready) + 92 (data: key, then database) + 25 (the queue) = 129
    total, chain = deploy_floor(graph)
    assert total == 129.0
    assert chain == ["bootstrap-dev: aws_kms_key", "data-dev: aws_kms_key", "data-dev: aws_db_instance",
                     "app-dev: aws_sqs_queue"]  # fmt: skip
    table = render_floors(list(floors.values()), total, chain, 140.0)
    assert "internal/service/rds/instance.go" in table and "floor of the whole deploy" in table
    assert "data-dev: aws_kms_key -> data-dev: aws_db_instance" in table
    assert "data-dev" in table and "(applied in 92 s)" in table


def test_local_loop_targets_name_each_goal_and_can_be_missed() -> None:
    from tools.bench import loop_targets
    from tools.bench_loop import Timed
    from tools.cold_start import ColdStart

    loop = {
        "make local": Timed("make local", 270.0),
        "make plan": Timed("make plan", 30.0),
        "make plan-report": Timed("make plan-report", 39.0),
        "make drift": Timed("make drift", 41.0),
        "cold starts": [ColdStart("authorizer", 0.14, 0.21, 7), ColdStart("core_api", 0.37, None, 7)],
        "make test": Timed("make test", 350.0),
    }
    results = {target.name: target.met for target in loop_targets(loop)}
    assert results == {
        "make local, emulator stopped": False,
        "make plan ENV=local, applied": True,
        "make plan-report ENV=local, applied": True,
        "make drift ENV=local, applied": False,
        "authorizer: import + first call, median": True,
        "core_api: import, median": True,
        "make test, pytest part": True,
    }


def test_the_drill_table_sets_each_step_beside_its_floor(tmp_path: Path) -> None:
    """What the DR drill wrote (its steps, their floors and sources) is read back and shown."""
    import json

    from tools.bench_loop import DrillFigures, render_drill

    report = tmp_path / "dr-drill-local.json"
    report.write_text(json.dumps({
        "seconds": {"deploy": 130.5, "write data": 0.2, "destroy data layer": 63.0},
        "floors": {"deploy": 104.0, "destroy data layer": 60.0},
        "floor_sources": {"deploy": "bootstrap-local: aws_kms_key -> data-local: aws_db_instance",
                          "destroy data layer": "aws_db_instance deleted: waitDBInstanceDeleted"},
    }))  # fmt: skip
    table = render_drill(DrillFigures.load(report), 392.0)
    rows = {line.split("  ")[0].strip(): line for line in table.splitlines()}
    assert "130.5" in rows["deploy"] and "104" in rows["deploy"] and "data-local: aws_db_instance" in rows["deploy"]
    assert rows["write data"].split()[-1] == "-"  # a step without a floor
    assert "193.7" in rows["the steps together"] and "164" in rows["the steps together"]
    assert "measured 392 s (goal 360 s)" in table and "took 194 s and cannot take less than 164 s" in table
    assert "the other 198 s are pytest's start and end" in table
