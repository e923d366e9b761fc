"""Natural persons and their roles in enterprises, masked for callers without personal data."""

from __future__ import annotations

import strawberry

from jointsup.graph.store import Neighbour
from jointsup.resolvers.relay import Connection, encode_id, slice_connection
from jointsup.resolvers.types.common import (
    ROLE_OF_TYPE,
    ROLE_RELS,
    Ctx,
    LazyEnterprise,
    NodeInterface,
    as_enterprise,
    neighbours,
    prop_str,
)
from jointsup.services import visibility


@strawberry.type(description="Natural person; name and id masked unless the caller may see "
                             "personal data.")
class Person(NodeInterface):
    @strawberry.field(description="Global id; for callers who see masked data an opaque id that "
                                  "node(id:) does not resolve.")
    def id(self, info: Ctx) -> strawberry.ID:
        key = visibility.opaque_person_key(info.context.principal, self.raw.key)
        return strawberry.ID(encode_id("Person", key))

    @strawberry.field(description="Internal id or `h:` hash of an identity number (masked for "
                                  "partners).")
    def person_id(self, info: Ctx) -> str:
        return visibility.person_id(info.context.principal, self.raw.key) or ""

    @strawberry.field(description="Name (张** for partners).")
    def name(self, info: Ctx) -> str | None:
        return visibility.person_name(info.context.principal, prop_str(self.raw, "name"))

    @strawberry.field(description="The enterprises the person holds a role in.")
    async def roles(self, info: Ctx, first: int | None = None,
                    after: str | None = None) -> Connection[EnterpriseRole]:
        nbs = await neighbours(info, self.raw.ref, ROLE_RELS, "out", ["Enterprise"])
        return slice_connection(nbs, first, after, lambda nb: EnterpriseRole(rel=nb))


@strawberry.type
class Role:
    """The fields of a role relationship, shared by its views from either end."""

    rel: strawberry.Private[Neighbour]

    @strawberry.field(description="legal_rep, shareholder, executive, liaison or agent.")
    def role(self) -> str:
        return ROLE_OF_TYPE.get(self.rel.rel.type, self.rel.rel.type)

    @strawberry.field
    def share_ratio(self) -> float | None:
        value = self.rel.rel.props.get("share_ratio")
        return float(value) if isinstance(value, int | float) else None


@strawberry.type(description="A person's role in an enterprise, seen from the person.")
class EnterpriseRole(Role):
    @strawberry.field
    def enterprise(self) -> LazyEnterprise:
        return as_enterprise(self.rel.node)


@strawberry.type(description="A person's role in an enterprise, seen from the enterprise.")
class PersonRole(Role):
    @strawberry.field
    def person(self) -> Person:
        return Person(raw=self.rel.node)
