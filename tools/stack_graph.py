"""The stacks of one environment as a graph, read from the synthesized output: who reads whom, and
which of a stack's resources its readers actually need.

Why: Terraform applies one stack at a time, but a later stack only needs the outputs it reads, and
those outputs usually depend on a fraction of the earlier stack. The provider's fixed waits sit on
other resources (an S3 lifecycle configuration waits 55 s, an RDS instance 80 s; see
``tools.provider_waits``). Applying first the resources behind the read outputs (``-target``) lets
the readers start while the earlier stack finishes the rest (``tools.deploy``).

Edges come from cdktf's manifest (one per cross-stack reference). Every layer stack also needs the
bootstrap stack: its S3 backend lives in the bucket bootstrap creates, so bootstrap's readers need
the resources behind its ``state_bucket_name`` output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from envs import BOOTSTRAP_LAYER, stack_name
from tools.provider_waits import fixed_wait

# The output of the bootstrap stack that every backend needs: the bucket and what makes it ready.
STATE_BUCKET_OUTPUT = "state_bucket_name"
BOOTSTRAP_PREFIX = stack_name(BOOTSTRAP_LAYER, "")
# `${aws_s3_bucket.logical_id.attribute}` / `${data.aws_iam_policy_document.x.json}`: the address is
# the first two (resources) or three (data sources) dotted parts of an expression's operands.
_EXPRESSION = re.compile(r"\$\{(.*?)\}")
_ADDRESS = re.compile(r"\b(data\.[a-z0-9_]+\.[A-Za-z0-9_-]+|[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z0-9_-]+)")
_REMOTE_OUTPUT = re.compile(
    r"terraform_remote_state\.cross-stack-reference-input-(?P<stack>[a-z0-9-]+)\.outputs\.(?P<output>[A-Za-z0-9_-]+)"
)


class StackGraphError(ValueError):
    """The synthesized output is missing, or its stacks depend on each other in a cycle."""


def synthesized(outdir: Path, stack: str) -> dict[str, Any]:
    path = outdir / "stacks" / stack / "cdk.tf.json"
    if not path.is_file():
        raise StackGraphError(f"{path} has no cdk.tf.json: synthesize first (`make synth ENV=...`)")
    return dict(json.loads(path.read_text()))


def references(value: Any) -> set[str]:
    """Resource and data-source addresses an attribute value refers to, anywhere inside it."""
    text = json.dumps(value)
    found: set[str] = set()
    for expression in _EXPRESSION.findall(text):
        found |= set(_ADDRESS.findall(expression))
    return found


@dataclass(frozen=True)
class StackConfig:
    """One synthesized stack: its resources (address -> body) and outputs (name -> body)."""

    name: str
    resources: Mapping[str, Mapping[str, Any]]
    outputs: Mapping[str, Mapping[str, Any]]

    @classmethod
    def load(cls, outdir: Path, name: str) -> StackConfig:
        document = synthesized(outdir, name)
        resources = {
            f"{kind}.{logical_id}": body
            for kind, by_id in document.get("resource", {}).items()
            for logical_id, body in by_id.items()
        }
        resources |= {
            f"data.{kind}.{logical_id}": body
            for kind, by_id in document.get("data", {}).items()
            for logical_id, body in by_id.items()
        }
        return cls(name, resources, document.get("output", {}))

    def dependencies_of(self, address: str) -> set[str]:
        body = self.resources[address]
        found = references({key: value for key, value in body.items() if key != "depends_on"})
        found |= {entry.strip("${}") for entry in body.get("depends_on", [])}
        return {dependency for dependency in found if dependency in self.resources}

    def closure(self, addresses: Iterable[str]) -> set[str]:
        """``addresses`` and everything they depend on inside this stack (what `-target` applies)."""
        pending, seen = list(addresses), set()
        while pending:
            address = pending.pop()
            if address in seen or address not in self.resources:
                continue
            seen.add(address)
            pending.extend(self.dependencies_of(address))
        return seen

    def wait_floor(self, addresses: Iterable[str] | None = None) -> tuple[float, list[str]]:
        """The longest chain of the provider's fixed waits (``tools.provider_waits``) among ``addresses``
        (default: the whole stack) and what they depend on: what an apply of them cannot beat.
        Returns the seconds and the chain's resources, first to last."""
        memo: dict[str, tuple[float, list[str]]] = {}

        def longest(address: str) -> tuple[float, list[str]]:
            if address not in memo:
                memo[address] = (0.0, [])  # a valid stack has no cycle; this only guards the recursion
                before = max((longest(d) for d in sorted(self.dependencies_of(address))), default=(0.0, []))
                own = fixed_wait(address.split(".")[-2])
                memo[address] = (before[0] + own, [*before[1], address] if own else before[1])
            return memo[address]

        roots = self.closure(addresses) if addresses is not None else set(self.resources)
        return max((longest(address) for address in sorted(roots)), default=(0.0, []))

    def behind_outputs(self, names: Iterable[str]) -> set[str]:
        """The resources the given outputs refer to (their values and their ``depends_on``)."""
        found: set[str] = set()
        for name in names:
            output = self.outputs.get(name)
            if output is None:
                raise StackGraphError(f"{self.name} has no output {name!r} that another stack reads")
            found |= references(output.get("value"))
            found |= {entry.strip("${}") for entry in output.get("depends_on", [])}
        return {address for address in found if address in self.resources}


@dataclass(frozen=True)
class StackNode:
    """A stack, the stacks it must wait for, and the resources its readers need (None: all of them)."""

    name: str
    needs: frozenset[str]
    ready_targets: tuple[str, ...] | None


@dataclass(frozen=True)
class StackGraph:
    """The env's stacks in a deterministic deployment order (bootstrap first, then by dependency)."""

    order: tuple[str, ...]
    nodes: Mapping[str, StackNode]

    def dependents_of(self, name: str) -> list[str]:
        return [other for other in self.order if name in self.nodes[other].needs]

    def restricted_to(self, names: Iterable[str]) -> StackGraph:
        """Only ``names``: the stacks left out count as deployed already, so nobody waits for them, and
        a stack none of the chosen stacks reads is applied in one step."""
        kept = set(names)
        nodes = {}
        for name in self.order:
            if name in kept:
                node = self.nodes[name]
                read = any(name in self.nodes[other].needs for other in kept)
                nodes[name] = StackNode(name, node.needs & kept, node.ready_targets if read else None)
        return StackGraph(tuple(name for name in self.order if name in kept), nodes)

    @cached_property
    def position(self) -> dict[str, int]:
        return {name: index for index, name in enumerate(self.order)}


def manifest_dependencies(outdir: Path, env_name: str) -> dict[str, set[str]]:
    """Stack -> the stacks it reads from, for the stacks of ``env_name`` (bootstrap added to each)."""
    path = outdir / "manifest.json"
    if not path.is_file():
        raise StackGraphError(f"{path} not found: synthesize first (`make synth ENV={env_name}`)")
    manifest = json.loads(path.read_text())["stacks"]
    suffix = f"-{env_name}"
    names = {name for name in manifest if name.endswith(suffix)}
    bootstraps = {name for name in names if name.startswith(BOOTSTRAP_PREFIX)}
    return {name: set(manifest[name]["dependencies"]) | (set() if name in bootstraps else bootstraps) for name in names}


def ordered(dependencies: Mapping[str, set[str]]) -> list[str]:
    """Each stack after the stacks it needs; among stacks that are ready together, by name."""
    pending = {name: set(needs) for name, needs in dependencies.items()}
    order: list[str] = []
    while pending:
        ready = sorted(name for name, needs in pending.items() if needs <= set(order))
        if not ready:
            raise StackGraphError(f"dependency cycle between stacks: {sorted(pending)}")
        order += ready
        for name in ready:
            pending.pop(name)
    return order


def outputs_read(outdir: Path, readers: Iterable[str]) -> dict[str, set[str]]:
    """Stack -> the names of its outputs that ``readers`` read through ``terraform_remote_state``."""
    read: dict[str, set[str]] = {}
    for reader in readers:
        text = (outdir / "stacks" / reader / "cdk.tf.json").read_text()
        for match in _REMOTE_OUTPUT.finditer(text):
            read.setdefault(match["stack"], set()).add(match["output"])
    return read


def stack_graph(outdir: Path, env_name: str) -> StackGraph:
    """The env's stacks with, for each, the resources its readers need (``-target`` for a first apply)."""
    dependencies = manifest_dependencies(outdir, env_name)
    order = ordered(dependencies)
    read = outputs_read(outdir, [name for name in order if not name.startswith(BOOTSTRAP_PREFIX)])
    nodes: dict[str, StackNode] = {}
    for name in order:
        readers = [other for other in order if name in dependencies[other]]
        wanted = {STATE_BUCKET_OUTPUT} if name.startswith(BOOTSTRAP_PREFIX) else read.get(name, set())
        nodes[name] = StackNode(name, frozenset(dependencies[name]), _ready_targets(outdir, name, readers, wanted))
    return StackGraph(tuple(order), nodes)


def _ready_targets(outdir: Path, name: str, readers: list[str], outputs: set[str]) -> tuple[str, ...] | None:
    """What to apply before the readers may start, or None when that would be the whole stack anyway.

    Besides what the readers need, the first step takes every resource whose own chain of fixed waits
    is no longer than theirs: it ends within the same time, and the second step is left with only
    the long waits nobody reads (S3 lifecycle rules), so the stack is done soon after its readers."""
    if not readers or not outputs:
        return None
    stack = StackConfig.load(outdir, name)
    needed = stack.behind_outputs(sorted(outputs))
    if not needed:
        return None
    managed = sorted(address for address in stack.resources if not address.startswith("data."))
    floor, _ = stack.wait_floor(needed)
    targets = needed | {address for address in managed if stack.wait_floor([address])[0] <= floor}
    if set(managed) <= stack.closure(targets):
        return None
    return tuple(sorted(targets))
