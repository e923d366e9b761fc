"""GraphQL views of inspection plans, their joint visits and item checks, and dashboard stats."""

from __future__ import annotations

import json

import strawberry

from jointsup.model import Node as StoreNode
from jointsup.resolvers.relay import Connection, keyset_connection, page_size
from jointsup.resolvers.types import Ctx, Enterprise
from jointsup.resolvers.types.catalog import ItemOfDepartment
from jointsup.resolvers.types.common import load, neighbours, prop_bool, prop_int, prop_str
from jointsup.services import plans
from jointsup.services.stats import Dimension, Subject

# The services' enums, registered with strawberry under their GraphQL names.
strawberry.enum(Dimension, name="StatsDimension",
                description="What dashboard counts are grouped by.")
strawberry.enum(Subject, name="StatsSubject", description="What is counted.")
strawberry.enum(
    plans.Outcome, name="InspectionOutcome",
    description="Result of one item check, as published (" + "; ".join(
        f"{k.value}: {v}" for k, v in plans.OUTCOMES.items()) + ").")


@strawberry.type(description="An officer (执法人员) drawn for a visit.")
class DrawnOfficer:
    cert_no: str
    name: str | None
    department_code: str | None


@strawberry.type(description="One item checked on a visit, its result and publication (一公开).")
class PlanCheck(ItemOfDepartment):
    raw: strawberry.Private[StoreNode]

    @strawberry.field
    def item_code(self) -> str:
        return prop_str(self.raw, "item_code") or ""

    @strawberry.field(description="PENDING until a result is recorded, then RECORDED.")
    def status(self) -> str:
        return prop_str(self.raw, "status") or "PENDING"

    @strawberry.field
    def outcome(self) -> str | None:
        return prop_str(self.raw, "outcome")

    @strawberry.field(description="The outcome in the publicity system's words.")
    def result(self) -> str | None:
        return prop_str(self.raw, "result")

    @strawberry.field(description="ISO date of the check.")
    def checked_on(self) -> str | None:
        return prop_str(self.raw, "checked_on")

    @strawberry.field
    def note(self) -> str | None:
        return prop_str(self.raw, "note")

    @strawberry.field(description="Publish by this date: 20 working days after the check.")
    def publish_by(self) -> str | None:
        return prop_str(self.raw, "publish_by")

    @strawberry.field(description="PENDING once recorded (to be published).")
    def publication_status(self) -> str | None:
        return prop_str(self.raw, "publication_status")


@strawberry.type(description="One joint visit (进一次门、查多项事): an enterprise, the items of "
                             "every department checked there, and the officers drawn.")
class PlanVisit:
    raw: strawberry.Private[StoreNode]

    @strawberry.field
    def uscc(self) -> str:
        return prop_str(self.raw, "uscc") or ""

    @strawberry.field
    async def enterprise(self, info: Ctx) -> Enterprise | None:
        node = await load(info, "Enterprise", prop_str(self.raw, "uscc"))
        return Enterprise(raw=node) if node else None

    @strawberry.field(description="The stratum it was drawn in: A–D or UNKNOWN.")
    def credit_class(self) -> str | None:
        return prop_str(self.raw, "credit_class")

    @strawberry.field
    def department_codes(self) -> list[str]:
        return [str(v) for v in self.raw.props.get("department_codes") or []]  # type: ignore[union-attr]

    @strawberry.field(description="Every department has its officers (at least two each).")
    def staffed(self) -> bool:
        return bool(prop_bool(self.raw, "staffed"))

    @strawberry.field(description="Officers still missing after recusal, over all departments.")
    def officers_missing(self) -> int:
        return prop_int(self.raw, "officers_missing") or 0

    @strawberry.field(description="Pool officers recused for this enterprise (回避).")
    def recused_officers(self) -> list[str]:
        return [str(v) for v in self.raw.props.get("recused_ids") or []]  # type: ignore[union-attr]

    @strawberry.field
    async def officers(self, info: Ctx) -> list[DrawnOfficer]:
        found = await neighbours(info, self.raw.ref, ["ASSIGNED"], "out", ["Officer"])
        return [DrawnOfficer(cert_no=nb.node.key, name=prop_str(nb.node, "name"),
                             department_code=prop_str(nb.node, "department_code"))
                for nb in found]

    @strawberry.field
    async def checks(self, info: Ctx) -> list[PlanCheck]:
        found = await neighbours(info, self.raw.ref, ["CHECK_OF"], "in", ["PlanCheck"])
        return [PlanCheck(raw=nb.node) for nb in found]


@strawberry.type(description="A plan item: one department's supervision item.")
class PlanItemEntry:
    item_code: str
    department_code: str


@strawberry.type(description="A joint random inspection plan (双随机、一公开).")
class InspectionPlan:
    raw: strawberry.Private[StoreNode]

    def _spec(self) -> plans.PlanSpec:
        return plans.spec_of(self.raw)

    @strawberry.field
    def plan_id(self) -> str:
        return self.raw.key

    @strawberry.field
    def name(self) -> str:
        return prop_str(self.raw, "name") or ""

    @strawberry.field(description="CREATED, then DRAWN.")
    def status(self) -> str:
        return prop_str(self.raw, "status") or ""

    @strawberry.field(description="The seed: with the algorithm, anyone can re-draw.")
    def seed(self) -> str:
        return prop_str(self.raw, "seed") or ""

    @strawberry.field
    def algorithm(self) -> str:
        return prop_str(self.raw, "algorithm") or ""

    @strawberry.field(description="The whole plan as recorded (JSON), every default explicit.")
    def definition(self) -> str:
        return json.dumps(self._spec().to_json(), ensure_ascii=False)

    @strawberry.field
    def items(self) -> list[PlanItemEntry]:
        return [PlanItemEntry(item_code=i.item_code, department_code=i.department_code)
                for i in self._spec().items]

    @strawberry.field
    def window_start(self) -> str:
        return prop_str(self.raw, "window_start") or ""

    @strawberry.field
    def window_end(self) -> str:
        return prop_str(self.raw, "window_end") or ""

    @strawberry.field(description="SHA-256 of the sampling frame the draw used.")
    def frame_hash(self) -> str | None:
        return prop_str(self.raw, "frame_hash")

    @strawberry.field(description="SHA-256 of the drawn lists, as published in the audit log.")
    def draw_hash(self) -> str | None:
        return prop_str(self.raw, "draw_hash")

    @strawberry.field(description="SHA-256 of the officers drawn per visit and department, as "
                                  "published in the audit log.")
    def officers_hash(self) -> str | None:
        return prop_str(self.raw, "officers_hash")

    @strawberry.field(description="Sequence number of the audit entry publishing the draw.")
    def draw_audit_seq(self) -> int | None:
        return prop_int(self.raw, "draw_audit_seq")

    @strawberry.field(description="Distinct enterprises in the sampling frame.")
    def candidates(self) -> int | None:
        return prop_int(self.raw, "candidates")

    @strawberry.field(description="Item checks drawn (enterprise × item).")
    def check_count(self) -> int | None:
        return prop_int(self.raw, "checks")

    @strawberry.field(description="Joint visits: one per enterprise.")
    def visits_with_merging(self) -> int | None:
        return prop_int(self.raw, "visits")

    @strawberry.field(description="Visits if each department went alone: one per (department, "
                                  "enterprise).")
    def visits_without_merging(self) -> int | None:
        return prop_int(self.raw, "visits_without_merging")

    @strawberry.field(description="visitsWithoutMerging − visitsWithMerging.")
    def visits_saved(self) -> int | None:
        merged, alone = prop_int(self.raw, "visits"), prop_int(self.raw, "visits_without_merging")
        return alone - merged if merged is not None and alone is not None else None

    @strawberry.field(description="Visits where a department has fewer officers than required.")
    def understaffed_visits(self) -> int | None:
        return prop_int(self.raw, "understaffed_visits")

    @strawberry.field(description="The joint visits, by enterprise code.")
    async def visits(self, info: Ctx, first: int | None = None,
                     after: str | None = None) -> Connection[PlanVisit]:
        from starlette.concurrency import run_in_threadpool

        size = page_size(first)
        page = await run_in_threadpool(info.context.store.read, lambda tx: plans.visits_page(
            tx, self.raw.key, size, after))
        return keyset_connection(page, lambda n: PlanVisit(raw=n),
                                 prop_int(self.raw, "visits") or 0)


@strawberry.type(description="One value of one dimension.")
class StatsKey:
    dimension: Dimension
    value: str | None = strawberry.field(description="null: unknown (no class, no category…).")


@strawberry.type(description="One group and its count.")
class StatsBucket:
    keys: list[StatsKey]
    count: int


@strawberry.type(description="Grouped counts for a dashboard.")
class StatsResult:
    subject: Subject
    total: int = strawberry.field(description="Enterprises or clues counted (each once).")
    buckets: list[StatsBucket]
