"""The GraphQL schema: the root Query and its construction."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from jointsup.resolvers.context import RequestContext
from jointsup.resolvers.types import Enterprise, enterprise_by_uscc


@strawberry.type
class Query:
    @strawberry.field(description="One enterprise by its USCC.")
    async def enterprise(self, info: Info[RequestContext, None], uscc: str) -> Enterprise | None:
        return await enterprise_by_uscc(info, uscc)


def build_schema() -> strawberry.Schema:
    """The schema served at /graphql and exported to schema.graphql."""
    return strawberry.Schema(query=Query)
