"""The skip-list logic of the checkov gate, on hand-made checkov results (checkov itself runs in validate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.security_scan import ScanError, Skip, apply_skips, load_skips, resource_address

TYPES = {"data-dev": {"database_instance_D7FC2283": "aws_db_instance"}}


def result(*failed: tuple[str, str, str]) -> dict:
    return {
        "summary": {"passed": 10},
        "results": {
            "failed_checks": [
                {
                    "check_id": check,
                    "check_name": f"name of {check}",
                    "file_path": f"/{stack}/cdk.tf.json",
                    "resource": res,
                }
                for check, stack, res in failed
            ]
        },
    }


SKIP = Skip("CKV_AWS_157", ("data-dev",), ("aws_db_instance.database_instance_*",), "dev is single-AZ by design")


def test_checkov_ids_without_type_are_resolved_from_the_stack() -> None:
    assert resource_address("resource.database_instance_D7FC2283", TYPES["data-dev"]) == (
        "aws_db_instance.database_instance_D7FC2283"
    )
    assert resource_address("aws_s3_bucket.x", {}) == "aws_s3_bucket.x"


def test_a_finding_covered_by_a_skip_is_reported_as_skipped() -> None:
    report = apply_skips(result(("CKV_AWS_157", "data-dev", "resource.database_instance_D7FC2283")), TYPES, [SKIP])
    assert report.ok
    assert [skip for _, skip in report.skipped] == [SKIP]


def test_the_same_check_in_another_stack_fails() -> None:
    report = apply_skips(
        result(
            ("CKV_AWS_157", "data-dev", "resource.database_instance_D7FC2283"),
            ("CKV_AWS_157", "data-prod", "aws_db_instance.database_instance_D7FC2283"),
        ),
        TYPES,
        [SKIP],
    )
    assert not report.ok
    assert [finding.stack for finding in report.failures] == ["data-prod"]


def test_a_skip_that_matches_nothing_fails_the_scan() -> None:
    report = apply_skips(result(), TYPES, [SKIP])
    assert report.unused_skips == (SKIP,)
    assert not report.ok


def test_skip_entries_need_a_reason(tmp_path: Path) -> None:
    skips = tmp_path / "skips.toml"
    skips.write_text('[[skip]]\ncheck = "CKV_AWS_1"\nstacks = ["*"]\nresources = ["aws_x.y"]\n')
    with pytest.raises(ScanError, match=r"CKV_AWS_1.*lacks reason"):
        load_skips(skips)


def test_the_project_skip_list_loads() -> None:
    assert load_skips()
