"""What happens to enterprises: inspections, clues, credit ratings, list entries, risk alerts."""

from __future__ import annotations

import strawberry

from jointsup.model import Node as StoreNode
from jointsup.resolvers.relay import Connection, slice_connection
from jointsup.resolvers.types.alert import AlertDetails, RatingDetails
from jointsup.resolvers.types.catalog import ItemOfDepartment
from jointsup.resolvers.types.common import (
    Ctx,
    LazyEnterprise,
    NodeInterface,
    as_enterprise,
    linked,
    load,
    prop_float,
    prop_str,
    prop_strs,
)
from jointsup.resolvers.types.law import Article
from jointsup.services import visibility
from jointsup.services.policy import require_internal


@strawberry.type(description="Supervision action: an inspection or penalty done.")
class Inspection(NodeInterface, ItemOfDepartment):
    inspection_id: str = ""
    date: str | None = strawberry.field(default=None, description="ISO date.")
    result: str | None = None
    officer_count: int = 0

    def __post_init__(self) -> None:  # plain attributes: see CodedNode
        self.inspection_id = self.raw.key
        self.date = prop_str(self.raw, "date")
        self.result = prop_str(self.raw, "result")
        self.officer_count = len(prop_strs(self.raw, "officer_ids"))

    @strawberry.field
    async def enterprise(self, info: Ctx) -> LazyEnterprise | None:
        node = await load(info, "Enterprise", prop_str(self.raw, "uscc"))
        return as_enterprise(node) if node else None

    @strawberry.field(description="Articles cited in the result or penalty.")
    async def cited_articles(self, info: Ctx, first: int | None = None,
                             after: str | None = None) -> Connection[Article]:
        nodes = await linked(info, self.raw, "CITES", "out", "Article")
        return slice_connection(nodes, first, after, lambda n: Article(raw=n))


@strawberry.type(description="Clue (线索): a complaint, report, transfer or model lead.")
class Clue(NodeInterface):
    @strawberry.field
    def clue_id(self) -> str:
        return self.raw.key

    @strawberry.field(description="12315_hotline, 12315_web, 12315_app, report, transfer, "
                                  "risk_model …")
    def channel(self) -> str | None:
        return prop_str(self.raw, "channel")

    @strawberry.field
    def received_at(self) -> str | None:
        return prop_str(self.raw, "received_at")

    @strawberry.field(description="The text; phone and identity numbers masked for partners.")
    def text(self, info: Ctx) -> str | None:
        return visibility.free_text(info.context.principal, prop_str(self.raw, "text"))

    @strawberry.field
    def status(self) -> str | None:
        return prop_str(self.raw, "status")

    @strawberry.field
    def region_code(self) -> str | None:
        return prop_str(self.raw, "region_code")

    @strawberry.field
    def respondent_name(self) -> str | None:
        return prop_str(self.raw, "respondent_name")

    @strawberry.field(description="Enterprises the clue is against.")
    async def respondents(self, info: Ctx, first: int | None = None,
                          after: str | None = None) -> Connection[LazyEnterprise]:
        nodes = await linked(info, self.raw, "AGAINST", "out", "Enterprise")
        return slice_connection(nodes, first, after, as_enterprise)


@strawberry.type(description="Monthly credit risk class (A low … D high).")
class CreditRating(RatingDetails):
    raw: strawberry.Private[StoreNode]

    @strawberry.field(description="YYYY-MM.")
    def month(self) -> str | None:
        return prop_str(self.raw, "month")

    @strawberry.field
    def credit_class(self) -> str | None:
        return prop_str(self.raw, "credit_class")

    @strawberry.field(description="ingested or computed.")
    def source(self) -> str | None:
        return prop_str(self.raw, "source")


@strawberry.type(description="Entry on the abnormal-operation (经营异常) or serious-violation "
                             "(严重违法失信) list.")
class ListEntry:
    raw: strawberry.Private[StoreNode]

    @strawberry.field(name="list", description="abnormal_operation or serious_violation.")
    def list_name(self) -> str | None:
        return prop_str(self.raw, "list")

    @strawberry.field
    def date(self) -> str | None:
        return prop_str(self.raw, "date")

    @strawberry.field
    def reason(self) -> str | None:
        return prop_str(self.raw, "reason")

    @strawberry.field
    def removed_date(self) -> str | None:
        return prop_str(self.raw, "removed_date")


@strawberry.type(description="Risk alert (风险预警) raised by a model.")
class RiskAlert(AlertDetails, NodeInterface):
    raw: strawberry.Private[StoreNode]

    @strawberry.field
    def alert_id(self) -> str:
        return self.raw.key

    @strawberry.field
    def model(self) -> str | None:
        return prop_str(self.raw, "model")

    @strawberry.field
    def score(self) -> float | None:
        return prop_float(self.raw, "score")

    @strawberry.field
    def status(self) -> str | None:
        return prop_str(self.raw, "status")

    @strawberry.field(description="Legacy free-text evidence; the models write none. Internal "
                                  "roles.",
                      deprecation_reason="Use evidenceNodes and evidenceEdges.")
    def evidence(self, info: Ctx) -> str | None:
        require_internal(info.context.principal)
        return prop_str(self.raw, "evidence")
