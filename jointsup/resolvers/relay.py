"""Relay plumbing: global ids, connections, page-size rules and offset cursors."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from jointsup.errors import InvalidInput
from jointsup.graph.store import Page, encode_cursor
from jointsup.model import Node, NodeRef

T = TypeVar("T")
S = TypeVar("S")
DEFAULT_PAGE = 20
MAX_PAGE = 100


def encode_id(label: str, key: str) -> str:
    """The global id of a node: base64 of `Label:key`."""
    return base64.b64encode(f"{label}:{key}".encode()).decode()


def decode_id(global_id: str) -> NodeRef:
    """Inverse of `encode_id`; InvalidInput when it is not one."""
    try:
        return NodeRef.parse(base64.b64decode(global_id.encode(), validate=True).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(f"not a node id: {global_id!r}") from None


def page_size(first: int | None) -> int:
    """`first`, defaulting to 20; outside 0–100 is an INVALID_INPUT error."""
    if first is None:
        return DEFAULT_PAGE
    if not 0 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 0 and {MAX_PAGE}, not {first}")
    return first


def offset_cursor(offset: int) -> str:
    """An opaque cursor for a position in an in-memory list."""
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def parse_offset(after: str | None) -> int:
    """The position after which a page of an in-memory list starts (0 without a cursor)."""
    if after is None:
        return 0
    try:
        tag, _, value = base64.urlsafe_b64decode(after.encode()).decode().partition(":")
        if tag != "o" or not value.isdigit():
            raise ValueError(after)
        return int(value) + 1
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("malformed cursor") from None


@strawberry.type(description="Where a page ends and whether more follow.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int | None = strawberry.field(
        description="How many there are in all (null where counting would be costly).")


def slice_connection(items: Sequence[S], first: int | None, after: str | None,
                     wrap: Callable[[S], T]) -> Connection[T]:
    """A page of an in-memory list (a node's batched relations), with offset cursors."""
    size = page_size(first)
    start = parse_offset(after)
    chunk = items[start:start + size]
    edges = [Edge(cursor=offset_cursor(start + i), node=wrap(item)) for i, item in enumerate(chunk)]
    return Connection(edges=edges,
                      page_info=PageInfo(has_next_page=start + size < len(items),
                                         end_cursor=edges[-1].cursor if edges else None),
                      total_count=len(items))


def keyset_connection(page: Page, wrap: Callable[[Node], T], total: int | None,
                      sort_prop: str | None = None) -> Connection[T]:
    """A page the store read by keyset (ordered by `sort_prop`, then key) as a connection."""
    edges = [Edge(cursor=encode_cursor(n.props.get(sort_prop) if sort_prop else None, n.key),
                  node=wrap(n)) for n in page.items]
    if edges and page.end_cursor:
        edges[-1] = Edge(cursor=page.end_cursor, node=edges[-1].node)
    return Connection(edges=edges, page_info=PageInfo(has_next_page=page.has_next,
                                                      end_cursor=page.end_cursor),
                      total_count=total)
