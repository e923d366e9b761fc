"""Shared pieces of the GraphQL types: the Node interface, property readers, batched loads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from jointsup.graph.store import Direction, Neighbour
from jointsup.model import ROLE_TYPES, NodeRef
from jointsup.model import Node as StoreNode
from jointsup.resolvers.context import RequestContext
from jointsup.resolvers.relay import encode_id

if TYPE_CHECKING:
    from jointsup.resolvers.types.enterprise import Enterprise

Ctx = Info[RequestContext, None]
ROLE_OF_TYPE = {t: role for role, t in ROLE_TYPES.items()}
ROLE_RELS = list(ROLE_TYPES.values())

# Enterprise links to most other types and several link back; a lazy reference breaks the cycle.
LazyEnterprise = Annotated["Enterprise", strawberry.lazy("jointsup.resolvers.types.enterprise")]


def prop_str(node: StoreNode, name: str) -> str | None:
    """A property as text, None when absent."""
    value = node.props.get(name)
    return None if value is None else str(value)


def prop_float(node: StoreNode, name: str) -> float | None:
    """A numeric property as a float, None when absent or not a number."""
    value = node.props.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def prop_int(node: StoreNode, name: str) -> int | None:
    """An integer property, None when absent or not an integer."""
    value = node.props.get(name)
    return value if isinstance(value, int) else None


def prop_bool(node: StoreNode, name: str) -> bool | None:
    """A boolean property, None when absent or not a boolean."""
    value = node.props.get(name)
    return value if isinstance(value, bool) else None


def prop_strs(node: StoreNode, name: str) -> list[str]:
    """A list property as texts; a single value becomes a one-item list."""
    value = node.props.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


async def neighbours(info: Ctx, ref: NodeRef, types: list[str], direction: Direction,
                     labels: list[str]) -> list[Neighbour]:
    """A node's relationships and their far ends, through the request's loader."""
    return await info.context.loaders.neighbours(types, direction, labels).load(ref)


async def linked(info: Ctx, node: StoreNode, rel: str, direction: Direction,
                 label: str) -> list[StoreNode]:
    """The nodes of one label that one relationship type links to `node`."""
    return [nb.node for nb in await neighbours(info, node.ref, [rel], direction, [label])]


async def load(info: Ctx, label: str, key: str | None) -> StoreNode | None:
    """One node by key through the request's loader; None for a missing or empty key."""
    if not key:
        return None
    return await info.context.loaders.node(label).load(key)


async def ancestors(info: Ctx, start: StoreNode | None, label: str, limit: int,
                    parent_key: Callable[[StoreNode], str | None]) -> list[StoreNode]:
    """The node and its parents up to `limit` levels, one batched load per level."""
    chain: list[StoreNode] = []
    node = start
    while node is not None and len(chain) < limit:
        chain.append(node)
        node = await load(info, label, parent_key(node))
    return chain


def newest_first(nodes: Iterable[StoreNode], date_prop: str) -> list[StoreNode]:
    """Nodes by a date property, latest first (ties broken by key)."""
    return sorted(nodes, key=lambda n: (str(n.props.get(date_prop) or ""), n.key), reverse=True)


def as_enterprise(node: StoreNode) -> Enterprise:
    """The Enterprise view of a node, for the types Enterprise itself imports."""
    from jointsup.resolvers.types.enterprise import Enterprise  # import cycle: see LazyEnterprise

    return Enterprise(raw=node)


@strawberry.interface(name="Node", description="Anything with a global id (Relay).")
class NodeInterface:
    raw: strawberry.Private[StoreNode]

    @strawberry.field(description="Global id: base64 of `Label:key`; resolve it with node(id:).")
    def id(self, info: Ctx) -> strawberry.ID:
        return strawberry.ID(encode_id(self.raw.label, self.raw.key))


# Scalar fields read straight from the node are declared as plain attributes with a default and
# filled from `raw` in `__post_init__`: strawberry resolves an attribute without building an Info,
# converting arguments or running the extension chain — several times cheaper per field, which
# counts in answers of hundreds of fields. Construction stays `Type(raw=node)`.


@strawberry.type
class CodedNode(NodeInterface):
    """A catalogue entry keyed by its official code, with a name (regions, industries, …)."""

    code: str = ""
    name: str = ""

    def __post_init__(self) -> None:
        self.code = self.raw.key
        self.name = prop_str(self.raw, "name") or ""
