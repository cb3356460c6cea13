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
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field, replace
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


def _closure(
    addresses: Iterable[str], known: Container[str], dependencies_of: Callable[[str], Iterable[str]]
) -> set[str]:
    """``addresses`` and, transitively, what they depend on, among ``known`` addresses."""
    pending, seen = list(addresses), set()
    while pending:
        address = pending.pop()
        if address in seen or address not in known:
            continue
        seen.add(address)
        pending.extend(dependencies_of(address))
    return seen


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
        return _closure(addresses, self.resources, self.dependencies_of)

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

    def upstreams_of(self, address: str) -> frozenset[str]:
        """The stacks whose outputs ``address`` needs, directly or through what it depends on."""
        return frozenset(
            match["stack"]
            for dependency in self.closure([address])
            for match in _REMOTE_OUTPUT.finditer(json.dumps(self.resources[dependency]))
        )

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
    """A stack, the stacks it must wait for, and the resources its readers need (None: all of them).

    ``resources`` maps each managed resource to the stacks whose outputs it needs and the provider's
    fixed waits on its chain: what can be applied, and what is worth applying, before every stack
    this one reads from is ready (``tools.deploy``). ``read`` is what the readers need applied,
    ``read_outputs`` the outputs they read."""

    name: str
    needs: frozenset[str]
    ready_targets: tuple[str, ...] | None
    resources: Mapping[str, EarlyResource] = field(default_factory=dict)
    read: frozenset[str] = frozenset()
    read_outputs: frozenset[str] = frozenset()

    def applicable(self, ready: Iterable[str]) -> tuple[str, ...]:
        """The resources whose upstream stacks are all among ``ready`` (sorted)."""
        have = set(ready)
        return tuple(sorted(address for address, early in self.resources.items() if early.upstreams <= have))

    def closure(self, addresses: Iterable[str]) -> set[str]:
        """``addresses`` and the managed resources of the stack they depend on (what `-target` applies)."""
        return _closure(addresses, self.resources, lambda address: self.resources[address].depends_on)

    def remaining_wait(self, addresses: Iterable[str], applied: Iterable[str] = ()) -> float:
        """The longest chain of fixed waits left among ``addresses`` and what they depend on, when
        ``applied`` (and so what they depend on) is done already."""
        done, memo = set(applied), {}

        def chain(address: str) -> float:
            if address in done or address not in self.resources:
                return 0.0
            if address not in memo:
                early = self.resources[address]
                memo[address] = early.own_wait + max((chain(d) for d in early.depends_on), default=0.0)
            return memo[address]

        return max((chain(address) for address in addresses), default=0.0)

    def limit_to_read(self, addresses: Iterable[str]) -> tuple[str, ...]:
        """``addresses`` without waits longer than the chain of what the readers need."""
        limit = self.remaining_wait(self.read)
        return tuple(address for address in addresses if self.resources[address].wait_floor <= limit)


@dataclass(frozen=True)
class EarlyResource:
    upstreams: frozenset[str]  # stacks whose outputs it needs
    wait_floor: float  # seconds of the provider's fixed waits on its longest chain
    own_wait: float = 0.0  # seconds the provider waits after creating it (tools.provider_waits)
    depends_on: frozenset[str] = frozenset()  # the managed resources of the stack it refers to
    head: float = 0.0  # seconds of fixed waits that must pass before it can be created, at least
    through: float = 0.0  # seconds of fixed waits on the longest chain of the deploy through it


@dataclass(frozen=True)
class StackGraph:
    """The env's stacks in a deterministic deployment order (bootstrap first, then by dependency)."""

    order: tuple[str, ...]
    nodes: Mapping[str, StackNode]

    def dependents_of(self, name: str) -> list[str]:
        return [other for other in self.order if name in self.nodes[other].needs]

    @cached_property
    def longest_chain(self) -> float:
        """The deploy's critical path: its longest chain of the provider's fixed waits (seconds)."""
        return max((early.through for node in self.nodes.values() for early in node.resources.values()), default=0.0)

    def critical_chain(self) -> list[tuple[str, str]]:
        """The (stack, resource) waits of the longest chain, first to last: the deploy's floor."""
        chain = [
            (name, address, early.head)
            for name, node in self.nodes.items()
            for address, early in node.resources.items()
            if early.own_wait and early.through == self.longest_chain
        ]
        picked: list[tuple[str, str]] = []
        reached = 0.0
        for name, address, head in sorted(chain, key=lambda item: (item[2], item[0], item[1])):
            if head == reached:  # one resource per link (resources waiting side by side share one)
                picked.append((name, address))
                reached = head + self.nodes[name].resources[address].own_wait
        return picked

    def on_critical_path(self, name: str, addresses: Iterable[str], slack: float) -> bool:
        """Whether applying ``addresses`` of stack ``name`` is within ``slack`` seconds of the critical path."""
        resources = self.nodes[name].resources
        return any(resources[a].through >= self.longest_chain - slack for a in addresses if a in resources)

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


def stack_graph(outdir: Path, env_name: str, only: Iterable[str] = ()) -> StackGraph:
    """The env's stacks with, for each, the resources its readers need (``-target`` for a first apply).

    ``only``: just those stacks. The ones left out count as deployed already, so nobody waits for
    them, and what only they read is not waited for: a stack none of the chosen stacks reads is
    applied in one step, and one they read part of is ready once that part is."""
    dependencies = manifest_dependencies(outdir, env_name)
    unknown = sorted(set(only) - set(dependencies))
    if unknown:
        raise StackGraphError(
            f"no such stack in env {env_name!r}: {', '.join(unknown)} (stacks: {', '.join(ordered(dependencies))})"
        )
    kept = set(only) or set(dependencies)
    dependencies = {name: needs & kept for name, needs in dependencies.items() if name in kept}
    order = ordered(dependencies)
    read = outputs_read(outdir, [name for name in order if not name.startswith(BOOTSTRAP_PREFIX)])
    nodes: dict[str, StackNode] = {}
    for name in order:
        readers = [other for other in order if name in dependencies[other]]
        wanted = {STATE_BUCKET_OUTPUT} if name.startswith(BOOTSTRAP_PREFIX) else read.get(name, set())
        stack = StackConfig.load(outdir, name)
        nodes[name] = StackNode(
            name,
            frozenset(dependencies[name]),
            _ready_targets(outdir, name, readers, wanted),
            resources={
                address: EarlyResource(
                    stack.upstreams_of(address) & kept,
                    stack.wait_floor([address])[0],
                    fixed_wait(address.split(".")[-2]),
                    frozenset(d for d in stack.dependencies_of(address) if not d.startswith("data.")),
                )
                for address in sorted(stack.resources)
                if not address.startswith("data.")
            },
            read=frozenset(
                address
                for address in (stack.closure(stack.behind_outputs(sorted(wanted))) if readers and wanted else ())
                if not address.startswith("data.")
            ),
            read_outputs=frozenset(wanted if readers else ()),
        )
    return StackGraph(tuple(order), _with_tails(nodes))


def _with_tails(nodes: Mapping[str, StackNode]) -> dict[str, StackNode]:
    """Each resource's ``through``: the longest chain of the provider's fixed waits from the start of
    the deploy to its end that passes through it. Chains run through what depends on a resource in
    its stack and, when the stack's readers need it, through theirs (every stack's resources need the
    bootstrap stack's bucket). The resources with the longest chains are the deploy's critical path,
    which ``tools.deploy`` gives the CPU first."""
    after: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for name, node in nodes.items():
        for address, early in node.resources.items():
            for dependency in early.depends_on:
                after.setdefault((name, dependency), set()).add((name, address))
    for name, node in nodes.items():
        waiting = {
            (reader.name, address)
            for reader in nodes.values()
            if name in reader.needs
            for address, early in reader.resources.items()
            if name in early.upstreams or name.startswith(BOOTSTRAP_PREFIX)
        }
        for address in node.read:
            after.setdefault((name, address), set()).update(waiting)
    before: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for key, followers in after.items():
        for follower in followers:
            before.setdefault(follower, set()).add(key)

    def own(key: tuple[str, str]) -> float:
        return nodes[key[0]].resources[key[1]].own_wait

    tails: dict[tuple[str, str], float] = {}
    heads: dict[tuple[str, str], float] = {}

    def tail(key: tuple[str, str]) -> float:  # from its creation to the end, its own wait included
        if key not in tails:
            tails[key] = own(key) + max((tail(other) for other in sorted(after.get(key, ()))), default=0.0)
        return tails[key]

    def head(key: tuple[str, str]) -> float:  # from the start to its creation
        if key not in heads:
            heads[key] = max((head(other) + own(other) for other in sorted(before.get(key, ()))), default=0.0)
        return heads[key]

    return {
        name: replace(
            node,
            resources={
                address: replace(
                    early, head=head((name, address)), through=head((name, address)) + tail((name, address))
                )
                for address, early in node.resources.items()
            },
        )
        for name, node in nodes.items()
    }


def _ready_targets(outdir: Path, name: str, readers: list[str], outputs: set[str]) -> tuple[str, ...] | None:
    """What to apply before the readers may start (what the outputs they read refer to), or None when
    that would be the whole stack anyway. Nothing more: on 2 cores, every resource in the first step
    costs the CPU the readers' own first steps need; the rest is applied while they run."""
    if not readers or not outputs:
        return None
    stack = StackConfig.load(outdir, name)
    needed = stack.behind_outputs(sorted(outputs))
    if not needed:
        return None
    managed = sorted(address for address in stack.resources if not address.startswith("data."))
    if set(managed) <= stack.closure(needed):
        return None
    return tuple(sorted(needed))
