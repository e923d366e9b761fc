"""Which items apply to an enterprise, who answers for them, and which a law change affects."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from jointsup.model import Node as StoreNode
from jointsup.resolvers.relay import Connection, slice_connection
from jointsup.resolvers.types.activity import Inspection
from jointsup.resolvers.types.catalog import CheckImplementation, Department, SupervisionItem
from jointsup.resolvers.types.common import Ctx, prop_str
from jointsup.resolvers.types.law import Article, Law
from jointsup.services.laws import AffectedItem as AffectedItemData
from jointsup.services.supervision import ApplicableItem as ApplicableItemData
from jointsup.services.supervision import DepartmentDuty as DepartmentDutyData


@strawberry.type(description="A department answering for an item at one level.")
class ResponsibleDepartment:
    department: Department
    implementation: CheckImplementation | None = strawberry.field(
        description="The implementation of the item this department carries out, if any.")

    @strawberry.field(description="county, city or province.")
    def level(self) -> str | None:
        return prop_str(self.department.raw, "level")


@strawberry.type(description="A supervision item that applies, and who answers for it.")
class ApplicableItem:
    data: strawberry.Private[ApplicableItemData]

    @strawberry.field
    def item(self) -> SupervisionItem:
        return SupervisionItem(raw=self.data.item)

    via_industry: str = strawberry.field(
        default="", description="The industry code (the enterprise's class or an ancestor) "
                                "through which the item applies.")

    @strawberry.field(description="Departments of the item's system in the county, city and "
                                  "province (at most three).")
    def responsible(self) -> list[ResponsibleDepartment]:
        return [ResponsibleDepartment(
            department=Department(raw=r.department),
            implementation=CheckImplementation(raw=r.implementation) if r.implementation
            else None) for r in self.data.responsible]

    last_inspection: Inspection | None = strawberry.field(
        default=None, description="The enterprise's latest inspection under this item.")

    def __post_init__(self) -> None:  # plain attributes: see CodedNode
        self.via_industry = self.data.via_industry
        self.last_inspection = last_inspection(self.data)


def last_inspection(data: ApplicableItemData) -> Inspection | None:
    """The enterprise's latest inspection under an item, if any."""
    return Inspection(raw=data.last_inspection) if data.last_inspection else None


# Item code -> the articles of its legal basis, read for a whole answer in one batch beforehand.
LegalBasisByItem = dict[str, list[StoreNode]]


@strawberry.type(description="One item a department answers for, for one enterprise.")
class SupervisedItem:
    data: strawberry.Private[ApplicableItemData]
    implementation_node: strawberry.Private[StoreNode | None]
    articles: strawberry.Private[list[StoreNode]]

    @strawberry.field
    def item(self) -> SupervisionItem:
        return SupervisionItem(raw=self.data.item)

    via_industry: str = ""
    implementation: CheckImplementation | None = strawberry.field(
        default=None, description="The implementation this department carries out at its level.")

    @strawberry.field(description="The item's legal basis (article text available).")
    def legal_basis(self, first: int | None = None,
                    after: str | None = None) -> Connection[Article]:
        # Prefetched (see `prefetch_legal_basis`): no field below jointSupervision awaits, so
        # the engine completes its hundreds of fields without a task per list element.
        return slice_connection(self.articles, first, after, lambda n: Article(raw=n))

    last_inspection: Inspection | None = strawberry.field(
        default=None, description="The enterprise's latest inspection under this item.")

    def __post_init__(self) -> None:  # plain attributes: see CodedNode
        self.via_industry = self.data.via_industry
        node = self.implementation_node
        self.implementation = CheckImplementation(raw=node) if node else None
        self.last_inspection = last_inspection(self.data)


async def prefetch_legal_basis(info: Ctx, items: Sequence[ApplicableItemData]
                               ) -> LegalBasisByItem:
    """The legal basis of every item, through the request's loader (one batched store call)."""
    refs = sorted({a.item.ref for a in items})
    found = await info.context.loaders.neighbours(["LEGAL_BASIS"], "out", ["Article"]).load_many(
        refs)
    return {ref.key: [nb.node for nb in nbs] for ref, nbs in zip(refs, found, strict=True)}


@strawberry.type(description="A department that supervises the enterprise, and for what.")
class DepartmentDuty:
    data: strawberry.Private[DepartmentDutyData]
    articles: strawberry.Private[LegalBasisByItem]

    @strawberry.field
    def department(self) -> Department:
        return Department(raw=self.data.department)

    @strawberry.field(description="county, city or province.")
    def level(self) -> str | None:
        return prop_str(self.data.department, "level")

    @strawberry.field
    def items(self, first: int | None = None,
              after: str | None = None) -> Connection[SupervisedItem]:
        return slice_connection(self.data.items, first, after,
                                lambda p: SupervisedItem(data=p[0], implementation_node=p[1],
                                                         articles=self.articles[p[0].item.key]))


@strawberry.type(description="An item whose legal basis cites a superseded or repealed version.")
class AffectedItem:
    data: strawberry.Private[AffectedItemData]

    @strawberry.field
    def item(self) -> SupervisionItem:
        return SupervisionItem(raw=self.data.item)

    @strawberry.field(description="The article the item cites.")
    def cited_article(self) -> Article:
        return Article(raw=self.data.article)

    @strawberry.field(description="The version that article belongs to.")
    def cited_version(self) -> Law:
        return Law(raw=self.data.cited_version)

    @strawberry.field(description="The version in force (for a repealed act, the act replacing "
                                  "it); null when none is known.")
    def current_version(self) -> Law | None:
        node = self.data.current_version
        return Law(raw=node) if node else None
