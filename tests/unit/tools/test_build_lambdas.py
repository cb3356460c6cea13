"""The Lambda packager: byte-reproducible zips, rebuilds only on change, junk left out, limits enforced.

pip is replaced by a recorder that writes a fake dependency, so these tests run offline and can
count installs; the real pip invocation is the one `make lambdas` runs.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from tools import build_lambdas
from tools.build_lambdas import BuildError, build_all, source_code_hash


class RecordingInstaller:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, requirements: Path, target: Path, architecture: str) -> None:
        self.calls.append((requirements.parent.name, architecture))
        (target / "fakedep").mkdir(parents=True)
        (target / "fakedep" / "__init__.py").write_text("VERSION = '1.0'\n")
        (target / "fakedep" / "__pycache__").mkdir()
        (target / "fakedep" / "__pycache__" / "x.cpython-312.pyc").write_bytes(b"junk")
        # What pip writes per install, which would differ between clones.
        (target / "bin").mkdir()
        (target / "bin" / "fakedep-cli").write_text(f"#!{target}/python\n")
        (target / "fakedep-1.0.dist-info").mkdir()
        (target / "fakedep-1.0.dist-info" / "RECORD").write_text(f"{target}\n")
        (target / "fakedep-1.0.dist-info" / "METADATA").write_text("Name: fakedep\n")


def write_sources(root: Path) -> Path:
    sources = root / "lambdas"
    for name, body in (("core_api", "def handler(event, context):\n    return 1\n"), ("authorizer", "X = 2\n")):
        (sources / name).mkdir(parents=True)
        (sources / name / "handler.py").write_text(body)
        (sources / name / "requirements.txt").write_text("fakedep==1.0\n")
        (sources / name / "tests").mkdir()
        (sources / name / "tests" / "test_handler.py").write_text("assert True\n")
        (sources / name / "__pycache__").mkdir()
        (sources / name / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"junk")
    (sources / "shared" / "platform_shared").mkdir(parents=True)
    (sources / "shared" / "platform_shared" / "__init__.py").write_text("SHARED = True\n")
    return sources


def test_two_clean_copies_build_byte_identical_zips(tmp_path: Path) -> None:
    first = build_all("arm64", write_sources(tmp_path / "a"), tmp_path / "a" / "build", RecordingInstaller())
    second = build_all("arm64", write_sources(tmp_path / "b"), tmp_path / "b" / "build", RecordingInstaller())
    assert [p.source_code_hash for p in first] == [p.source_code_hash for p in second]
    for package in first:
        a = (tmp_path / "a" / "build" / package.zip_file).read_bytes()
        assert a == (tmp_path / "b" / "build" / package.zip_file).read_bytes()
        assert package.source_code_hash == source_code_hash(a)


def test_zip_holds_code_and_dependencies_but_no_tests_caches_or_pyc(tmp_path: Path) -> None:
    built = build_all("arm64", write_sources(tmp_path), tmp_path / "build", RecordingInstaller())
    names = {p.name: p for p in built}
    with zipfile.ZipFile(tmp_path / "build" / names["core_api"].zip_file) as archive:
        entries = archive.namelist()
        assert entries == sorted(entries)
        assert entries == ["fakedep-1.0.dist-info/METADATA", "fakedep/__init__.py", "handler.py"]
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert {info.external_attr >> 16 & 0o777 for info in archive.infolist()} == {0o644}
    with zipfile.ZipFile(tmp_path / "build" / names["shared"].zip_file) as archive:
        assert archive.namelist() == ["python/platform_shared/__init__.py"]


def test_warm_build_without_change_runs_no_pip(tmp_path: Path) -> None:
    sources, out = write_sources(tmp_path), tmp_path / "build"
    installer = RecordingInstaller()
    cold = build_all("arm64", sources, out, installer)
    assert sorted(installer.calls) == [("authorizer", "arm64"), ("core_api", "arm64")]
    assert all(package.rebuilt for package in cold)
    warm = build_all("arm64", sources, out, installer)
    assert len(installer.calls) == 2
    assert not any(package.rebuilt for package in warm)
    assert [p.source_code_hash for p in warm] == [p.source_code_hash for p in cold]


def test_a_one_line_change_rebuilds_only_that_function(tmp_path: Path) -> None:
    sources, out = write_sources(tmp_path), tmp_path / "build"
    before = {p.name: p.source_code_hash for p in build_all("arm64", sources, out, RecordingInstaller())}
    with (sources / "authorizer" / "handler.py").open("a") as handler:
        handler.write("Y = 3\n")
    after = {p.name: p for p in build_all("arm64", sources, out, RecordingInstaller())}
    changed = {name for name, package in after.items() if package.source_code_hash != before[name]}
    assert changed == {"authorizer"}
    assert {name for name, package in after.items() if package.rebuilt} == {"authorizer"}


def test_architecture_is_part_of_the_build(tmp_path: Path) -> None:
    sources, out = write_sources(tmp_path), tmp_path / "build"
    installer = RecordingInstaller()
    build_all("arm64", sources, out, installer)
    rebuilt = build_all("x86_64", sources, out, installer)
    assert all(package.rebuilt for package in rebuilt)
    assert ("core_api", "x86_64") in installer.calls
    with pytest.raises(BuildError, match="architecture must be one of"):
        build_all("sparc", sources, out, installer)


def test_packages_over_lambdas_limits_fail_with_their_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = write_sources(tmp_path)
    shutil.rmtree(sources / "authorizer")
    monkeypatch.setattr(build_lambdas, "MAX_UNZIPPED_BYTES", 10)
    with pytest.raises(BuildError, match=r"shared: .* exceeds Lambda's 250 MB limit"):
        build_all("arm64", sources, tmp_path / "build", RecordingInstaller())
