"""GraphQL object types: thin views of store nodes."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from jointsup.model import Node
from jointsup.resolvers.context import RequestContext


def _text(node: Node, name: str) -> str | None:
    value = node.props.get(name)
    return None if value is None else str(value)


@strawberry.type(description="A market entity (市场主体), keyed by its unified social credit code.")
class Enterprise:
    node: strawberry.Private[Node]

    @strawberry.field(description="Unified social credit code (统一社会信用代码).")
    def uscc(self) -> str:
        return self.node.key

    @strawberry.field(description="Registered name.")
    def name(self) -> str:
        return _text(self.node, "name") or ""

    @strawberry.field(description="Registration status: 存续, 在业, 吊销, 注销 …")
    def status(self) -> str | None:
        return _text(self.node, "status")


async def enterprise_by_uscc(info: Info[RequestContext, None], uscc: str) -> Enterprise | None:
    """One enterprise, through the request's loader."""
    node = await info.context.loaders.node("Enterprise").load(uscc.strip().upper())
    return Enterprise(node=node) if node else None
