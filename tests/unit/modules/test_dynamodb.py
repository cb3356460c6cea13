"""The queue-experience table: key design, indexes, on-demand, PITR, KMS, TTL, protection in prod."""

from __future__ import annotations

from typing import Any

import pytest

from modules.dynamodb import INDEXES, TTL_ATTRIBUTE
from tests.conftest import SynthFn
from tests.helpers import body, ref


@pytest.fixture(scope="module")
def tables(platform: dict[str, Any], synth: SynthFn) -> dict[str, dict[str, Any]]:
    return {name: body(synth(stacks.data), stacks.data.queue_experience.table) for name, stacks in platform.items()}


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_on_demand_with_recovery_encryption_and_ttl(
    platform: dict[str, Any], tables: dict[str, dict[str, Any]], env: str
) -> None:
    table = tables[env]
    assert table["name"] == f"cc-{env}-queue-experience"
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"] == {"enabled": True}
    assert table["server_side_encryption"] == {"enabled": True, "kms_key_arn": ref(platform[env].data.key.key, "arn")}
    assert table["ttl"] == {"attribute_name": TTL_ATTRIBUTE, "enabled": True}


def test_key_design_has_generic_keys_and_one_index_per_access_path(tables: dict[str, dict[str, Any]]) -> None:
    table = tables["prod"]
    assert (table["hash_key"], table["range_key"]) == ("pk", "sk")
    indexes = {index["name"]: index for index in table["global_secondary_index"]}
    assert set(indexes) == {"by-contact", "by-status"} == {index.name for index in INDEXES}
    assert all(index["projection_type"] == "ALL" for index in indexes.values())
    declared = {attribute["name"] for attribute in table["attribute"]}
    used = {"pk", "sk", *(k for i in indexes.values() for k in (i["hash_key"], i["range_key"]))}
    assert declared == used, "DynamoDB rejects attribute definitions that no key uses"


def test_deletion_protection_in_prod_only(tables: dict[str, dict[str, Any]]) -> None:
    assert tables["prod"]["deletion_protection_enabled"] is True
    assert tables["prod"]["lifecycle"] == {"prevent_destroy": True}
    assert tables["dev"]["deletion_protection_enabled"] is False
