"""The stack graph: who waits for whom, and what a stack must apply before its readers may start."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tools.stack_graph import StackConfig, StackGraphError, ordered, references, stack_graph

REMOTE = "${data.terraform_remote_state.cross-stack-reference-input-%s.outputs.%s}"


def write_env(outdir: Path, stacks: dict[str, dict[str, Any]], dependencies: dict[str, list[str]]) -> Path:
    for name, document in stacks.items():
        (outdir / "stacks" / name).mkdir(parents=True)
        (outdir / "stacks" / name / "cdk.tf.json").write_text(json.dumps(document))
    manifest = {"stacks": {name: {"dependencies": dependencies.get(name, [])} for name in stacks}}
    (outdir / "manifest.json").write_text(json.dumps(manifest))
    return outdir


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    """bootstrap -> foundation (network + a bucket whose lifecycle waits 55 s) -> data (reads the subnet)."""
    bootstrap = {
        "resource": {
            "aws_s3_bucket": {"state": {"bucket": "state"}},
            "aws_s3_bucket_versioning": {"state_v": {"bucket": "${aws_s3_bucket.state.id}"}},
            "aws_s3_bucket_lifecycle_configuration": {"state_l": {"bucket": "${aws_s3_bucket.state.id}"}},
        },
        "output": {
            "state_bucket_name": {
                "value": "${aws_s3_bucket.state.bucket}",
                "depends_on": ["aws_s3_bucket_versioning.state_v"],
            }
        },
    }
    foundation = {
        "resource": {
            "aws_vpc": {"vpc": {"cidr_block": "10.0.0.0/16"}},
            "aws_subnet": {"subnet": {"vpc_id": "${aws_vpc.vpc.id}"}},
            "aws_s3_bucket": {"data": {"bucket": "data"}},
            "aws_s3_bucket_lifecycle_configuration": {"data_l": {"bucket": "${aws_s3_bucket.data.id}"}},
        },
        "output": {"subnet_id": {"value": "${aws_subnet.subnet.id}"}},
    }
    data = {
        "data": {"terraform_remote_state": {"cross-stack-reference-input-foundation-dev": {}}},
        "resource": {"aws_db_subnet_group": {"group": {"subnet_ids": [REMOTE % ("foundation-dev", "subnet_id")]}}},
    }
    stacks = {"bootstrap-dev": bootstrap, "foundation-dev": foundation, "data-dev": data}
    return write_env(tmp_path, stacks, {"data-dev": ["foundation-dev"]})


def test_references_find_resources_and_data_sources_inside_expressions() -> None:
    value = {"a": "${aws_s3_bucket.logs_1A2B.arn}/*", "b": ["${jsonencode(data.aws_iam_policy_document.p.json)}"]}
    assert references(value) == {"aws_s3_bucket.logs_1A2B", "data.aws_iam_policy_document.p"}
    assert references({"plain": "aws_s3_bucket.not_an_expression", "each": "${each.value}"}) == set()


def test_every_stack_needs_bootstrap_and_what_it_reads(outdir: Path) -> None:
    graph = stack_graph(outdir, "dev")
    assert graph.order == ("bootstrap-dev", "foundation-dev", "data-dev")
    assert graph.nodes["foundation-dev"].needs == {"bootstrap-dev"}
    assert graph.nodes["data-dev"].needs == {"bootstrap-dev", "foundation-dev"}
    assert graph.dependents_of("foundation-dev") == ["data-dev"]


def test_readers_wait_for_what_they_read_not_for_the_lifecycle_rules(outdir: Path) -> None:
    graph = stack_graph(outdir, "dev")
    # The state bucket and what its output depends on; the 55 s lifecycle comes after.
    assert graph.nodes["bootstrap-dev"].ready_targets == ("aws_s3_bucket.state", "aws_s3_bucket_versioning.state_v")
    # The subnet the data stack reads (-target brings its VPC); the bucket and its lifecycle come after.
    assert graph.nodes["foundation-dev"].ready_targets == ("aws_subnet.subnet",)
    assert graph.nodes["foundation-dev"].read == {"aws_subnet.subnet", "aws_vpc.vpc"}
    assert graph.nodes["data-dev"].ready_targets is None  # nobody reads it: one apply


def test_a_targeted_apply_brings_what_its_targets_depend_on_within_the_stack(outdir: Path) -> None:
    foundation = stack_graph(outdir, "dev").nodes["foundation-dev"]
    assert foundation.closure(["aws_subnet.subnet"]) == {"aws_subnet.subnet", "aws_vpc.vpc"}
    assert foundation.closure(["aws_vpc.vpc", "not.in_this_stack"]) == {"aws_vpc.vpc"}


def test_a_stack_whose_readers_need_everything_is_applied_in_one_step(tmp_path: Path) -> None:
    upstream = {"resource": {"aws_vpc": {"vpc": {}}}, "output": {"id": {"value": "${aws_vpc.vpc.id}"}}}
    reader = {"resource": {"aws_subnet": {"s": {"vpc_id": REMOTE % ("up-dev", "id")}}}}
    graph = stack_graph(write_env(tmp_path, {"up-dev": upstream, "down-dev": reader}, {"down-dev": ["up-dev"]}), "dev")
    assert graph.nodes["up-dev"].ready_targets is None


def test_wait_floor_follows_the_longest_chain_of_fixed_provider_waits(tmp_path: Path) -> None:
    stack = {
        "resource": {
            "aws_kms_key": {"key": {}},
            "aws_db_instance": {"db": {"kms_key_id": "${aws_kms_key.key.arn}"}},
            "aws_sqs_queue": {"queue": {}},
        }
    }
    config = StackConfig.load(write_env(tmp_path, {"data-dev": stack}, {}), "data-dev")
    assert config.wait_floor() == (92.0, ["aws_kms_key.key", "aws_db_instance.db"])  # 12 s + 80 s
    assert config.wait_floor(["aws_sqs_queue.queue"]) == (25.0, ["aws_sqs_queue.queue"])


def test_a_dependency_cycle_is_refused_naming_the_stacks() -> None:
    with pytest.raises(StackGraphError, match=r"dependency cycle between stacks: \['a', 'b'\]"):
        ordered({"a": {"b"}, "b": {"a"}})


def test_a_missing_synthesis_names_the_command_to_run(tmp_path: Path) -> None:
    with pytest.raises(StackGraphError, match=r"synthesize first \(`make synth ENV=dev`\)"):
        stack_graph(tmp_path, "dev")


def test_the_critical_path_runs_through_the_longest_chain_of_fixed_waits_across_stacks(outdir: Path) -> None:
    """The VPC (10 s) leads through the subnet the data stack reads to its subnet group; the bucket's
    lifecycle (55 s) is the longest chain, after the state bucket every stack needs (bootstrap)."""
    graph = stack_graph(outdir, "dev")
    foundation = graph.nodes["foundation-dev"].resources
    assert foundation["aws_vpc.vpc"].through == 10.0
    assert foundation["aws_s3_bucket_lifecycle_configuration.data_l"].through == graph.longest_chain == 55.0
    assert graph.on_critical_path("foundation-dev", ["aws_s3_bucket.data"], slack=10.0)
    assert not graph.on_critical_path("foundation-dev", ["aws_vpc.vpc", "aws_subnet.subnet"], slack=10.0)
    assert graph.nodes["data-dev"].resources["aws_db_subnet_group.group"].through == 10.0


def test_with_only_some_stacks_a_stack_waits_for_what_the_chosen_readers_read_not_the_others(tmp_path: Path) -> None:
    """security's roles are read by data, its endpoint (which needs foundation's VPC) by application:
    deploying without application, security is ready once its roles are, and they need no VPC."""
    foundation = {"resource": {"aws_vpc": {"vpc": {}}}, "output": {"vpc": {"value": "${aws_vpc.vpc.id}"}}}
    security = {
        "resource": {
            "aws_iam_role": {"role": {}},
            "aws_vpc_endpoint": {"api": {"vpc_id": REMOTE % ("foundation-dev", "vpc")}},
        },
        "output": {"role": {"value": "${aws_iam_role.role.name}"}, "api": {"value": "${aws_vpc_endpoint.api.id}"}},
    }
    data = {"resource": {"aws_iam_role_policy": {"grant": {"role": REMOTE % ("security-dev", "role")}}}}
    application = {"resource": {"aws_api_gateway_rest_api": {"api": {"name": REMOTE % ("security-dev", "api")}}}}
    bootstrap = {
        "resource": {"aws_s3_bucket": {"state": {}}},
        "output": {"state_bucket_name": {"value": "${aws_s3_bucket.state.bucket}"}},
    }
    stacks = {"bootstrap-dev": bootstrap, "foundation-dev": foundation, "security-dev": security, "data-dev": data,
              "application-dev": application}  # fmt: skip
    outdir = write_env(tmp_path, stacks, {"security-dev": ["foundation-dev"], "data-dev": ["security-dev"],
                                          "application-dev": ["security-dev"]})  # fmt: skip
    everything = stack_graph(outdir, "dev").nodes["security-dev"]
    assert everything.read == {"aws_iam_role.role", "aws_vpc_endpoint.api"}
    chosen = stack_graph(outdir, "dev", only=["bootstrap-dev", "foundation-dev", "security-dev", "data-dev"])
    security_node = chosen.nodes["security-dev"]
    assert security_node.read == {"aws_iam_role.role"} and security_node.read_outputs == {"role"}
    assert security_node.resources["aws_iam_role.role"].upstreams == frozenset()
    assert "application-dev" not in chosen.nodes
    with pytest.raises(StackGraphError, match=r"no such stack in env 'dev': connect-dev \(stacks: bootstrap-dev, "):
        stack_graph(outdir, "dev", only=["connect-dev"])
