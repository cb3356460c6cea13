"""The real packages (lambdas/, real pip, manylinux wheels): a clean copy builds the same bytes,
and a one-line change rebuilds and changes only the function it touches."""

from __future__ import annotations

import shutil
from pathlib import Path

from tools.build_lambdas import SOURCES, build_all

ARCHITECTURE = "arm64"


def hashes(built: list) -> dict[str, str]:
    return {package.name: package.source_code_hash for package in built}


def test_a_clean_copy_builds_identical_packages_and_one_change_touches_one_function(tmp_path: Path) -> None:
    here = hashes(build_all(ARCHITECTURE))  # the project's build folder (cached when unchanged)
    copy = tmp_path / "clone" / "lambdas"
    shutil.copytree(SOURCES, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path / "clone" / "build"
    assert hashes(build_all(ARCHITECTURE, copy, out)) == here

    handler = copy / "voicemail" / "voicemail.py"
    handler.write_text(handler.read_text() + "\n# a one-line change\n")
    rebuilt = build_all(ARCHITECTURE, copy, out)
    assert [package.name for package in rebuilt if package.rebuilt] == ["voicemail"]
    changed = {name for name, digest in hashes(rebuilt).items() if digest != here[name]}
    assert changed == {"voicemail"}
