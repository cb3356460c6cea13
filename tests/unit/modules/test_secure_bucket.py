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
from tests.helpers import body, only, policy, reference_to


@pytest.fixture(scope="module")
def bootstrap(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.bootstrap) for name, stacks in platform.items()}


def part(bootstrap: dict[str, dict[str, Any]], platform: dict[str, Any], env: str, path: str) -> dict[str, Any]:
    """``state_bucket.policy`` -> that resource's JSON in the env's bootstrap stack."""
    obj: Any = platform[env].bootstrap
    for name in path.split("."):
        obj = getattr(obj, name)
    return body(bootstrap[env], obj)


def test_state_bucket_is_private_versioned_and_kms_encrypted(
    bootstrap: dict[str, dict[str, Any]], platform: dict[str, Any]
) -> None:
    prod = bootstrap["prod"]
    assert part(bootstrap, platform, "prod", "state_bucket.bucket")["bucket"] == "cc-prod-tfstate-333333333333"
    block = part(bootstrap, platform, "prod", "state_bucket.public_access_block")
    assert all(block[flag] is True for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls"))
    assert block["restrict_public_buckets"] is True
    ownership = part(bootstrap, platform, "prod", "state_bucket.ownership")
    assert ownership["rule"]["object_ownership"] == "BucketOwnerEnforced"
    assert part(bootstrap, platform, "prod", "state_bucket.versioning")["versioning_configuration"]["status"] == (
        "Enabled"
    )
    (rule,) = part(bootstrap, platform, "prod", "state_bucket.encryption")["rule"]
    default = rule["apply_server_side_encryption_by_default"]
    assert default["sse_algorithm"] == "aws:kms"
    key = only(prod, KmsKey.TF_RESOURCE_TYPE)
    assert default["kms_master_key_id"] == reference_to("aws_kms_key", prod, key, "arn")
    assert key["enable_key_rotation"] is True


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_state_bucket_denies_requests_without_tls(
    bootstrap: dict[str, dict[str, Any]], platform: dict[str, Any], env: str
) -> None:
    (statement,) = policy(part(bootstrap, platform, env, "state_bucket.policy"))["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Action"] == ["s3:*"]


def test_prod_state_bucket_cannot_be_destroyed(bootstrap: dict[str, dict[str, Any]], platform: dict[str, Any]) -> None:
    bucket = part(bootstrap, platform, "prod", "state_bucket.bucket")
    assert bucket["lifecycle"] == {"prevent_destroy": True}
    assert bucket["force_destroy"] is False


def test_state_access_is_logged_to_an_sse_s3_log_bucket(
    bootstrap: dict[str, dict[str, Any]], platform: dict[str, Any]
) -> None:
    prod = bootstrap["prod"]
    logging = part(bootstrap, platform, "prod", "state_bucket.access_logging")
    log_bucket = part(bootstrap, platform, "prod", "access_logs.bucket")
    assert logging["target_bucket"] == reference_to("aws_s3_bucket", prod, log_bucket, "id")
    (rule,) = part(bootstrap, platform, "prod", "access_logs.encryption")["rule"]
    # S3 server access logging cannot deliver into SSE-KMS buckets.
    assert rule["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}
    delivery = policy(part(bootstrap, platform, "prod", "access_logs.policy"))["Statement"][1]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:s3:::cc-prod-tfstate-333333333333"}


def test_bootstrap_keeps_local_state_beside_the_synth_output(
    bootstrap: dict[str, dict[str, Any]], platform: dict[str, Any]
) -> None:
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
