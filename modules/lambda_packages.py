"""The built Lambda packages, as the constructs use them: ``tools/build_lambdas.py`` builds one zip
per function and one for the shared layer, each with a manifest (its ``source_code_hash``); this
reads those manifests, and refuses to synthesize from missing or unbuilt packages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from modules.naming import Function

LAYER_PACKAGE = "shared"  # lambdas/shared: the layer every function runs with
RUNTIME = "python3.12"  # the Lambda runtime: the functions run on it, the packages are built for it


class PackagesNotBuilt(RuntimeError):
    """The Lambda packages are missing or stale; the message says how to build them."""


@dataclass(frozen=True)
class Package:
    """One built zip: where it is and the ``source_code_hash`` the build recorded for it."""

    name: str
    zip_path: Path
    source_code_hash: str


@dataclass(frozen=True)
class LambdaPackages:
    """The shared layer and every function's package, for one architecture."""

    layer: Package
    functions: Mapping[Function, Package]

    @classmethod
    def from_build(cls, folder: Path) -> LambdaPackages:
        """Read the manifests ``tools/build_lambdas.py`` wrote into ``folder``."""

        def load(name: str) -> Package:
            manifest = folder / f"{name}.json"
            if not manifest.is_file():
                raise PackagesNotBuilt(f"{manifest} is missing: build the Lambda packages first (make lambdas)")
            data = json.loads(manifest.read_text())
            zip_path = folder / data["zip_file"]
            if not zip_path.is_file():
                raise PackagesNotBuilt(f"{zip_path} is missing: build the Lambda packages first (make lambdas)")
            return Package(name=name, zip_path=zip_path, source_code_hash=data["source_code_hash"])

        return cls(layer=load(LAYER_PACKAGE), functions={f: load(package_name(f)) for f in Function})


def package_name(function: Function) -> str:
    """The function's folder under ``lambdas/`` (and its handler module): core-api -> core_api."""
    return function.value.replace("-", "_")
