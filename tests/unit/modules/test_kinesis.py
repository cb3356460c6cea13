"""Streams and the CTR export: encrypted, sized from env config, delivered by date to the exports bucket."""

from __future__ import annotations

from typing import Any

import pytest

from envs import EnvConfig
from modules.kinesis import ERROR_PREFIX, EXPORT_PREFIX
from modules.naming import Stream
from tests.conftest import SynthFn
from tests.helpers import body, policy, ref


@pytest.fixture(scope="module")
def integration(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: synth(stacks.integration) for name, stacks in platform.items()}


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_three_kms_encrypted_streams_sized_from_env_config(
    platform: dict[str, Any], integration: dict[str, dict[str, Any]], configs: dict[str, EnvConfig], env: str
) -> None:
    streams = platform[env].integration.streams.streams
    assert set(streams) == set(Stream)
    key = ref(platform[env].integration.stream_key.key, "arn")
    for stream, resource in streams.items():
        synthesized = body(integration[env], resource)
        assert synthesized["name"] == f"cc-{env}-{stream.value}"
        assert (synthesized["encryption_type"], synthesized["kms_key_id"]) == ("KMS", key)
        assert synthesized["retention_period"] == configs[env].kinesis.retention_hours
        assert synthesized["stream_mode_details"] == {"stream_mode": configs[env].kinesis.stream_mode}


def test_ctr_export_reads_the_ctr_stream_and_writes_compressed_encrypted_batches_by_date(
    platform: dict[str, Any], integration: dict[str, dict[str, Any]]
) -> None:
    prod = platform["prod"]
    export = body(integration["prod"], prod.integration.streams.ctr_export)
    source = export["kinesis_source_configuration"]
    assert source["kinesis_stream_arn"] == ref(prod.integration.streams.streams[Stream.CTR], "arn")
    s3 = export["extended_s3_configuration"]
    assert s3["bucket_arn"] == ref(prod.foundation.storage.exports.bucket, "arn")
    assert s3["kms_key_arn"] == ref(prod.foundation.storage.key.key, "arn")
    assert s3["compression_format"] == "GZIP"
    assert (s3["prefix"], s3["error_output_prefix"]) == (EXPORT_PREFIX, ERROR_PREFIX)
    assert "!{timestamp:yyyy}" in s3["prefix"] and "!{firehose:error-output-type}" in s3["error_output_prefix"]
    assert s3["cloudwatch_logging_options"]["enabled"] is True
    assert source["role_arn"] == s3["role_arn"] == ref(prod.security.firehose_role.role, "arn")


def test_firehose_may_decrypt_the_stream_key_only_through_kinesis(
    platform: dict[str, Any], integration: dict[str, dict[str, Any]]
) -> None:
    grants = integration["prod"]["resource"]["aws_iam_role_policy"].values()
    (grant,) = [g for g in grants if g["name"] == "read-encrypted-ctr-stream"]
    (statement,) = policy(grant)["Statement"]
    assert statement["Action"] == ["kms:Decrypt"]
    assert statement["Resource"] == ref(platform["prod"].integration.stream_key.key, "arn")
    assert statement["Condition"] == {"StringEquals": {"kms:ViaService": "kinesis.us-east-1.amazonaws.com"}}
