"""The private API's routes, and the OAuth scope that may call each: the one definition the API
Gateway construct builds its methods from and the authorizer's grants are generated from.

A route is a method and a path (``{name}`` marks a path parameter), the function behind it, its body
model and query parameters, and its ``scope``. ``scope_grants`` turns the table into what the
authorizer allows per scope: ``METHOD/path`` resources of the API's execute-api ARNs, with ``*`` for
each path parameter. The integration layer hands them to the authorizer (``SCOPE_GRANTS``), so a new
route is callable by its scope without an edit to the authorizer, and no scope reaches a path that
is not a route.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from modules.naming import Function


class Scope(StrEnum):
    """What a token's ``scope``/``scp`` claims may grant."""

    READ = "contact-center/read"  # queues, contacts, agents, callbacks: read
    WRITE = "contact-center/write"  # queues, experiences, callbacks: create and change
    SUPERVISOR = "contact-center/supervisor"  # the command center's metrics


@dataclass(frozen=True)
class Route:
    """One method of the API: who serves it, who may call it, its body model and its query parameters."""

    method: str  # GET, POST, PUT
    path: str  # e.g. /v1/queues/{queueId}
    function: Function  # the Lambda proxy behind it
    scope: Scope  # the scope a token needs to call it
    model: str | None = None  # the body's JSON schema model (modules/api_gateway.py MODELS)
    required_query: tuple[str, ...] = ()
    optional_query: tuple[str, ...] = ()

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(part[1:-1] for part in self.path.split("/") if part.startswith("{"))

    def request_parameters(self) -> dict[str, bool]:
        parameters = {f"method.request.path.{name}": True for name in self.path_parameters}
        parameters |= {f"method.request.querystring.{name}": True for name in self.required_query}
        parameters |= {f"method.request.querystring.{name}": False for name in self.optional_query}
        return parameters

    @property
    def grant(self) -> str:
        """The route as the tail of an execute-api ARN: ``GET/v1/queues/*`` for ``/v1/queues/{queueId}``."""
        parts = ["*" if part.startswith("{") else part for part in self.path.strip("/").split("/")]
        return f"{self.method}/{'/'.join(parts)}"


_PAGED = ("limit", "cursor")
ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/queues", Function.CORE_API, Scope.READ, optional_query=_PAGED),
    Route("POST", "/v1/queues", Function.CORE_API, Scope.WRITE, model="NewQueue"),
    Route("GET", "/v1/queues/{queueId}", Function.CORE_API, Scope.READ),
    Route("GET", "/v1/queues/{queueId}/experience", Function.CORE_API, Scope.READ),
    Route("PUT", "/v1/queues/{queueId}/experience", Function.CORE_API, Scope.WRITE, model="QueueExperience"),
    Route("GET", "/v1/contacts", Function.CORE_API, Scope.READ, required_query=("queueId",), optional_query=_PAGED),
    Route("GET", "/v1/contacts/{contactId}", Function.CORE_API, Scope.READ),
    Route("GET", "/v1/agents", Function.CORE_API, Scope.READ, optional_query=_PAGED),
    Route("GET", "/v1/callbacks", Function.CORE_API, Scope.READ, optional_query=("limit", "status")),
    Route("POST", "/v1/callbacks", Function.CORE_API, Scope.WRITE, model="NewCallback"),
    Route("GET", "/v1/command-center/metrics", Function.COMMAND_CENTER, Scope.SUPERVISOR),
    Route("GET", "/v1/command-center/queues/{queueId}", Function.COMMAND_CENTER, Scope.SUPERVISOR),
)


def scope_grants(routes: Iterable[Route] | None = None) -> dict[str, list[str]]:
    """Scope -> the sorted ``METHOD/path`` grants of its routes (every scope listed, even if empty)."""
    table = ROUTES if routes is None else tuple(routes)
    return {scope.value: sorted({route.grant for route in table if route.scope is scope}) for scope in Scope}
