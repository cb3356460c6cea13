"""An IAM linter we did not write (parliament, from PyPI) over every policy document the platform
synthesizes for dev, staging and prod: function and service role policies, bucket, key, queue,
endpoint and API resource policies.

Synthesized policies hold Terraform references (``${aws_s3_bucket.x.arn}``) where AWS will see
ARNs, so each reference is replaced by an ARN of the resource type it names before the document is
linted (a reference to a type with no stand-in is an error, not a skipped check). Findings that are
accepted are listed in ``security/iam-lint-accepted.toml``, each with its reason; an accepted entry
that no longer matches any finding fails, so the list cannot go stale.

Usage: ``python -m tools.iam_lint [--outdir cdktf.out]`` (exit 0 clean, 1 with findings).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from envs import stack_name
from tools.terraform import REPO_ROOT

ACCEPTED_FILE = REPO_ROOT / "security" / "iam-lint-accepted.toml"
LINTED_ENVS = ("dev", "staging", "prod")
POLICY_ATTRIBUTES = {  # resource type -> attribute holding a policy document, and whether it is a resource policy
    "aws_iam_role_policy": ("policy", False),
    "aws_iam_policy": ("policy", False),
    "aws_s3_bucket_policy": ("policy", True),
    "aws_kms_key": ("policy", True),
    "aws_sqs_queue_policy": ("policy", True),
    "aws_sns_topic_policy": ("policy", True),
    "aws_vpc_endpoint": ("policy", True),
    "aws_api_gateway_rest_api_policy": ("policy", True),
    "aws_cloudwatch_log_resource_policy": ("policy_document", True),
}
REGION, ACCOUNT, PARTITION = "us-east-1", "111111111111", "aws"
# What a reference to (resource type, attribute) stands for, as AWS will see it.
STAND_INS = {
    ("aws_s3_bucket", "arn"): f"arn:{PARTITION}:s3:::example-bucket",
    ("aws_kms_key", "arn"): f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/00000000-0000-4000-8000-000000000000",
    ("aws_cloudwatch_log_group", "arn"): f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:/example/group",
    ("aws_dynamodb_table", "arn"): f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/example",
    ("aws_sqs_queue", "arn"): f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:example",
    ("aws_sns_topic", "arn"): f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:example",
    ("aws_cloudwatch_event_rule", "arn"): f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:rule/example",
    ("aws_db_instance", "secret_arn"): f"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT}:secret:rds-db-AbCdEf",
    ("aws_db_instance", "resource_id"): "db-ABCDEFGHIJKLMNOPQRSTUVWXY",
    ("aws_secretsmanager_secret", "arn"): f"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT}:secret:example-AbCdEf",
    ("aws_vpc", "id"): "vpc-0123456789abcdef0",
    ("aws_vpc_endpoint", "id"): "vpce-0123456789abcdef0",
    ("aws_connect_instance", "arn"): f"arn:{PARTITION}:connect:{REGION}:{ACCOUNT}:instance/00000000-0000-4000-8000-0",
    ("aws_connect_phone_number", "arn"): f"arn:{PARTITION}:connect:{REGION}:{ACCOUNT}:phone-number/00000000-0000",
    ("aws_kinesis_stream", "arn"): f"arn:{PARTITION}:kinesis:{REGION}:{ACCOUNT}:stream/example",
    ("aws_kinesis_firehose_delivery_stream", "arn"): f"arn:{PARTITION}:firehose:{REGION}:{ACCOUNT}:deliverystream/x",
    ("aws_api_gateway_rest_api", "execution_arn"): f"arn:{PARTITION}:execute-api:{REGION}:{ACCOUNT}:abcdef1234",
    ("aws_iam_role", "arn"): f"arn:{PARTITION}:iam::{ACCOUNT}:role/example",
    ("aws_lambda_function", "arn"): f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:example",
    ("aws_lambda_alias", "arn"): f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:example:live",
}
REFERENCE = re.compile(r"\$\{([^}]*)\}")
CROSS_STACK = re.compile(r"^data\.terraform_remote_state\.[^.]+\.outputs\.cross-stack-output-(?P<name>[^.]+)$")


class LintError(RuntimeError):
    """A policy could not be linted (e.g. a reference with no stand-in); the message names it."""


@dataclass(frozen=True)
class Finding:
    env: str
    stack: str
    address: str
    issue: str
    detail: str

    def __str__(self) -> str:
        return f"{self.stack} {self.address}: {self.issue} {self.detail}"


@dataclass(frozen=True)
class Accepted:
    issue: str
    address: str  # a glob over "<resource type>.<construct path>"
    reason: str


def stand_in(reference: str) -> str:
    """The value AWS will see for a Terraform reference inside a policy."""
    parts = reference.split(".")
    cross = CROSS_STACK.match(reference)
    if cross:  # the output's name is the resource type, its construct path and the attribute
        name = cross["name"]
        for (kind, attribute), value in STAND_INS.items():
            if name.startswith(kind) and name.endswith(attribute):
                return value
    elif len(parts) >= 3 and (parts[0], parts[-1]) in STAND_INS:
        return STAND_INS[(parts[0], parts[-1])]
    raise LintError(f"no ARN stand-in for the reference ${{{reference}}}: add one to tools/iam_lint.py STAND_INS")


def policies(outdir: Path, env: str) -> Iterator[tuple[str, str, str, bool]]:
    """(stack, address, document with references replaced, is a resource policy) of every policy."""
    for path in sorted((outdir / "stacks").glob(f"{stack_name('*', env)}/cdk.tf.json")):
        stack = path.parent.name
        for kind, items in json.loads(path.read_text()).get("resource", {}).items():
            if kind not in POLICY_ATTRIBUTES:
                continue
            attribute, resource_policy = POLICY_ATTRIBUTES[kind]
            for name, body in items.items():
                document = body.get(attribute)
                if isinstance(document, str) and document.strip():
                    path_name = body.get("//", {}).get("metadata", {}).get("path", name)
                    text = REFERENCE.sub(lambda match: stand_in(match[1]), document)
                    yield stack, f"{kind}.{path_name}", text, resource_policy


def lint(document: str, resource_policy: bool) -> list[tuple[str, str]]:
    from parliament import analyze_policy_string

    analysed = analyze_policy_string(document, include_community_auditors=False, config=None)
    found = []
    for finding in analysed.findings:
        if resource_policy and finding.issue in RESOURCE_POLICY_NOISE:
            continue
        found.append((finding.issue, json.dumps(finding.detail, default=str)[:300]))
    return found


# parliament lints identity policies; on a resource policy these are the policy's nature, not findings.
RESOURCE_POLICY_NOISE = frozenset({"RESOURCE_STAR"})


def load_accepted(path: Path = ACCEPTED_FILE) -> list[Accepted]:
    entries = tomllib.loads(path.read_text()).get("accepted", []) if path.is_file() else []
    accepted = []
    for entry in entries:
        if not all(isinstance(entry.get(k), str) and entry[k] for k in ("issue", "address", "reason")):
            raise LintError(f"{path.name}: every [[accepted]] entry needs issue, address and a reason: {entry}")
        accepted.append(Accepted(entry["issue"], entry["address"], entry["reason"]))
    return accepted


def run(outdir: Path, envs: Sequence[str] = LINTED_ENVS) -> tuple[list[Finding], list[Accepted], int]:
    """Findings not accepted, accepted entries that matched nothing, and how many documents were linted."""
    accepted = load_accepted()
    used: set[Accepted] = set()
    open_findings: list[Finding] = []
    linted = 0
    for env in envs:
        for stack, address, document, resource_policy in policies(outdir, env):
            linted += 1
            for issue, detail in lint(document, resource_policy):
                match = next(
                    (a for a in accepted if a.issue == issue and fnmatch.fnmatchcase(address, a.address)), None
                )
                if match is None:
                    open_findings.append(Finding(env, stack, address, issue, detail))
                else:
                    used.add(match)
    return open_findings, [a for a in accepted if a not in used], linted


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.iam_lint", description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=REPO_ROOT / "cdktf.out")
    args = parser.parse_args(argv)
    try:
        findings, stale, linted = run(args.outdir)
    except LintError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for finding in findings:
        print(f"finding: {finding}")
    for entry in stale:
        print(
            f"stale: {ACCEPTED_FILE.name} accepts {entry.issue} on {entry.address}, which no longer occurs: remove it"
        )
    print(f"parliament: {linted} policy documents of {', '.join(LINTED_ENVS)}; "
          f"{len(findings)} finding(s), {len(stale)} stale acceptance(s)")  # fmt: skip
    return 1 if findings or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
