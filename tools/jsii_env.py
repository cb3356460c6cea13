"""Settings for the jsii Node process behind cdktf, applied before cdktf is imported.

jsii starts Node once per Python process; these keep its output clean and its start-up cheap.
``prepare_jsii()`` is what main.py and the tests call; ``make bench`` measures what each part saves.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from collections.abc import Mapping, MutableMapping
from pathlib import Path

# Node majors jsii calls end-of-life or deprecated; users should not see a banner per command.
QUIET_NODE_MAJORS = "16,18,20,21,22,23"

PROVIDER_PACKAGE = "cdktf_cdktf_provider_aws"
# Set to 1 to load the provider bindings the standard way (the whole package index, in Python and Node).
EAGER_IMPORT_VARIABLE = "PLATFORM_EAGER_PROVIDER_IMPORT"
NODE_PRELOAD = Path(__file__).with_name("jsii_lazy_provider.cjs")


def quiet_jsii(environ: MutableMapping[str, str] = os.environ) -> None:
    """Silence jsii's Node version banners and keep its package cache on (0.55 GB instead of 1.5 GB peak)."""
    for warning in ("END_OF_LIFE", "DEPRECATED", "UNTESTED"):
        environ.setdefault(f"JSII_SILENCE_WARNING_{warning}_NODE_VERSION", QUIET_NODE_MAJORS)
    environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE", "enabled")


def prepare_jsii(environ: MutableMapping[str, str] = os.environ) -> None:
    """Everything that has to happen before the first cdktf import: quiet banners, the package cache,
    and the provider bindings without their package index, on both sides of jsii."""
    quiet_jsii(environ)
    if environ.get(EAGER_IMPORT_VARIABLE) != "1":
        preload_lazy_provider_index(environ)
        skip_provider_package_index()


def preload_lazy_provider_index(environ: MutableMapping[str, str] = os.environ) -> None:
    """Have the jsii kernel's Node process (it inherits this environment) load the provider's JS index
    lazily: see tools/jsii_lazy_provider.cjs. Other Node programs are unaffected by the preload."""
    option = f'--require "{NODE_PRELOAD}"'
    current = environ.get("NODE_OPTIONS", "")
    if option not in current:
        environ["NODE_OPTIONS"] = f"{current} {option}".strip()


def skip_provider_package_index(modules: MutableMapping[str, types.ModuleType] = sys.modules) -> bool:
    """Register ``cdktf_cdktf_provider_aws`` as a package without running its ``__init__``.

    That ``__init__`` imports all 2,136 resource modules of the provider: ~10 s and ~470 MB in Python,
    when a synth of this platform uses about 70 of them. A resource module still imports the normal
    way (``from cdktf_cdktf_provider_aws.vpc import Vpc``) and loads the jsii assembly through the
    package's ``_jsii`` module, as before (the Node side's own index is preload_lazy_provider_index's
    business). Attribute access on the package (``cdktf_cdktf_provider_aws.vpc``) imports that module
    on demand, as the real index would have.

    Returns False (and changes nothing) when the package is already imported or not installed.
    """
    if PROVIDER_PACKAGE in modules:
        return False
    spec = importlib.util.find_spec(PROVIDER_PACKAGE)
    if spec is None or spec.submodule_search_locations is None:
        return False
    package = importlib.util.module_from_spec(spec)
    package.__path__ = list(spec.submodule_search_locations)
    vars(package)["__getattr__"] = _import_resource_module_on_access  # PEP 562: a module's own __getattr__
    modules[PROVIDER_PACKAGE] = package
    return True


def _import_resource_module_on_access(name: str) -> types.ModuleType:
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return importlib.import_module(f"{PROVIDER_PACKAGE}.{name}")
    except ModuleNotFoundError as error:
        raise AttributeError(f"module {PROVIDER_PACKAGE!r} has no attribute {name!r}") from error


def imported_resource_modules(modules: Mapping[str, types.ModuleType] = sys.modules) -> set[str]:
    """The provider's resource modules this process has imported (``vpc``, ``s3_bucket``, ...)."""
    prefix = f"{PROVIDER_PACKAGE}."
    return {name[len(prefix) :] for name in modules if name.startswith(prefix) and name.count(".") == 1} - {"_jsii"}
