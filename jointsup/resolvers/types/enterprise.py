"""The market entity at the centre of the graph, and its joint supervision."""

from __future__ import annotations

import strawberry
from starlette.concurrency import run_in_threadpool

from jointsup.resolvers.relay import Connection, slice_connection
from jointsup.resolvers.types.activity import Clue, CreditRating, Inspection, ListEntry, RiskAlert
from jointsup.resolvers.types.applicability import (
    ApplicableItem,
    DepartmentDuty,
    LegalBasisByItem,
    prefetch_legal_basis,
)
from jointsup.resolvers.types.common import (
    ROLE_RELS,
    Ctx,
    NodeInterface,
    linked,
    load,
    neighbours,
    newest_first,
    prop_str,
    prop_strs,
)
from jointsup.resolvers.types.geo import Industry, Region, industry_chain, region_chain
from jointsup.resolvers.types.people import PersonRole
from jointsup.services import visibility
from jointsup.services.policy import Role, require_internal
from jointsup.services.search import cached_reference, entry_of, read_reference
from jointsup.services.supervision import DepartmentDuty as DepartmentDutyData
from jointsup.services.supervision import duties


@strawberry.type(description="A market entity (市场主体), keyed by its unified social credit code.")
class Enterprise(NodeInterface):
    @strawberry.field(description="Unified social credit code (统一社会信用代码).")
    def uscc(self) -> str:
        return self.raw.key

    @strawberry.field(description="Registered name.")
    def name(self) -> str:
        return prop_str(self.raw, "name") or ""

    @strawberry.field(description="Former names (曾用名).")
    def former_names(self) -> list[str]:
        return prop_strs(self.raw, "former_names")

    @strawberry.field(description="Short trade name (字号), derived from the registered name.")
    async def trade_name(self, info: Ctx) -> str | None:
        store = info.context.store
        reference = cached_reference(store)
        if reference is None:  # read at most every REFERENCE_S seconds
            reference = await run_in_threadpool(read_reference, store)
        return entry_of(self.raw, reference).trade

    @strawberry.field(description="Legal representative as registered (masked for partners).")
    def legal_representative(self, info: Ctx) -> str | None:
        value = prop_str(self.raw, "legal_rep")
        if value is None or value.isascii():
            return visibility.person_id(info.context.principal, value)
        return visibility.person_name(info.context.principal, value)

    @strawberry.field(description="Registration status: 存续, 在业, 吊销, 注销, 迁出, 撤销.")
    def status(self) -> str | None:
        return prop_str(self.raw, "status")

    @strawberry.field
    def entity_type(self) -> str | None:
        return prop_str(self.raw, "entity_type")

    @strawberry.field(description="ISO date of establishment.")
    def established(self) -> str | None:
        return prop_str(self.raw, "established")

    @strawberry.field
    def address(self) -> str | None:
        return prop_str(self.raw, "address")

    @strawberry.field
    def phone(self) -> str | None:
        return prop_str(self.raw, "phone")

    @strawberry.field(description="Current credit class A–D.")
    def credit_class(self) -> str | None:
        return prop_str(self.raw, "credit_class")

    @strawberry.field(description="The code's check character failed (early pilot codes).")
    def uscc_check_failed(self) -> bool:
        return bool(self.raw.props.get("uscc_check_failed"))

    @strawberry.field
    def region_code(self) -> str | None:
        return prop_str(self.raw, "reg_region_code")

    @strawberry.field
    def industry_code(self) -> str | None:
        return prop_str(self.raw, "industry_code")

    @strawberry.field
    async def region(self, info: Ctx) -> Region | None:
        node = await load(info, "Region", prop_str(self.raw, "reg_region_code"))
        return Region(raw=node) if node else None

    @strawberry.field(description="County → city → province (placeholder units skipped).")
    async def region_chain(self, info: Ctx) -> list[Region]:
        start = await load(info, "Region", prop_str(self.raw, "reg_region_code"))
        return [Region(raw=n) for n in await region_chain(info, start)]

    @strawberry.field
    async def industry(self, info: Ctx) -> Industry | None:
        node = await load(info, "Industry", prop_str(self.raw, "industry_code"))
        return Industry(raw=node) if node else None

    @strawberry.field(description="Class → group → division → section.")
    async def industry_chain(self, info: Ctx) -> list[Industry]:
        start = await load(info, "Industry", prop_str(self.raw, "industry_code"))
        return [Industry(raw=n) for n in await industry_chain(info, start)]

    @strawberry.field(description="People with their roles.")
    async def people(self, info: Ctx, first: int | None = None,
                     after: str | None = None) -> Connection[PersonRole]:
        nbs = await neighbours(info, self.raw.ref, ROLE_RELS, "in", ["Person"])
        return slice_connection(nbs, first, after, lambda nb: PersonRole(rel=nb))

    @strawberry.field(description="The parent enterprise of a branch (分公司).")
    async def parent(self, info: Ctx) -> Enterprise | None:
        nodes = await linked(info, self.raw, "BRANCH_OF", "out", "Enterprise")
        return Enterprise(raw=nodes[0]) if nodes else None

    @strawberry.field
    async def branches(self, info: Ctx, first: int | None = None,
                       after: str | None = None) -> Connection[Enterprise]:
        nodes = await linked(info, self.raw, "BRANCH_OF", "in", "Enterprise")
        return slice_connection(nodes, first, after, lambda n: Enterprise(raw=n))

    @strawberry.field(description="Monthly credit classes, latest first.")
    async def credit_history(self, info: Ctx, first: int | None = None,
                             after: str | None = None) -> Connection[CreditRating]:
        nodes = newest_first(await linked(info, self.raw, "RATES", "in", "CreditRating"), "month")
        return slice_connection(nodes, first, after, lambda n: CreditRating(raw=n))

    @strawberry.field(description="Abnormal-operation and serious-violation list entries, latest "
                                  "first.")
    async def list_entries(self, info: Ctx, first: int | None = None,
                           after: str | None = None) -> Connection[ListEntry]:
        nodes = newest_first(await linked(info, self.raw, "LISTS", "in", "ListEntry"), "date")
        return slice_connection(nodes, first, after, lambda n: ListEntry(raw=n))

    @strawberry.field(description="Supervision items that apply through its industry, with the "
                                  "responsible departments in its county, city and province.")
    async def applicable_items(self, info: Ctx, first: int | None = None,
                               after: str | None = None) -> Connection[ApplicableItem]:
        items = await info.context.loaders.applicable.load(self.raw.key)
        return slice_connection(items, first, after, lambda a: ApplicableItem(data=a))

    @strawberry.field(description="Inspections of the enterprise, latest first.")
    async def inspections(self, info: Ctx, first: int | None = None,
                          after: str | None = None) -> Connection[Inspection]:
        nodes = newest_first(await linked(info, self.raw, "TARGETS", "in", "Inspection"), "date")
        return slice_connection(nodes, first, after, lambda n: Inspection(raw=n))

    @strawberry.field(description="Clues against the enterprise, latest first; a partner sees "
                                  "only those shared with it, as `clue(id)` shows them.")
    async def clues(self, info: Ctx, first: int | None = None,
                    after: str | None = None) -> Connection[Clue]:
        partner = info.context.principal.role is Role.PARTNER
        if not partner:
            require_internal(info.context.principal)
        nodes = newest_first(await linked(info, self.raw, "AGAINST", "in", "Clue"), "received_at")
        if partner:  # scoped, masked and view-audited like clue(id) (docs/clues.md)
            from jointsup.resolvers.clues import visible_clue_page

            return await visible_clue_page(info, nodes, first, after)
        return slice_connection(nodes, first, after, lambda n: Clue(raw=n))

    @strawberry.field(description="Risk alerts about the enterprise.")
    async def alerts(self, info: Ctx, first: int | None = None,
                     after: str | None = None) -> Connection[RiskAlert]:
        nodes = await linked(info, self.raw, "ABOUT", "in", "RiskAlert")
        return slice_connection(nodes, first, after, lambda n: RiskAlert(raw=n))


@strawberry.type(description="Joint supervision of one enterprise (联合监管): every department "
                             "that supervises it, with its items.")
class JointSupervision:
    enterprise: Enterprise
    duties: strawberry.Private[list[DepartmentDutyData]]
    articles: strawberry.Private[LegalBasisByItem]

    @strawberry.field(description="Departments, county first, then city, then province.")
    def departments(self, first: int | None = None,
                    after: str | None = None) -> Connection[DepartmentDuty]:
        return slice_connection(self.duties, first, after,
                                lambda d: DepartmentDuty(data=d, articles=self.articles))


async def joint_supervision(info: Ctx, uscc: str) -> JointSupervision | None:
    """Who supervises one enterprise for what: three batched store calls, then no more awaits."""
    require_internal(info.context.principal)
    enterprise = await enterprise_by_uscc(info, uscc)
    if enterprise is None:
        return None
    items = await info.context.loaders.applicable.load(enterprise.raw.key)
    return JointSupervision(enterprise=enterprise, duties=duties(items),
                            articles=await prefetch_legal_basis(info, items))


async def enterprise_by_uscc(info: Ctx, uscc: str) -> Enterprise | None:
    """One enterprise, through the request's loader."""
    node = await info.context.loaders.node("Enterprise").load(uscc.strip().upper())
    return Enterprise(raw=node) if node else None
