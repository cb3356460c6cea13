"""Settings for the jsii Node process behind cdktf, applied before cdktf is imported.

jsii starts Node once per Python process; these keep its output clean and its start-up cheap.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

# Node majors jsii calls end-of-life or deprecated; users should not see a banner per command.
QUIET_NODE_MAJORS = "16,18,20,21,22,23"


def quiet_jsii(environ: MutableMapping[str, str] = os.environ) -> None:
    """Silence jsii's Node version banners and keep its package cache on (0.55 GB instead of 1.5 GB peak)."""
    for warning in ("END_OF_LIFE", "DEPRECATED", "UNTESTED"):
        environ.setdefault(f"JSII_SILENCE_WARNING_{warning}_NODE_VERSION", QUIET_NODE_MAJORS)
    environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE", "enabled")
