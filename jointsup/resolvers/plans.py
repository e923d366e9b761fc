"""Joint random inspection plans (双随机、一公开) and dashboard statistics."""

from __future__ import annotations

import datetime
from typing import Any

import strawberry
from starlette.concurrency import run_in_threadpool

from jointsup.graph.store import GraphTx
from jointsup.resolvers.plan_types import (
    InspectionPlan,
    PlanCheck,
    StatsBucket,
    StatsKey,
    StatsResult,
)
from jointsup.resolvers.types import Ctx
from jointsup.services import plans
from jointsup.services.policy import require_internal
from jointsup.services.stats import Dimension, StatsFilters, Subject, stats


@strawberry.input(description="One department's item in a plan.")
class PlanItemInput:
    item_code: str
    department_code: str


@strawberry.input(description="Which enterprises may be drawn; every field optional (AND).")
class PlanTargetInput:
    region: str | None = strawberry.field(default=None, description="Region code (inside it).")
    industries: list[str] | None = strawberry.field(
        default=None, description="Industry code prefixes (any of them).")
    entity_types: list[str] | None = strawberry.field(
        default=None, description="company, individual_business, cooperative, other.")
    statuses: list[str] | None = strawberry.field(
        default=None, description="Registration statuses (default 存续 and 在业).")


@strawberry.input(description="Sampling ratio in [0, 1] per credit class; a missing one takes "
                              "the default (A 0.05, B 0.2, C 0.6, D 1, unknown 0.2).")
class CreditRatiosInput:
    a: float | None = None
    b: float | None = None
    c: float | None = None
    d: float | None = None
    unknown: float | None = None


@strawberry.input(description="A joint random inspection plan.")
class CreateInspectionPlanInput:
    name: str
    items: list[PlanItemInput]
    window_start: datetime.date
    window_end: datetime.date
    id: str | None = strawberry.field(default=None, description="Default: derived.")
    target: PlanTargetInput | None = None
    ratios: CreditRatiosInput | None = None
    seed: str | None = strawberry.field(default=None, description="Default: random, recorded.")
    officers_per_department: int = 2
    coordinated: bool = strawberry.field(
        default=True, description="Rank enterprises alike for every item (more merged visits).")
    rating_month: str | None = strawberry.field(
        default=None, description="Credit classes as of this YYYY-MM (default: window start).")


@strawberry.input(description="The result of one item on one visit.")
class RecordInspectionResultInput:
    plan_id: str
    uscc: str
    item_code: str
    outcome: plans.Outcome
    checked_on: datetime.date
    note: str | None = None


@strawberry.input(description="Narrow what `stats` counts; each applies where it means something.")
class StatsFilterInput:
    region: str | None = None
    industry: str | None = strawberry.field(default=None, description="Enterprises only.")
    risk_class: str | None = strawberry.field(default=None, description="A–D or UNKNOWN.")
    channel: str | None = strawberry.field(default=None, description="Clues only.")
    received_from: datetime.date | None = None
    received_to: datetime.date | None = None
    rating_month: str | None = strawberry.field(
        default=None, description="Classes as of this YYYY-MM (default: the latest).")
    region_level: str = strawberry.field(default="city", description="province, city, county.")
    industry_digits: int = strawberry.field(default=2, description="2, 3 or 4.")


def plan_document(data: CreateInspectionPlanInput) -> dict[str, Any]:
    """The plan document services.plans parses (the same as `jointsup plan create --file`)."""
    target = data.target or PlanTargetInput()
    ratios = data.ratios or CreditRatiosInput()
    doc: dict[str, Any] = {
        "name": data.name, "id": data.id, "seed": data.seed,
        "items": [{"item_code": i.item_code, "department_code": i.department_code}
                  for i in data.items],
        "target": {"region": target.region, "industries": target.industries,
                   "entity_types": target.entity_types, "statuses": target.statuses},
        "ratios": {k: v for k, v in (("A", ratios.a), ("B", ratios.b), ("C", ratios.c),
                                     ("D", ratios.d), ("UNKNOWN", ratios.unknown))
                   if v is not None},
        "window": {"start": data.window_start.isoformat(), "end": data.window_end.isoformat()},
        "officers_per_department": data.officers_per_department,
        "coordinated": data.coordinated, "rating_month": data.rating_month}
    return {k: v for k, v in doc.items() if v is not None}


@strawberry.type
class PlanQuery:
    """Root query fields for inspection plans and stats; merged into `Query`."""

    @strawberry.field(description="One inspection plan with its joint visits. Internal roles.")
    async def inspection_plan(self, info: Ctx, id: str) -> InspectionPlan | None:
        require_internal(info.context.principal)
        node = await info.context.loaders.node("InspectionPlan").load(id)
        return InspectionPlan(raw=node) if node else None

    @strawberry.field(description="Counts for dashboards. RISK_CLASS, REGION and INDUSTRY count "
                                  "enterprises; CLUE_SOURCE, CATEGORY and MONTH count clues "
                                  "(REGION then is the clue's). Internal roles.")
    async def stats(self, info: Ctx, group_by: list[Dimension],
                    filters: StatsFilterInput | None = None,
                    subject: Subject | None = None
                    ) -> StatsResult:
        require_internal(info.context.principal)
        f = filters or StatsFilterInput()
        wanted = StatsFilters(f.region, f.industry, f.risk_class, f.channel, f.received_from,
                              f.received_to, f.rating_month, f.region_level, f.industry_digits)
        dims = list(group_by)

        def read(tx: GraphTx) -> Any:
            return stats(tx, dims, wanted, subject)

        result = await run_in_threadpool(info.context.store.read, read)
        return StatsResult(subject=result.subject, total=result.total, buckets=[
            StatsBucket(count=b.count, keys=[StatsKey(dimension=d, value=v) for d, v
                                             in zip(result.group_by, b.values, strict=True)])
            for b in result.buckets])


@strawberry.type
class PlanMutation:
    """Root mutations for inspection plans; merged into `Mutation`."""

    @strawberry.mutation(description="Record a plan (the same definition again returns it).")
    async def create_inspection_plan(self, info: Ctx,
                                     input: CreateInspectionPlanInput) -> InspectionPlan:
        require_internal(info.context.principal)
        doc = plan_document(input)
        node = await run_in_threadpool(plans.create_plan, info.context.store, doc)
        return InspectionPlan(raw=node)

    @strawberry.mutation(description="Draw targets and officers, publish the draw in the audit "
                                     "log; drawing again returns the same draw.")
    async def draw_inspection_plan(self, info: Ctx, id: str) -> InspectionPlan:
        require_internal(info.context.principal)
        node = await run_in_threadpool(plans.draw_plan, info.context.store, id)
        return InspectionPlan(raw=node)

    @strawberry.mutation(description="Record one item's result on a visit; due for publication "
                                     "within 20 working days.")
    async def record_inspection_result(self, info: Ctx,
                                       input: RecordInspectionResultInput) -> PlanCheck:
        require_internal(info.context.principal)
        data = plans.ResultInput(input.plan_id, input.uscc, input.item_code,
                                 input.outcome.value, input.checked_on, input.note)
        node = await run_in_threadpool(plans.record_result, info.context.store, data)
        return PlanCheck(raw=node)
