"""Credit risk classes and risk-warning alerts."""

from __future__ import annotations

from enum import Enum

import strawberry
from starlette.concurrency import run_in_threadpool

from jointsup.graph.store import GraphTx, Page
from jointsup.resolvers.relay import Connection, Edge, PageInfo, keyset_connection, page_size
from jointsup.resolvers.types import CreditRating, Ctx, Enterprise, RiskAlert
from jointsup.services import credit_compare
from jointsup.services.policy import require_internal
from jointsup.services.risk import alerts as alert_service
from jointsup.services.risk.base import REGISTRY


@strawberry.input(description="Narrow `alerts`; every field optional, combined with AND.")
class AlertFilter:
    model: str | None = strawberry.field(default=None, description="Model name (riskModels).")
    status: str | None = strawberry.field(
        default=None, description="OPEN, ACKNOWLEDGED, INVESTIGATING, CLOSED or DISMISSED.")
    region: str | None = strawberry.field(
        default=None, description="Region code; alerts anywhere inside it (510000: Sichuan).")
    uscc: str | None = strawberry.field(default=None,
                                        description="Alerts about this enterprise.")
    min_severity: float | None = strawberry.field(
        default=None, description="Severity at least this (0–1, comparable across models).")


@strawberry.enum(description="How `alerts` is ordered, highest first.")
class AlertSort(Enum):
    SCORE = "score"
    SEVERITY = "severity"


@strawberry.type(description="A registered risk-warning model.")
class RiskModelInfo:
    name: str
    title: str


@strawberry.type(description="One enterprise's computed and ingested class for a month.")
class CreditComparison:
    uscc: str
    month: str
    differs: bool = strawberry.field(description="Both exist and the classes differ.")
    computed: CreditRating | None
    ingested: CreditRating | None

    @strawberry.field
    async def enterprise(self, info: Ctx) -> Enterprise | None:
        node = await info.context.loaders.node("Enterprise").load(self.uscc)
        return Enterprise(raw=node) if node else None


@strawberry.type
class RiskQuery:
    """Root query fields for credit classes and alerts; merged into `Query`."""

    @strawberry.field(description="Risk alerts (风险预警), highest score (or severity) first. "
                                  "Internal roles.")
    async def alerts(self, info: Ctx, filters: AlertFilter | None = None,
                     first: int | None = None, after: str | None = None,
                     sort: AlertSort = AlertSort.SCORE) -> Connection[RiskAlert]:
        require_internal(info.context.principal)
        size = page_size(first)
        f = filters or AlertFilter()
        wanted = alert_service.AlertFilters(f.model, f.status, f.region, f.uscc, f.min_severity,
                                            sort.value)

        def read(tx: GraphTx) -> tuple[Page, int]:
            return (alert_service.list_alerts(tx, wanted, size, after),
                    alert_service.count_alerts(tx, wanted))

        page, total = await run_in_threadpool(info.context.store.read, read)
        # With `uscc` the page is cut in memory by key; otherwise the store orders by the sort.
        return keyset_connection(page, lambda n: RiskAlert(raw=n), total,
                                 None if wanted.uscc else sort.value)

    @strawberry.field(description="One risk alert by its alert id. Internal roles.")
    async def alert(self, info: Ctx, id: str) -> RiskAlert | None:
        require_internal(info.context.principal)
        node = await info.context.loaders.node("RiskAlert").load(id.strip())
        return RiskAlert(raw=node) if node else None

    @strawberry.field(description="The registered risk-warning models.")
    def risk_models(self, info: Ctx) -> list[RiskModelInfo]:
        require_internal(info.context.principal)
        return [RiskModelInfo(name=m.name, title=m.title)
                for m in sorted(REGISTRY.values(), key=lambda m: m.name)]

    @strawberry.field(description="Computed credit classes of a month (YYYY-MM) beside the "
                                  "ingested ones, by USCC; `differsOnly` keeps the enterprises "
                                  "whose two classes differ. Internal roles.")
    async def credit_classes(self, info: Ctx, month: str, differs_only: bool = False,
                             first: int | None = None,
                             after: str | None = None) -> Connection[CreditComparison]:
        require_internal(info.context.principal)
        size = page_size(first)
        page = await run_in_threadpool(
            info.context.store.read,
            lambda tx: credit_compare.compare_classes(tx, month, differs_only, size, after))
        edges = [Edge(cursor=c.cursor, node=CreditComparison(
            uscc=c.uscc, month=c.month, differs=c.differs,
            computed=CreditRating(raw=c.computed) if c.computed else None,
            ingested=CreditRating(raw=c.ingested) if c.ingested else None)) for c in page.items]
        return Connection(edges=edges, page_info=PageInfo(has_next_page=page.has_next,
                                                          end_cursor=page.end_cursor),
                          total_count=page.total)


@strawberry.type
class RiskMutation:
    """Root mutations for alerts; merged into `Mutation`."""

    @strawberry.mutation(description="Dispose of an alert (处置): ACKNOWLEDGE, INVESTIGATE, "
                                     "CLOSE, DISMISS, REOPEN or NOTE, appended to its history. "
                                     "Repeating the same call changes nothing. Internal roles.")
    async def dispose_alert(self, info: Ctx, id: str, action: str,
                            note: str = "") -> RiskAlert:
        principal = info.context.principal
        require_internal(principal)
        by = f"{principal.role}:{principal.token_id}"
        node = await run_in_threadpool(
            info.context.store.transaction,
            lambda tx: alert_service.dispose_alert(tx, id.strip(), action, note, by))
        info.context.loaders.node("RiskAlert").prime(node.key, node, force=True)
        return RiskAlert(raw=node)
