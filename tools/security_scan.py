"""Scan the synthesized stacks of every real environment with checkov, offline, against one skip list.

    python -m tools.security_scan [cdktf.out/stacks]

Exit 0 only when checkov parsed every stack and every failed check is covered by an entry of
``security/checkov-skips.toml`` (check id + stack and resource patterns + a reason). An entry
that no longer matches any failure is an error too, so the list cannot rot into blanket skips.
The emulator env is not scanned: its relaxations are for moto only and rules keep them there.

Offline: ``--skip-download`` turns off checkov's guideline and policy downloads, and every
proxy variable points at a closed loopback port so that any other call fails fast instead of
reaching out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from envs import Tier, load_envs

ROOT = Path(__file__).resolve().parent.parent
SKIPS_FILE = ROOT / "security" / "checkov-skips.toml"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
DEAD_PROXY = "http://127.0.0.1:9"


class ScanError(RuntimeError):
    """The scan could not run or its result cannot be trusted (missing tool, parse errors)."""


@dataclass(frozen=True)
class Skip:
    """One accepted finding: ``check`` on resources matching ``resources`` in stacks matching ``stacks``."""

    check: str
    stacks: tuple[str, ...]
    resources: tuple[str, ...]
    reason: str

    def covers(self, finding: Finding) -> bool:
        return (
            finding.check == self.check
            and any(fnmatchcase(finding.stack, pattern) for pattern in self.stacks)
            and any(fnmatchcase(finding.resource, pattern) for pattern in self.resources)
        )

    def __str__(self) -> str:
        return f"{self.check} stacks={list(self.stacks)} resources={list(self.resources)}"


@dataclass(frozen=True)
class Finding:
    check: str
    name: str
    stack: str
    resource: str

    def __str__(self) -> str:
        return f"{self.check} {self.stack} {self.resource}: {self.name}"


@dataclass(frozen=True)
class ScanReport:
    passed: int
    failures: tuple[Finding, ...]
    skipped: tuple[tuple[Finding, Skip], ...]
    unused_skips: tuple[Skip, ...]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.unused_skips


def load_skips(path: Path = SKIPS_FILE) -> list[Skip]:
    """Read the skip list; every entry needs a check, stack and resource patterns, and a reason."""
    entries = tomllib.loads(path.read_text()).get("skip", [])
    skips = []
    for index, entry in enumerate(entries):
        missing = [key for key in ("check", "stacks", "resources", "reason") if not entry.get(key)]
        if missing:
            raise ScanError(f"{path.name}: skip #{index + 1} ({entry.get('check', '?')}) lacks {', '.join(missing)}")
        skips.append(Skip(entry["check"], tuple(entry["stacks"]), tuple(entry["resources"]), entry["reason"].strip()))
    return skips


def scanned_stack_names(stacks_dir: Path) -> list[str]:
    """Every synthesized stack of an env whose tier is not the emulator's."""
    envs = {config.name for config in load_envs() if config.tier is not Tier.EMULATOR}
    return sorted(path.name for path in stacks_dir.iterdir() if path.name.rsplit("-", 1)[-1] in envs)


ResourceTypes = dict[str, dict[str, str]]  # stack -> logical id -> resource type


def prepare_for_checkov(stacks_dir: Path, names: Iterable[str], workdir: Path) -> ResourceTypes:
    """Copy each stack's JSON, dropping scalar settings of the `terraform` block (required_version):
    checkov 3.3's terraform_json parser expects only objects there and otherwise skips the whole file.
    ``moved`` blocks (a list: old address -> new, no resource in them) go too: that parser fails on
    top-level lists.

    Returns each stack's resource types by logical id: checkov names some findings
    ``resource.<logical id>`` without the type, and skips match on ``<type>.<logical id>``.
    """
    types: ResourceTypes = {}
    for name in names:
        document = json.loads((stacks_dir / name / "cdk.tf.json").read_text())
        types[name] = {
            logical_id: resource_type
            for resource_type, resources in document.get("resource", {}).items()
            for logical_id in resources
        }
        document.pop("moved", None)
        settings = document.get("terraform", {})
        document["terraform"] = {key: value for key, value in settings.items() if isinstance(value, dict)}
        (workdir / name).mkdir()
        (workdir / name / "cdk.tf.json").write_text(json.dumps(document))
    return types


def run_checkov(workdir: Path, checkov: Path = CHECKOV) -> dict:
    if not checkov.is_file():
        raise ScanError(f"{checkov} not found: run `make setup` (checkov lives in its own venv)")
    env = {**os.environ, **{name: DEAD_PROXY for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}}
    env.pop("BC_API_KEY", None)
    env.update(NO_PROXY="", no_proxy="")
    completed = subprocess.run(
        [str(checkov), "-d", str(workdir), "--framework", "terraform_json", "--skip-download", "-o", "json", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=900,
    )
    if completed.returncode not in (0, 1) or not completed.stdout.strip():
        raise ScanError(f"checkov exited {completed.returncode}\n{completed.stderr[-4000:]}")
    result = json.loads(completed.stdout)
    summary = result.get("summary", {})
    if summary.get("parsing_errors"):
        raise ScanError(f"checkov could not parse {summary['parsing_errors']} stack(s):\n{completed.stderr[-4000:]}")
    return dict(result)


def resource_address(resource: str, stack_types: dict[str, str]) -> str:
    """``<type>.<logical id>`` whichever form checkov reported (``resource.<id>`` or ``<type>.<id>``)."""
    logical_id = resource.split(".", 1)[-1]
    resource_type = stack_types.get(logical_id)
    return f"{resource_type}.{logical_id}" if resource_type else resource


def findings(result: dict, types: ResourceTypes) -> list[Finding]:
    found = []
    for failed in result.get("results", {}).get("failed_checks", []):
        stack = Path(failed["file_path"]).parent.name
        found.append(
            Finding(
                check=failed["check_id"],
                name=failed["check_name"],
                stack=stack,
                resource=resource_address(failed["resource"], types.get(stack, {})),
            )
        )
    return found


def apply_skips(result: dict, types: ResourceTypes, skips: Sequence[Skip]) -> ScanReport:
    failures, skipped, used = [], [], set()
    for finding in findings(result, types):
        skip = next((skip for skip in skips if skip.covers(finding)), None)
        if skip is None:
            failures.append(finding)
        else:
            skipped.append((finding, skip))
            used.add(skip)
    return ScanReport(
        passed=int(result.get("summary", {}).get("passed", 0)),
        failures=tuple(sorted(failures, key=str)),
        skipped=tuple(skipped),
        unused_skips=tuple(skip for skip in skips if skip not in used),
    )


def scan(stacks_dir: Path, skips: Sequence[Skip] | None = None) -> ScanReport:
    names = scanned_stack_names(stacks_dir)
    if not names:
        raise ScanError(f"no stacks of real environments under {stacks_dir}: synthesize first (`make synth`)")
    with tempfile.TemporaryDirectory(prefix="checkov-") as temporary:
        workdir = Path(temporary)
        types = prepare_for_checkov(stacks_dir, names, workdir)
        result = run_checkov(workdir)
    return apply_skips(result, types, load_skips() if skips is None else skips)


def render(report: ScanReport) -> str:
    lines = [
        f"checkov: {report.passed} passed, {len(report.skipped)} skipped by "
        f"{len({skip for _, skip in report.skipped})} justified entries, {len(report.failures)} failed"
    ]
    lines += [f"  FAILED {finding}" for finding in report.failures]
    lines += [f"  UNUSED SKIP (remove it from {SKIPS_FILE.name}) {skip}" for skip in report.unused_skips]
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    stacks_dir = Path(argv[0]) if argv else ROOT / "cdktf.out" / "stacks"
    try:
        report = scan(stacks_dir)
    except ScanError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(render(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
