"""Small readers over synthesized Terraform JSON, so assertions name what users care about."""

from __future__ import annotations

import json
from typing import Any


def resources(synthesized: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    """All resources of one type, in logical-id order."""
    found = synthesized.get("resource", {}).get(resource_type, {})
    return [found[logical_id] for logical_id in sorted(found)]


def only(synthesized: dict[str, Any], resource_type: str) -> dict[str, Any]:
    found = resources(synthesized, resource_type)
    assert len(found) == 1, f"expected exactly one {resource_type}, found {len(found)}"
    return found[0]


def policy(resource: dict[str, Any], attribute: str = "policy") -> dict[str, Any]:
    return json.loads(resource[attribute])


def reference_to(resource_type: str, synthesized: dict[str, Any], resource: dict[str, Any], attribute: str) -> str:
    """The `${type.logical_id.attribute}` expression that points at ``resource``."""
    for logical_id, body in synthesized["resource"][resource_type].items():
        if body is resource:
            return f"${{{resource_type}.{logical_id}.{attribute}}}"
    raise AssertionError(f"resource not found among {resource_type}")


def body(synthesized: dict[str, Any], resource: Any) -> dict[str, Any]:
    """The synthesized JSON of a resource object, found by the logical id its stack gives it."""
    from cdktf import TerraformStack

    logical_id = TerraformStack.of(resource).get_logical_id(resource)
    found: dict[str, Any] = synthesized["resource"][resource.terraform_resource_type][logical_id]
    return found


def ref(resource: Any, attribute: str) -> str:
    """The `${type.logical_id.attribute}` expression a same-stack reference to ``resource`` synthesizes to."""
    from cdktf import TerraformStack

    logical_id = TerraformStack.of(resource).get_logical_id(resource)
    return f"${{{resource.terraform_resource_type}.{logical_id}.{attribute}}}"


def under(synthesized: dict[str, Any], resource_type: str, prefix: str) -> list[dict[str, Any]]:
    """Every resource of ``resource_type`` whose construct path starts with ``prefix`` (logical-id order)."""
    found = synthesized.get("resource", {}).get(resource_type, {})
    start = prefix.replace("/", "_")
    return [found[logical_id] for logical_id in sorted(found) if logical_id.startswith(start)]


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document["Statement"])


def as_list(value: Any) -> list[Any]:
    """IAM allows a single string where a list is allowed; tests compare lists."""
    return value if isinstance(value, list) else [value]


def lambda_shared_models() -> Any:
    """``cc_shared.models`` from the Lambda layer's sources, for tests that keep infra in step with it."""
    import importlib
    import sys
    from pathlib import Path

    layer = str(Path(__file__).resolve().parent.parent / "lambdas" / "shared")
    sys.path.insert(0, layer)
    try:
        return importlib.import_module("cc_shared.models")
    finally:
        sys.path.remove(layer)
