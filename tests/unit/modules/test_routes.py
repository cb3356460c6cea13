"""The route table is the one definition of who may call what: the authorizer's grants come from it."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from modules.naming import Function
from modules.routes import ROUTES, Scope, scope_grants
from tests.conftest import SynthFn
from tests.helpers import body


def execute_api_tail(method: str, path: str) -> str:
    """What API Gateway puts after the stage in a method ARN for a request, with ids filled in."""
    return f"{method}/{path.strip('/').replace('{', '').replace('}', '')}"


def test_every_route_is_reachable_by_its_scope_and_by_no_other() -> None:
    grants = scope_grants()
    for route in ROUTES:
        request = execute_api_tail(route.method, route.path)
        reachable = {scope for scope, paths in grants.items() if any(fnmatchcase(request, p) for p in paths)}
        assert reachable == {route.scope.value}, (route, reachable)


def test_no_scope_grants_a_path_that_is_not_a_route() -> None:
    routes = {route.grant for route in ROUTES}
    for scope, paths in scope_grants().items():
        assert set(paths) <= routes, (scope, set(paths) - routes)
    assert sorted(scope_grants()) == sorted(scope.value for scope in Scope)  # every scope known to the authorizer


def test_the_authorizer_is_given_exactly_the_generated_grants(platform: dict[str, Any], synth: SynthFn) -> None:
    integration = platform["prod"].integration
    authorizer = integration.functions.functions[Function.AUTHORIZER]
    variables = body(synth(integration), authorizer)["environment"]["variables"]
    assert json.loads(variables["SCOPE_GRANTS"]) == scope_grants()
