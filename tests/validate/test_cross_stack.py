"""Later layers read earlier layers' outputs through `terraform_remote_state` from the env's state bucket."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stacks.account import ACCOUNT_PART
from stacks.layers import LAYER_ORDER


def stack_json(full_synth: Path, name: str) -> dict[str, Any]:
    return dict(json.loads((full_synth / "stacks" / name / "cdk.tf.json").read_text()))


def test_data_layer_reads_the_foundation_outputs_from_the_prod_state_bucket(full_synth: Path) -> None:
    data = stack_json(full_synth, "data-prod")
    remote = data["data"]["terraform_remote_state"]["cross-stack-reference-input-foundation-prod"]
    assert remote["config"]["bucket"] == "cc-prod-tfstate-333333333333"
    assert remote["config"]["key"] == "prod/foundation-prod.tfstate"
    assert "endpoints" not in remote["config"]
    (subnet_group,) = data["resource"]["aws_db_subnet_group"].values()
    assert all(s.startswith("${data.terraform_remote_state.cross-stack") for s in subnet_group["subnet_ids"])


def test_on_the_emulator_remote_state_is_read_from_the_emulator_too(full_synth: Path) -> None:
    security = stack_json(full_synth, "security-local")
    for remote in security["data"]["terraform_remote_state"].values():
        assert remote["config"]["endpoints"] == {"s3": "http://127.0.0.1:4566", "sts": "http://127.0.0.1:4566"}
        assert remote["config"]["use_path_style"] is True


def test_layers_only_read_from_earlier_layers(full_synth: Path) -> None:
    """The account stack (account-wide settings) comes before every layer; it reads from none."""
    order = [layer.value for layer in LAYER_ORDER]
    assert order[-1] == "connect"
    assert "data" not in stack_json(full_synth, f"{ACCOUNT_PART}-prod")
    for index, layer in enumerate(order):
        remote = stack_json(full_synth, f"{layer}-prod").get("data", {}).get("terraform_remote_state", {})
        sources = {name.removeprefix("cross-stack-reference-input-").removesuffix("-prod") for name in remote}
        assert sources <= {ACCOUNT_PART, *order[:index]}, f"{layer} reads from {sources}"


def test_functions_read_the_database_table_and_roles_of_earlier_layers(full_synth: Path) -> None:
    integration = stack_json(full_synth, "integration-prod")
    core_api = next(
        f for f in integration["resource"]["aws_lambda_function"].values() if f["function_name"] == "cc-prod-core-api"
    )
    variables = core_api["environment"]["variables"]
    for name in ("DB_CONNECTION_SECRET_ARN", "TABLE_NAME"):
        assert variables[name].startswith("${data.terraform_remote_state.cross-stack-reference-input-data-prod"), name
    assert core_api["role"].startswith("${data.terraform_remote_state.cross-stack-reference-input-security-prod")


def test_the_data_layer_grants_its_table_and_database_on_the_security_layers_roles(full_synth: Path) -> None:
    """So the security layer needs only the foundation (as in the architecture), and nothing that the
    functions need waits for the database to be created."""
    data = stack_json(full_synth, "data-prod")
    policies = data["resource"]["aws_iam_role_policy"].values()
    assert policies and all(
        p["role"].startswith("${data.terraform_remote_state.cross-stack-reference-input-security-prod")
        for p in policies
    )
    assert "terraform_remote_state" in stack_json(full_synth, "security-prod")["data"]
    assert not any(
        "data-prod" in name for name in stack_json(full_synth, "security-prod")["data"]["terraform_remote_state"]
    )
    integration = json.dumps(stack_json(full_synth, "integration-prod"))
    assert "aws_db_instance" not in integration  # no value of the instance: the connection secret's ARN only


def test_each_stack_depends_on_exactly_the_stacks_it_reads(full_synth: Path) -> None:
    """No ordering beyond the data: independent layers (application, connect) can be applied side by side."""
    manifest = json.loads((full_synth / "manifest.json").read_text())["stacks"]
    for name, entry in manifest.items():
        if name.startswith("bootstrap-"):
            assert entry["dependencies"] == []
            continue
        remote = stack_json(full_synth, name).get("data", {}).get("terraform_remote_state", {})
        read = {source.removeprefix("cross-stack-reference-input-") for source in remote}
        assert set(entry["dependencies"]) == read, name
    assert sorted(manifest["connect-prod"]["dependencies"]) == ["foundation-prod", "integration-prod", "security-prod"]
    # The API's stage logs through the account's CloudWatch role: set by the account stack first.
    assert sorted(manifest["application-prod"]["dependencies"]) == ["account-prod", "integration-prod", "security-prod"]
