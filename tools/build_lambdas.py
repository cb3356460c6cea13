"""Build every Lambda package in place, byte-reproducibly: ``python -m tools.build_lambdas``.

Layout: ``lambdas/<function>/`` holds a function's code and its pinned ``requirements.txt``;
``lambdas/shared/`` is the layer (its code lands under ``python/`` in the zip, where the Lambda
runtime puts it on ``sys.path``). Each package becomes ``build/lambdas/<name>.zip`` plus a
``<name>.json`` manifest.

Why each rule:
- Dependencies come from manylinux wheels for the target architecture and Python 3.12 only
  (``--only-binary=:all:``), never from the build machine's platform, so a laptop and CI produce
  the same bytes, and nothing compiles.
- Zip entries are sorted, stamped 1980-01-01, with modes 0644/0755 and no ``.pyc``: same inputs,
  same zip on any machine and clone. The stack's ``source_code_hash`` is the base64 SHA-256 of
  the zip, so an unchanged function never shows up in a plan.
- A package is rebuilt only when its build key changes: the SHA-256 of its source files (paths
  and bytes), its requirements, the runtime, the architecture and this builder's format version.
  A warm build with no change reads files and hashes them; it runs no pip.
- Lambda's limits are checked on every build: 50 MB zipped for a direct upload, 250 MB unzipped.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from modules.lambda_packages import RUNTIME

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "lambdas"
BUILD = ROOT / "build" / "lambdas"
LAYER_DIR = "shared"
# Bumped whenever the zip layout or the rules above change, so old builds are not reused.
FORMAT_VERSION = "2"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
# The python3.12 runtime runs on Amazon Linux 2023 (glibc 2.34): manylinux2014 and manylinux_2_28 wheels
# both load there (psycopg-binary 3.3, for one, ships only the latter).
WHEEL_PLATFORMS = {
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
}
# Never shipped: caches, compiled files, tests and packaging metadata that only tools read.
EXCLUDED_DIRS = frozenset({"__pycache__", "tests", "test", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".pyi")
EXCLUDED_NAMES = frozenset({"requirements.txt", "README.md", ".DS_Store"})
# pip writes these per install: console scripts carry the building interpreter's absolute path in
# their shebang, and RECORD/INSTALLER/REQUESTED/direct_url.json describe that install, not the code.
INSTALL_ARTIFACTS = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})


class BuildError(RuntimeError):
    """A package could not be built or breaks a Lambda limit; the message names the package."""


@dataclass(frozen=True)
class PackageSource:
    """One thing to build: a function folder, or the shared layer (code goes under ``python/``)."""

    name: str
    path: Path
    is_layer: bool = False

    @property
    def requirements(self) -> Path:
        return self.path / "requirements.txt"


@dataclass(frozen=True)
class BuiltPackage:
    """What the integration layer needs: the zip, its ``source_code_hash``, and sizes."""

    name: str
    zip_file: str  # file name inside the build folder
    source_code_hash: str
    zipped_bytes: int
    unzipped_bytes: int
    build_key: str
    rebuilt: bool = False


def discover(sources: Path = SOURCES) -> list[PackageSource]:
    """Every folder of ``lambdas/`` with Python code, the shared layer first."""
    found = [
        PackageSource(path.name, path, is_layer=path.name == LAYER_DIR)
        for path in sorted(sources.iterdir())
        if path.is_dir() and any(path.rglob("*.py"))
    ]
    return sorted(found, key=lambda package: (not package.is_layer, package.name))


def shipped_files(root: Path) -> Iterator[Path]:
    """Files under ``root`` that belong in a package, in a stable order."""
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in EXCLUDED_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            if name in EXCLUDED_NAMES or name.endswith(EXCLUDED_SUFFIXES):
                continue
            yield Path(directory) / name


def build_key(package: PackageSource, architecture: str) -> str:
    digest = hashlib.sha256()
    for part in (FORMAT_VERSION, RUNTIME, architecture, package.name, str(package.is_layer)):
        digest.update(part.encode() + b"\0")
    requirements = package.requirements.read_bytes() if package.requirements.is_file() else b""
    digest.update(requirements + b"\0")
    for path in shipped_files(package.path):
        digest.update(path.relative_to(package.path).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def pip_install(requirements: Path, target: Path, architecture: str) -> None:
    """Wheels for the Lambda platform only; a missing wheel is an error, not a local compile."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(target),
        *(argument for platform in WHEEL_PLATFORMS[architecture] for argument in ("--platform", platform)),
        "--implementation",
        "cp",
        "--python-version",
        RUNTIME.removeprefix("python"),
        "--only-binary=:all:",
        "-r",
        str(requirements),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BuildError(f"pip could not install {requirements} for {architecture}:\n{completed.stderr[-3000:]}")


Installer = Callable[[Path, Path, str], None]


def zip_tree(entries: Sequence[tuple[str, Path]]) -> bytes:
    """A zip whose bytes depend only on entry names and file contents (and the exec bit)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            executable = path.stat().st_mode & stat.S_IXUSR
            info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the build machine
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


def package_entries(package: PackageSource, dependencies: Path | None) -> list[tuple[str, Path]]:
    prefix = "python/" if package.is_layer else ""
    entries = [(prefix + p.relative_to(package.path).as_posix(), p) for p in shipped_files(package.path)]
    if dependencies is not None:
        entries += [
            (prefix + p.relative_to(dependencies).as_posix(), p)
            for p in shipped_files(dependencies)
            if not is_install_artifact(p.relative_to(dependencies))
        ]
    names = [name for name, _ in entries]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise BuildError(f"{package.name}: its code and a dependency both provide {duplicates[:5]}")
    return entries


def is_install_artifact(relative: Path) -> bool:
    if relative.parts[0] == "bin":
        return True
    return relative.parent.name.endswith(".dist-info") and relative.name in INSTALL_ARTIFACTS


def check_limits(name: str, zipped: int, unzipped: int) -> None:
    if zipped > MAX_ZIPPED_BYTES:
        raise BuildError(f"{name}: {zipped / 2**20:.1f} MB zipped exceeds Lambda's 50 MB direct-upload limit")
    if unzipped > MAX_UNZIPPED_BYTES:
        raise BuildError(f"{name}: {unzipped / 2**20:.1f} MB unzipped exceeds Lambda's 250 MB limit")


def source_code_hash(data: bytes) -> str:
    """What Terraform's ``source_code_hash`` compares: base64 of the zip's SHA-256."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def build_package(
    package: PackageSource, architecture: str, out: Path = BUILD, install: Installer = pip_install
) -> BuiltPackage:
    """Build one package unless its manifest already records the same build key."""
    key = build_key(package, architecture)
    zip_path, manifest_path = out / f"{package.name}.zip", out / f"{package.name}.json"
    if zip_path.is_file() and manifest_path.is_file():
        cached = BuiltPackage(**json.loads(manifest_path.read_text()))
        if cached.build_key == key:
            return cached
    with tempfile.TemporaryDirectory(prefix=f"lambda-{package.name}-") as temporary:
        dependencies = None
        if package.requirements.is_file() and package.requirements.read_text().strip():
            dependencies = Path(temporary) / "site-packages"
            install(package.requirements, dependencies, architecture)
        entries = package_entries(package, dependencies)
        data = zip_tree(entries)
        unzipped = sum(path.stat().st_size for _, path in entries)
    check_limits(package.name, len(data), unzipped)
    out.mkdir(parents=True, exist_ok=True)
    temporary_zip = zip_path.with_suffix(".zip.tmp")
    temporary_zip.write_bytes(data)
    temporary_zip.replace(zip_path)
    built = BuiltPackage(
        name=package.name,
        zip_file=zip_path.name,
        source_code_hash=source_code_hash(data),
        zipped_bytes=len(data),
        unzipped_bytes=unzipped,
        build_key=key,
    )
    manifest_path.write_text(json.dumps(asdict(built), indent=2, sort_keys=True) + "\n")
    return BuiltPackage(**{**asdict(built), "rebuilt": True})


def output_folder(architecture: str) -> Path:
    """One folder per architecture: an arm64 and an x86_64 env never share (or overwrite) a zip."""
    return BUILD / architecture


def build_all(
    architecture: str, sources: Path = SOURCES, out: Path | None = None, install: Installer = pip_install
) -> list[BuiltPackage]:
    if architecture not in WHEEL_PLATFORMS:
        raise BuildError(f"architecture must be one of {sorted(WHEEL_PLATFORMS)}, got {architecture!r}")
    out = out or output_folder(architecture)
    built = [build_package(package, architecture, out, install) for package in discover(sources)]
    shared = next((b for b in built if b.name == LAYER_DIR), None)
    for function in built:
        if shared is not None and function is not shared:
            check_limits(f"{function.name} with the shared layer", 0, function.unzipped_bytes + shared.unzipped_bytes)
    return built


def size_report(built: Sequence[BuiltPackage]) -> str:
    lines = [f"{'package':<20} {'zipped':>10} {'unzipped':>10}  {'source_code_hash':<46} build"]
    for package in built:
        lines.append(
            f"{package.name:<20} {package.zipped_bytes / 1024:>8.1f}KB {package.unzipped_bytes / 1024:>8.1f}KB"
            f"  {package.source_code_hash:<46} {'rebuilt' if package.rebuilt else 'cached'}"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.build_lambdas", description=__doc__.splitlines()[0])
    parser.add_argument("architecture", nargs="?", default="arm64", help="arm64 (default) or x86_64")
    parser.add_argument("--out", type=Path, help="build folder (default: build/lambdas/<architecture>)")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        built = build_all(args.architecture, out=args.out)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not built:
        print(f"no Lambda packages under {SOURCES.relative_to(ROOT)}/ yet")
        return 0
    print(size_report(built))
    print(f"{len(built)} packages in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
