"""The supervision catalogue: departments, supervision items and check implementations."""

from __future__ import annotations

from typing import TypeVar

import strawberry

from jointsup.model import Node as StoreNode
from jointsup.resolvers.relay import Connection, keyset_connection, page_size, slice_connection
from jointsup.resolvers.types.common import (
    CodedNode,
    Ctx,
    LazyEnterprise,
    NodeInterface,
    as_enterprise,
    linked,
    load,
    prop_bool,
    prop_float,
    prop_str,
)
from jointsup.resolvers.types.geo import Industry, Region
from jointsup.resolvers.types.law import Article
from jointsup.services.supervision import region_prefix

T = TypeVar("T")


@strawberry.type(description="Department (部门) of a supervision system at one level.")
class Department(CodedNode):
    system: str | None = strawberry.field(default=None,
                                          description="Supervision system: 市场监管, 卫健, 文旅 …")
    level: str | None = strawberry.field(default=None, description="province, city or county.")
    region_code: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.system = prop_str(self.raw, "system")
        self.level = prop_str(self.raw, "level")
        self.region_code = prop_str(self.raw, "region_code")

    @strawberry.field
    async def region(self, info: Ctx) -> Region | None:
        node = await load(info, "Region", prop_str(self.raw, "region_code"))
        return Region(raw=node) if node else None

    @strawberry.field
    async def parent(self, info: Ctx) -> Department | None:
        node = await load(info, "Department", prop_str(self.raw, "parent_code"))
        return Department(raw=node) if node else None

    @strawberry.field(description="The check implementations this department carries out.")
    async def implementations(self, info: Ctx, first: int | None = None,
                              after: str | None = None) -> Connection[CheckImplementation]:
        nodes = await linked(info, self.raw, "CARRIED_OUT_BY", "in", "CheckImplementation")
        return slice_connection(nodes, first, after, lambda n: CheckImplementation(raw=n))

    @strawberry.field(description="The supervision items it implements, by code.")
    async def items(self, info: Ctx, first: int | None = None,
                    after: str | None = None) -> Connection[SupervisionItem]:
        nodes = await linked(info, self.raw, "CARRIED_OUT_BY", "in", "CheckImplementation")
        codes = sorted({str(n.props.get("item_code")) for n in nodes})
        loaded = await info.context.loaders.node("SupervisionItem").load_many(codes)
        return slice_connection([n for n in loaded if n is not None], first, after,
                                lambda n: SupervisionItem(raw=n))

    @strawberry.field(description="Enterprises registered in its region (its jurisdiction), by "
                                  "USCC; keyset-paginated.")
    async def enterprises(self, info: Ctx, first: int | None = None,
                          after: str | None = None) -> Connection[LazyEnterprise]:
        region = prop_str(self.raw, "region_code")
        if not region:
            return slice_connection([], first, after, as_enterprise)
        page, total = await info.context.loaders.region_enterprises.load(
            (region_prefix(region), page_size(first), after))
        return keyset_connection(page, as_enterprise, total)


@strawberry.type
class ItemOfDepartment:
    """The supervision item and department a check, action or plan check is about."""

    raw: strawberry.Private[StoreNode]

    @strawberry.field
    async def item(self, info: Ctx) -> SupervisionItem | None:
        node = await load(info, "SupervisionItem", prop_str(self.raw, "item_code"))
        return SupervisionItem(raw=node) if node else None

    @strawberry.field
    async def department(self, info: Ctx) -> Department | None:
        node = await load(info, "Department", prop_str(self.raw, "department_code"))
        return Department(raw=node) if node else None


@strawberry.type(description="Supervision item (监管事项) from the catalogue.")
class SupervisionItem(CodedNode):
    item_type: str | None = strawberry.field(
        default=None, description="inspection, penalty, compulsory_measure or other.")
    department_system: str | None = strawberry.field(
        default=None, description="The department system that owns the item.")
    random_check: bool | None = strawberry.field(
        default=None, description="Suitable for double-random checks (双随机).")
    joint_check: bool | None = strawberry.field(
        default=None, description="Suitable for joint checks (联合检查).")

    def __post_init__(self) -> None:
        super().__post_init__()
        self.item_type = prop_str(self.raw, "item_type")
        self.department_system = prop_str(self.raw, "department_system")
        self.random_check = prop_bool(self.raw, "random_check")
        self.joint_check = prop_bool(self.raw, "joint_check")

    @strawberry.field
    async def parent(self, info: Ctx) -> SupervisionItem | None:
        node = await load(info, "SupervisionItem", prop_str(self.raw, "parent_code"))
        return SupervisionItem(raw=node) if node else None

    @strawberry.field
    async def sub_items(self, info: Ctx, first: int | None = None,
                        after: str | None = None) -> Connection[SupervisionItem]:
        nodes = await linked(info, self.raw, "PART_OF", "in", "SupervisionItem")
        return slice_connection(nodes, first, after, lambda n: SupervisionItem(raw=n))

    @strawberry.field(description="The articles the item is founded on (法律依据).")
    async def legal_basis(self, info: Ctx, first: int | None = None,
                          after: str | None = None) -> Connection[Article]:
        return await legal_basis(info, self.raw, first, after)

    @strawberry.field(description="The industries it supervises (any level).")
    async def industries(self, info: Ctx, first: int | None = None,
                         after: str | None = None) -> Connection[Industry]:
        nodes = await linked(info, self.raw, "APPLIES_TO", "out", "Industry")
        return slice_connection(nodes, first, after, lambda n: Industry(raw=n))

    @strawberry.field(description="How departments at each level carry it out.")
    async def implementations(self, info: Ctx, first: int | None = None,
                              after: str | None = None) -> Connection[CheckImplementation]:
        nodes = await linked(info, self.raw, "IMPLEMENTS", "in", "CheckImplementation")
        return slice_connection(nodes, first, after, lambda n: CheckImplementation(raw=n))


async def legal_basis(info: Ctx, item: StoreNode, first: int | None,
                      after: str | None) -> Connection[Article]:
    """The articles an item is founded on, through the request's loader."""
    nodes = await linked(info, item, "LEGAL_BASIS", "out", "Article")
    return slice_connection(nodes, first, after, lambda n: Article(raw=n))


@strawberry.type(description="Check implementation (检查实施清单): one department's check of an "
                             "item.")
class CheckImplementation(NodeInterface, ItemOfDepartment):
    code: str = ""
    method: str | None = strawberry.field(default=None,
                                          description="on_site, documents or online.")
    ratio: float | None = strawberry.field(default=None,
                                           description="Share of targets drawn per round (0–1).")
    frequency: str | None = None

    def __post_init__(self) -> None:
        self.code = self.raw.key
        self.method = prop_str(self.raw, "method")
        self.ratio = prop_float(self.raw, "ratio")
        self.frequency = prop_str(self.raw, "frequency")
