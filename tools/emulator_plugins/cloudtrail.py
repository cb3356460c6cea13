"""CloudTrail's DescribeTrails as AWS answers it: only the trails ``trailNameList`` names.

moto 5.2.5 ignores ``trailNameList`` and returns every trail of the account, so with two trails
(the account's and an env's, modules/audit.py) the provider's read of one trail finds two and
fails ("too many results"). Every other CloudTrail call goes to moto unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from tools.emulator_plugins.moto_call import Answer, WsgiApp, moto_answer, read_body

DESCRIBE_TRAILS = "DescribeTrails"  # the operation, last part of X-Amz-Target (its prefix varies by SDK)


class CloudTrailNames:
    """Served in front of moto for the ``cloudtrail`` service."""

    def __init__(self, moto_app: WsgiApp) -> None:
        self.moto_app = moto_app

    def handles(self, path: str) -> bool:
        return True

    def reset(self) -> None:
        """Nothing of its own: the trails are moto's."""

    def __call__(self, environ: dict[str, Any], region: str) -> Answer:
        body = read_body(environ)
        status, headers, answer = moto_answer(self.moto_app, environ, body)
        if str(environ.get("HTTP_X_AMZ_TARGET", "")).rsplit(".", 1)[-1] != DESCRIBE_TRAILS or status != 200:
            return status, headers, answer
        names = set(json.loads(body or b"{}").get("trailNameList") or ())
        if not names:
            return status, headers, answer
        trails = json.loads(answer)
        trails["trailList"] = [t for t in trails.get("trailList", []) if {t.get("Name"), t.get("TrailARN")} & names]
        return status, headers, json.dumps(trails).encode()
