"""An IAM linter we did not write (parliament) over every policy document of dev, staging and prod."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools import iam_lint


def test_every_policy_passes_parliament_or_is_accepted_with_a_reason(full_synth: Path) -> None:
    findings, stale, linted = iam_lint.run(full_synth)
    assert linted >= 100  # every role, bucket, key, queue, endpoint and API policy of three envs
    assert not findings, "\n".join(map(str, findings))
    assert not stale, f"accepted findings that no longer occur: {stale}"
    assert all(entry.reason for entry in iam_lint.load_accepted())


def test_the_linter_finds_a_grant_scoped_to_what_the_action_cannot_name(tmp_path: Path) -> None:
    """The class the issue found: logs:DescribeLogGroups (no resource type) scoped to log groups."""
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:DescribeLogGroups",
                "Resource": "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/cc-*"}]}  # fmt: skip
    assert [issue for issue, _ in iam_lint.lint(json.dumps(document), resource_policy=False)] == ["RESOURCE_MISMATCH"]


def test_a_reference_with_no_stand_in_is_an_error_not_a_skipped_policy() -> None:
    with pytest.raises(iam_lint.LintError, match=r"no ARN stand-in for the reference \$\{aws_glue_job.x.arn\}"):
        iam_lint.stand_in("aws_glue_job.x.arn")
    assert iam_lint.stand_in(
        "data.terraform_remote_state.foundation.outputs.cross-stack-output-aws_kms_keystorage_primary_key_69ED7367arn"
    ).startswith("arn:aws:kms:")
