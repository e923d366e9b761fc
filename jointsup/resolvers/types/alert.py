"""Risk-alert and computed-rating details: evidence as nodes and edges, the disposal history."""

from __future__ import annotations

import strawberry

from jointsup.model import Node as StoreNode
from jointsup.model import NodeRef
from jointsup.resolvers.relay import Connection, encode_id, slice_connection
from jointsup.resolvers.types.common import (
    Ctx,
    LazyEnterprise,
    NodeInterface,
    as_enterprise,
    prop_float,
    prop_str,
    prop_strs,
)
from jointsup.services.policy import require_internal
from jointsup.services.risk.alerts import history
from jointsup.services.risk.base import decode_edge


def _gid(global_id: str) -> strawberry.ID:
    ref = NodeRef.parse(global_id)
    return strawberry.ID(encode_id(ref.label, ref.key))


@strawberry.type(description="A relationship that is part of an alert's evidence.")
class EvidenceEdge:
    type: str = strawberry.field(description="Relationship type (AGAINST, LOCATED_AT, …).")
    source: strawberry.ID = strawberry.field(description="Global id of the start node.")
    target: strawberry.ID = strawberry.field(description="Global id of the end node.")


@strawberry.type(description="One disposal step (处置) of an alert.")
class AlertDisposal:
    at: str = strawberry.field(description="ISO timestamp (UTC).")
    action: str = strawberry.field(description="RAISED, ACKNOWLEDGE, INVESTIGATE, CLOSE, "
                                               "DISMISS, REOPEN or NOTE.")
    status: str = strawberry.field(description="The status after the step.")
    note: str
    by: str = strawberry.field(description="Who: `model` or `role:tokenId`.")


@strawberry.type
class AlertDetails:
    """Fields RiskAlert gets from the risk package (the alert's subject, window and evidence)."""

    raw: strawberry.Private[StoreNode]

    @strawberry.field(description="Global id of what the alert is about (enterprise, address, "
                                  "person, region or clue).")
    def subject(self, info: Ctx) -> strawberry.ID | None:
        require_internal(info.context.principal)  # may be a person's id
        value = prop_str(self.raw, "subject")
        return _gid(value) if value else None

    @strawberry.field(description="Severity in [0, 1], comparable across models: the score "
                                  "mapped by the model's calibration (docs/risk.md).")
    def severity(self) -> float | None:
        return prop_float(self.raw, "severity")

    @strawberry.field(description="The episode or period the alert covers (start day, or "
                                  "`industry:start day`); null when timeless.")
    def window(self) -> str | None:
        return prop_str(self.raw, "window")

    @strawberry.field(description="Why the model raised it, in one sentence.")
    def explanation(self, info: Ctx) -> str | None:
        require_internal(info.context.principal)
        return prop_str(self.raw, "explanation")

    @strawberry.field(description="Region code of the subject.")
    def region_code(self) -> str | None:
        return prop_str(self.raw, "region_code")

    @strawberry.field(description="Day the models last ran for this alert (ISO).")
    def as_of(self) -> str | None:
        return prop_str(self.raw, "as_of")

    @strawberry.field(description="The evidence: every node the model looked at.")
    async def evidence_nodes(self, info: Ctx) -> list[NodeInterface]:
        from jointsup.resolvers.types import wrap  # import cycle: types imports this module

        require_internal(info.context.principal)
        refs = [NodeRef.parse(g) for g in prop_strs(self.raw, "evidence_nodes")]
        out: list[NodeInterface] = []
        for ref in refs:
            node = await info.context.loaders.node(ref.label).load(ref.key)
            wrapped = wrap(node) if node is not None else None
            if wrapped is not None:
                out.append(wrapped)
        return out

    @strawberry.field(description="The evidence: relationships among the evidence nodes.")
    def evidence_edges(self, info: Ctx) -> list[EvidenceEdge]:
        require_internal(info.context.principal)
        out = []
        for text in prop_strs(self.raw, "evidence_edges"):
            rel_type, src, dst = decode_edge(text)
            out.append(EvidenceEdge(type=rel_type, source=_gid(src), target=_gid(dst)))
        return out

    @strawberry.field(description="Disposal history, oldest first (the first step is RAISED).")
    def history(self, info: Ctx) -> list[AlertDisposal]:
        require_internal(info.context.principal)
        return [AlertDisposal(at=str(h.get("at", "")), action=str(h.get("action", "")),
                              status=str(h.get("status", "")), note=str(h.get("note", "")),
                              by=str(h.get("by", ""))) for h in history(self.raw)]

    @strawberry.field(description="Enterprises the alert is about. Internal roles: together "
                                  "they can show who links them (one person's companies).")
    async def enterprises(self, info: Ctx, first: int | None = None,
                          after: str | None = None) -> Connection[LazyEnterprise]:
        require_internal(info.context.principal)
        found = await info.context.loaders.node("Enterprise").load_many(
            prop_strs(self.raw, "usccs"))
        return slice_connection([n for n in found if n is not None], first, after,
                                as_enterprise)


@strawberry.type
class RatingDetails:
    """Fields CreditRating gets from the credit computation."""

    raw: strawberry.Private[StoreNode]

    @strawberry.field(description="Computed ratings: the indicator score the class was cut from.")
    def score(self) -> float | None:
        return prop_float(self.raw, "score")

    @strawberry.field(description="Computed ratings: the top contributing indicators, each as "
                                  "`name +points: detail`.")
    def explanation(self) -> list[str]:
        return prop_strs(self.raw, "explanation")
