"""The project's Terraform CLI config: offline mirror when there is one, registry otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.terraform import CLI_CONFIG, TerraformError, detect_provider_mirror, render_cli_config, terraform_env


def make_mirror(root: Path) -> Path:
    (root / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0" / "linux_amd64").mkdir(parents=True)
    return root


def test_configured_mirror_wins(tmp_path: Path) -> None:
    mirror = make_mirror(tmp_path / "mirror")
    assert detect_provider_mirror({"TF_PROVIDER_MIRROR": str(mirror)}) == mirror


def test_empty_setting_forces_the_registry() -> None:
    assert detect_provider_mirror({"TF_PROVIDER_MIRROR": ""}) is None


def test_configured_mirror_without_providers_is_an_error_not_a_network_fallback(tmp_path: Path) -> None:
    with pytest.raises(TerraformError, match=r"TF_PROVIDER_MIRROR=.*no registry.terraform.io/hashicorp/ providers"):
        detect_provider_mirror({"TF_PROVIDER_MIRROR": str(tmp_path)})


def test_config_installs_hashicorp_providers_from_the_mirror_only(tmp_path: Path) -> None:
    text = render_cli_config(tmp_path / "mirror", tmp_path / "cache")
    # The mirror is symlinked into each stack; a cache on top only races in parallel inits.
    assert "plugin_cache_dir" not in text
    assert f'path    = "{tmp_path / "mirror"}"' in text
    assert 'include = ["registry.terraform.io/hashicorp/*"]' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/*"]' in text
    assert "disable_checkpoint = true" in text


def test_without_a_mirror_the_registry_is_used_with_the_shared_cache(tmp_path: Path) -> None:
    text = render_cli_config(None, tmp_path / "cache")
    assert "provider_installation" not in text
    assert f'plugin_cache_dir = "{tmp_path / "cache"}"' in text


def test_every_terraform_process_gets_the_project_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", "/nonexistent/.terraformrc")
    env = terraform_env()
    assert env["TF_CLI_CONFIG_FILE"] == str(CLI_CONFIG)
    assert CLI_CONFIG.is_file()
    assert env["CHECKPOINT_DISABLE"] == "1"


def test_a_refused_flow_comes_with_the_hint_the_provider_leaves_out() -> None:
    from tools.terraform import TerraformResult

    refused = TerraformResult(
        ("apply",), 1, "", "Error: creating Connect Contact Flow (f): ... InvalidContactFlowException: "
    )
    assert "hint: Amazon Connect refused a flow's content" in refused.describe()
    assert "hint:" not in TerraformResult(("apply",), 1, "", "Error: AccessDenied").describe()
