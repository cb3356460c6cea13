"""The hardened bucket (used for Terraform state now, every data bucket next)."""

from __future__ import annotations

from typing import Any

import cdktf
import pytest
from cdktf_cdktf_provider_aws.kms_key import KmsKey

from envs import EnvConfig
from modules.kms import EncryptionKeyProps
from modules.secure_bucket import SecureBucketProps
from tests.conftest import SynthFn
from tests.helpers import only, policy, reference_to


@pytest.fixture(scope="module")
def bootstrap(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.bootstrap) for name, stacks in platform.items()}


def test_state_bucket_is_private_versioned_and_kms_encrypted(bootstrap: dict[str, dict[str, Any]]) -> None:
    prod = bootstrap["prod"]
    assert only(prod, "aws_s3_bucket")["bucket"] == "cc-prod-tfstate-333333333333"
    block = only(prod, "aws_s3_bucket_public_access_block")
    assert all(block[flag] is True for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls"))
    assert block["restrict_public_buckets"] is True
    assert only(prod, "aws_s3_bucket_ownership_controls")["rule"]["object_ownership"] == "BucketOwnerEnforced"
    assert only(prod, "aws_s3_bucket_versioning")["versioning_configuration"]["status"] == "Enabled"
    (rule,) = only(prod, "aws_s3_bucket_server_side_encryption_configuration")["rule"]
    default = rule["apply_server_side_encryption_by_default"]
    assert default["sse_algorithm"] == "aws:kms"
    key = only(prod, KmsKey.TF_RESOURCE_TYPE)
    assert default["kms_master_key_id"] == reference_to("aws_kms_key", prod, key, "arn")
    assert key["enable_key_rotation"] is True


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_state_bucket_denies_requests_without_tls(bootstrap: dict[str, dict[str, Any]], env: str) -> None:
    (statement,) = policy(only(bootstrap[env], "aws_s3_bucket_policy"))["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Action"] == ["s3:*"]


def test_prod_state_bucket_cannot_be_destroyed(bootstrap: dict[str, dict[str, Any]]) -> None:
    bucket = only(bootstrap["prod"], "aws_s3_bucket")
    assert bucket["lifecycle"] == {"prevent_destroy": True}
    assert bucket["force_destroy"] is False


def test_bootstrap_keeps_local_state_beside_the_synth_output(bootstrap: dict[str, dict[str, Any]]) -> None:
    assert bootstrap["dev"]["terraform"]["backend"] == {"local": {"path": "../../../.state/bootstrap-dev.tfstate"}}


def test_props_refuse_contradictions(configs: dict[str, EnvConfig]) -> None:
    stack = cdktf.TerraformStack(cdktf.Testing.app(), "props")
    key = KmsKey(stack, "key")
    with pytest.raises(ValueError, match="force_destroy and prevent_destroy contradict"):
        SecureBucketProps(bucket_name="cc-x", kms_key=key, force_destroy=True, prevent_destroy=True)
    with pytest.raises(ValueError, match="must be 3-63 characters"):
        SecureBucketProps(bucket_name="x" * 64, kms_key=key)
    with pytest.raises(ValueError, match="deletion_window_days must be 7-30"):
        EncryptionKeyProps(purpose="x", description="x", deletion_window_days=3)
