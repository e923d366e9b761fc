"""Reference hierarchies: administrative regions (GB/T 2260) and industries (GB/T 4754)."""

from __future__ import annotations

import strawberry

from jointsup.model import Node as StoreNode
from jointsup.resolvers.types.common import (
    CodedNode,
    Ctx,
    ancestors,
    load,
    prop_int,
    prop_str,
)


@strawberry.type(description="Administrative division (行政区划, GB/T 2260).")
class Region(CodedNode):
    @strawberry.field
    def full_name(self) -> str | None:
        return prop_str(self.raw, "full_name")

    @strawberry.field(description="province, city, county or township.")
    def level(self) -> str | None:
        return prop_str(self.raw, "level")

    @strawberry.field(description="A 市辖区/县 pseudo-unit (Chongqing's 500100, 500200).")
    def placeholder(self) -> bool:
        return bool(self.raw.props.get("placeholder"))

    @strawberry.field
    async def parent(self, info: Ctx) -> Region | None:
        node = await load(info, "Region", prop_str(self.raw, "parent_code"))
        return Region(raw=node) if node else None

    @strawberry.field(description="This region and its ancestors up to the province, "
                                  "placeholders skipped.")
    async def chain(self, info: Ctx) -> list[Region]:
        return [Region(raw=n) for n in await region_chain(info, self.raw)]


async def region_chain(info: Ctx, start: StoreNode | None) -> list[StoreNode]:
    """The region and its parents (one batched load per level), without placeholder units."""
    chain = await ancestors(info, start, "Region", 6, lambda n: prop_str(n, "parent_code"))
    return [n for n in chain if not n.props.get("placeholder")]


def industry_parent_code(node: StoreNode) -> str | None:
    """Class → group → division → section letter."""
    code = node.key
    if not code.isdigit():
        return None
    return code[:-1] if len(code) > 2 else prop_str(node, "section")


@strawberry.type(description="Industry (国民经济行业分类, GB/T 4754-2017) at any level.")
class Industry(CodedNode):
    @strawberry.field(description="1 section, 2 division, 3 group, 4 class.")
    def level(self) -> int | None:
        return prop_int(self.raw, "level")

    @strawberry.field
    def section(self) -> str | None:
        return prop_str(self.raw, "section")

    @strawberry.field
    async def parent(self, info: Ctx) -> Industry | None:
        node = await load(info, "Industry", industry_parent_code(self.raw))
        return Industry(raw=node) if node else None

    @strawberry.field(description="This industry and its ancestors: class → group → division → "
                                  "section.")
    async def chain(self, info: Ctx) -> list[Industry]:
        return [Industry(raw=n) for n in await industry_chain(info, self.raw)]


async def industry_chain(info: Ctx, start: StoreNode | None) -> list[StoreNode]:
    """The industry and its parents, one batched load per level."""
    return await ancestors(info, start, "Industry", 5, industry_parent_code)
