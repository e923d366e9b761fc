"""GraphQL object types: thin views of store nodes; every relation goes through a DataLoader."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from jointsup.graph.store import Neighbour
from jointsup.model import KEY_SEPARATOR, ROLE_TYPES, NodeRef
from jointsup.model import Node as StoreNode
from jointsup.resolvers.context import RequestContext
from jointsup.resolvers.relay import Connection, encode_id, slice_connection
from jointsup.services import visibility
from jointsup.services.laws import AffectedItem as AffectedItemData
from jointsup.services.policy import require_internal
from jointsup.services.supervision import ApplicableItem as ApplicableItemData
from jointsup.services.supervision import DepartmentDuty as DepartmentDutyData
from jointsup.services.supervision import region_prefix

Ctx = Info[RequestContext, None]
ROLE_OF_TYPE = {t: role for role, t in ROLE_TYPES.items()}
ROLE_RELS = list(ROLE_TYPES.values())


def _s(node: StoreNode, name: str) -> str | None:
    value = node.props.get(name)
    return None if value is None else str(value)


def _f(node: StoreNode, name: str) -> float | None:
    value = node.props.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _b(node: StoreNode, name: str) -> bool | None:
    value = node.props.get(name)
    return value if isinstance(value, bool) else None


def _strs(node: StoreNode, name: str) -> list[str]:
    value = node.props.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


async def _nbs(info: Ctx, ref: NodeRef, types: list[str], direction: str,
               labels: list[str]) -> list[Neighbour]:
    loader = info.context.loaders.neighbours(types, direction, labels)  # type: ignore[arg-type]
    return await loader.load(ref)


async def _load(info: Ctx, label: str, key: str | None) -> StoreNode | None:
    if not key:
        return None
    return await info.context.loaders.node(label).load(key)


def _article_number(node: StoreNode) -> int:
    value = node.props.get("number")
    return value if isinstance(value, int) else 0


def _date_desc(prop: str) -> Any:
    return lambda n: (str(n.props.get(prop) or ""), n.key)


@strawberry.interface(name="Node", description="Anything with a global id (Relay).")
class NodeInterface:
    raw: strawberry.Private[StoreNode]

    @strawberry.field(description="Global id: base64 of `Label:key`; resolve it with node(id:).")
    def id(self, info: Ctx) -> strawberry.ID:
        return strawberry.ID(encode_id(self.raw.label, self.raw.key))


# ---------------------------------------------------------------- reference: regions, industries

@strawberry.type(description="Administrative division (行政区划, GB/T 2260).")
class Region(NodeInterface):
    @strawberry.field
    def code(self) -> str:
        return self.raw.key

    @strawberry.field
    def name(self) -> str:
        return _s(self.raw, "name") or ""

    @strawberry.field
    def full_name(self) -> str | None:
        return _s(self.raw, "full_name")

    @strawberry.field(description="province, city, county or township.")
    def level(self) -> str | None:
        return _s(self.raw, "level")

    @strawberry.field(description="A 市辖区/县 pseudo-unit (Chongqing's 500100, 500200).")
    def placeholder(self) -> bool:
        return bool(self.raw.props.get("placeholder"))

    @strawberry.field
    async def parent(self, info: Ctx) -> Region | None:
        node = await _load(info, "Region", _s(self.raw, "parent_code"))
        return Region(raw=node) if node else None

    @strawberry.field(description="This region and its ancestors up to the province, "
                                  "placeholders skipped.")
    async def chain(self, info: Ctx) -> list[Region]:
        return [Region(raw=n) for n in await region_chain(info, self.raw)]


async def region_chain(info: Ctx, start: StoreNode | None) -> list[StoreNode]:
    """The region and its parents (one batched load per level), without placeholder units."""
    chain: list[StoreNode] = []
    node = start
    while node is not None and len(chain) < 6:
        chain.append(node)
        node = await _load(info, "Region", _s(node, "parent_code"))
    return [n for n in chain if not n.props.get("placeholder")]


def industry_parent_code(node: StoreNode) -> str | None:
    """Class → group → division → section letter."""
    code = node.key
    if not code.isdigit():
        return None
    return code[:-1] if len(code) > 2 else _s(node, "section")


@strawberry.type(description="Industry (国民经济行业分类, GB/T 4754-2017) at any level.")
class Industry(NodeInterface):
    @strawberry.field
    def code(self) -> str:
        return self.raw.key

    @strawberry.field
    def name(self) -> str:
        return _s(self.raw, "name") or ""

    @strawberry.field(description="1 section, 2 division, 3 group, 4 class.")
    def level(self) -> int | None:
        value = self.raw.props.get("level")
        return value if isinstance(value, int) else None

    @strawberry.field
    def section(self) -> str | None:
        return _s(self.raw, "section")

    @strawberry.field
    async def parent(self, info: Ctx) -> Industry | None:
        node = await _load(info, "Industry", industry_parent_code(self.raw))
        return Industry(raw=node) if node else None

    @strawberry.field(description="This industry and its ancestors: class → group → division → "
                                  "section.")
    async def chain(self, info: Ctx) -> list[Industry]:
        return [Industry(raw=n) for n in await industry_chain(info, self.raw)]


async def industry_chain(info: Ctx, start: StoreNode | None) -> list[StoreNode]:
    """The industry and its parents, one batched load per level."""
    chain: list[StoreNode] = []
    node = start
    while node is not None and len(chain) < 5:
        chain.append(node)
        node = await _load(info, "Industry", industry_parent_code(node))
    return chain


# ---------------------------------------------------------------- laws

@strawberry.type(description="One version of a law or regulation (法律法规).")
class Law(NodeInterface):
    @strawberry.field(description="Official title.")
    def title(self) -> str:
        return _s(self.raw, "title") or ""

    @strawberry.field(description="Version date (ISO).")
    def version(self) -> str:
        return _s(self.raw, "version") or ""

    @strawberry.field
    def short_title(self) -> str | None:
        return _s(self.raw, "short_title")

    @strawberry.field(description="law, administrative_regulation, department_rule or "
                                  "local_regulation.")
    def rank(self) -> str | None:
        return _s(self.raw, "rank")

    @strawberry.field
    def issuer(self) -> str | None:
        return _s(self.raw, "issuer")

    @strawberry.field(description="Whether this is the version in force.")
    def current(self) -> bool:
        return bool(self.raw.props.get("current"))

    @strawberry.field(description="Whether the act was repealed (replaced by another act).")
    def repealed(self) -> bool:
        return bool(self.raw.props.get("repealed"))

    @strawberry.field
    def article_count(self) -> int | None:
        value = self.raw.props.get("article_count")
        return value if isinstance(value, int) else None

    @strawberry.field(description="Every version of this law, oldest first.")
    async def versions(self, info: Ctx, first: int | None = None,
                       after: str | None = None) -> Connection[Law]:
        nodes = await info.context.loaders.law_versions.load(_s(self.raw, "title") or "")
        return slice_connection(nodes, first, after, lambda n: Law(raw=n))

    @strawberry.field(description="The version (or act) this one supersedes.")
    async def supersedes(self, info: Ctx) -> Law | None:
        nbs = await _nbs(info, self.raw.ref, ["SUPERSEDES"], "out", ["Law"])
        return Law(raw=nbs[0].node) if nbs else None

    @strawberry.field(description="The version (or act) that supersedes this one.")
    async def superseded_by(self, info: Ctx) -> Law | None:
        nbs = await _nbs(info, self.raw.ref, ["SUPERSEDES"], "in", ["Law"])
        return Law(raw=nbs[0].node) if nbs else None

    @strawberry.field(description="Articles in number order.")
    async def articles(self, info: Ctx, first: int | None = None,
                       after: str | None = None) -> Connection[Article]:
        nbs = await _nbs(info, self.raw.ref, ["OF_LAW"], "in", ["Article"])
        nodes = sorted((nb.node for nb in nbs), key=_article_number)
        return slice_connection(nodes, first, after, lambda n: Article(raw=n))


@strawberry.type(description="Article (条) of one law version, with its text.")
class Article(NodeInterface):
    @strawberry.field
    def law_title(self) -> str:
        return _s(self.raw, "law_title") or ""

    @strawberry.field
    def law_version(self) -> str:
        return _s(self.raw, "law_version") or ""

    @strawberry.field
    def number(self) -> int:
        value = self.raw.props.get("number")
        return value if isinstance(value, int) else 0

    @strawberry.field
    def chapter(self) -> str | None:
        return _s(self.raw, "chapter")

    @strawberry.field
    def section(self) -> str | None:
        return _s(self.raw, "section")

    @strawberry.field(description="Every paragraph of the article.")
    def text(self) -> str:
        return _s(self.raw, "text") or ""

    @strawberry.field
    async def law(self, info: Ctx) -> Law | None:
        key = KEY_SEPARATOR.join([_s(self.raw, "law_title") or "",
                                  _s(self.raw, "law_version") or ""])
        node = await _load(info, "Law", key)
        return Law(raw=node) if node else None


# ---------------------------------------------------------------- departments and items

@strawberry.type(description="Department (部门) of a supervision system at one level.")
class Department(NodeInterface):
    @strawberry.field
    def code(self) -> str:
        return self.raw.key

    @strawberry.field
    def name(self) -> str:
        return _s(self.raw, "name") or ""

    @strawberry.field(description="Supervision system: 市场监管, 卫健, 文旅 …")
    def system(self) -> str | None:
        return _s(self.raw, "system")

    @strawberry.field(description="province, city or county.")
    def level(self) -> str | None:
        return _s(self.raw, "level")

    @strawberry.field
    def region_code(self) -> str | None:
        return _s(self.raw, "region_code")

    @strawberry.field
    async def region(self, info: Ctx) -> Region | None:
        node = await _load(info, "Region", _s(self.raw, "region_code"))
        return Region(raw=node) if node else None

    @strawberry.field
    async def parent(self, info: Ctx) -> Department | None:
        node = await _load(info, "Department", _s(self.raw, "parent_code"))
        return Department(raw=node) if node else None

    @strawberry.field(description="The check implementations this department carries out.")
    async def implementations(self, info: Ctx, first: int | None = None,
                              after: str | None = None) -> Connection[CheckImplementation]:
        nbs = await _nbs(info, self.raw.ref, ["CARRIED_OUT_BY"], "in", ["CheckImplementation"])
        return slice_connection([nb.node for nb in nbs], first, after,
                                lambda n: CheckImplementation(raw=n))

    @strawberry.field(description="The supervision items it implements, by code.")
    async def items(self, info: Ctx, first: int | None = None,
                    after: str | None = None) -> Connection[SupervisionItem]:
        nbs = await _nbs(info, self.raw.ref, ["CARRIED_OUT_BY"], "in", ["CheckImplementation"])
        codes = sorted({str(nb.node.props.get("item_code")) for nb in nbs})
        loaded = await info.context.loaders.node("SupervisionItem").load_many(codes)
        return slice_connection([n for n in loaded if n is not None], first, after,
                                lambda n: SupervisionItem(raw=n))

    @strawberry.field(description="Enterprises registered in its region (its jurisdiction), by "
                                  "USCC; keyset-paginated.")
    async def enterprises(self, info: Ctx, first: int | None = None,
                          after: str | None = None) -> Connection[Enterprise]:
        from jointsup.resolvers.relay import Edge, PageInfo, page_size

        region = _s(self.raw, "region_code")
        if not region:
            return slice_connection([], first, after, lambda n: Enterprise(raw=n))
        page, total = await info.context.loaders.region_enterprises.load(
            (region_prefix(region), page_size(first), after))
        edges: list[Edge[Enterprise]] = []
        for i, node in enumerate(page.items):
            cursor = page.end_cursor if i == len(page.items) - 1 else None
            edges.append(Edge(cursor=cursor or _key_cursor(node), node=Enterprise(raw=node)))
        return Connection(edges=edges, page_info=PageInfo(has_next_page=page.has_next,
                                                          end_cursor=page.end_cursor),
                          total_count=total)


def _key_cursor(node: StoreNode) -> str:
    from jointsup.graph.store import encode_cursor

    return encode_cursor(None, node.key)


@strawberry.type(description="Supervision item (监管事项) from the catalogue.")
class SupervisionItem(NodeInterface):
    @strawberry.field
    def code(self) -> str:
        return self.raw.key

    @strawberry.field
    def name(self) -> str:
        return _s(self.raw, "name") or ""

    @strawberry.field(description="inspection, penalty, compulsory_measure or other.")
    def item_type(self) -> str | None:
        return _s(self.raw, "item_type")

    @strawberry.field(description="The department system that owns the item.")
    def department_system(self) -> str | None:
        return _s(self.raw, "department_system")

    @strawberry.field(description="Suitable for double-random checks (双随机).")
    def random_check(self) -> bool | None:
        return _b(self.raw, "random_check")

    @strawberry.field(description="Suitable for joint checks (联合检查).")
    def joint_check(self) -> bool | None:
        return _b(self.raw, "joint_check")

    @strawberry.field
    async def parent(self, info: Ctx) -> SupervisionItem | None:
        node = await _load(info, "SupervisionItem", _s(self.raw, "parent_code"))
        return SupervisionItem(raw=node) if node else None

    @strawberry.field
    async def sub_items(self, info: Ctx, first: int | None = None,
                        after: str | None = None) -> Connection[SupervisionItem]:
        nbs = await _nbs(info, self.raw.ref, ["PART_OF"], "in", ["SupervisionItem"])
        return slice_connection([nb.node for nb in nbs], first, after,
                                lambda n: SupervisionItem(raw=n))

    @strawberry.field(description="The articles the item is founded on (法律依据).")
    async def legal_basis(self, info: Ctx, first: int | None = None,
                          after: str | None = None) -> Connection[Article]:
        return await legal_basis(info, self.raw, first, after)

    @strawberry.field(description="The industries it supervises (any level).")
    async def industries(self, info: Ctx, first: int | None = None,
                         after: str | None = None) -> Connection[Industry]:
        nbs = await _nbs(info, self.raw.ref, ["APPLIES_TO"], "out", ["Industry"])
        return slice_connection([nb.node for nb in nbs], first, after, lambda n: Industry(raw=n))

    @strawberry.field(description="How departments at each level carry it out.")
    async def implementations(self, info: Ctx, first: int | None = None,
                              after: str | None = None) -> Connection[CheckImplementation]:
        nbs = await _nbs(info, self.raw.ref, ["IMPLEMENTS"], "in", ["CheckImplementation"])
        return slice_connection([nb.node for nb in nbs], first, after,
                                lambda n: CheckImplementation(raw=n))


async def legal_basis(info: Ctx, item: StoreNode, first: int | None,
                      after: str | None) -> Connection[Article]:
    """The articles an item is founded on, through the request's loader."""
    nbs = await _nbs(info, item.ref, ["LEGAL_BASIS"], "out", ["Article"])
    return slice_connection([nb.node for nb in nbs], first, after, lambda n: Article(raw=n))


@strawberry.type(description="Check implementation (检查实施清单): one department's check of an "
                             "item.")
class CheckImplementation(NodeInterface):
    @strawberry.field
    def code(self) -> str:
        return self.raw.key

    @strawberry.field(description="on_site, documents or online.")
    def method(self) -> str | None:
        return _s(self.raw, "method")

    @strawberry.field(description="Share of targets drawn per round (0–1).")
    def ratio(self) -> float | None:
        return _f(self.raw, "ratio")

    @strawberry.field
    def frequency(self) -> str | None:
        return _s(self.raw, "frequency")

    @strawberry.field
    async def item(self, info: Ctx) -> SupervisionItem | None:
        node = await _load(info, "SupervisionItem", _s(self.raw, "item_code"))
        return SupervisionItem(raw=node) if node else None

    @strawberry.field
    async def department(self, info: Ctx) -> Department | None:
        node = await _load(info, "Department", _s(self.raw, "department_code"))
        return Department(raw=node) if node else None


# ---------------------------------------------------------------- actions, clues, credit

@strawberry.type(description="Supervision action: an inspection or penalty done.")
class Inspection(NodeInterface):
    @strawberry.field
    def inspection_id(self) -> str:
        return self.raw.key

    @strawberry.field(description="ISO date.")
    def date(self) -> str | None:
        return _s(self.raw, "date")

    @strawberry.field
    def result(self) -> str | None:
        return _s(self.raw, "result")

    @strawberry.field
    def officer_count(self) -> int:
        return len(_strs(self.raw, "officer_ids"))

    @strawberry.field
    async def enterprise(self, info: Ctx) -> Enterprise | None:
        node = await _load(info, "Enterprise", _s(self.raw, "uscc"))
        return Enterprise(raw=node) if node else None

    @strawberry.field
    async def item(self, info: Ctx) -> SupervisionItem | None:
        node = await _load(info, "SupervisionItem", _s(self.raw, "item_code"))
        return SupervisionItem(raw=node) if node else None

    @strawberry.field
    async def department(self, info: Ctx) -> Department | None:
        node = await _load(info, "Department", _s(self.raw, "department_code"))
        return Department(raw=node) if node else None

    @strawberry.field(description="Articles cited in the result or penalty.")
    async def cited_articles(self, info: Ctx, first: int | None = None,
                             after: str | None = None) -> Connection[Article]:
        nbs = await _nbs(info, self.raw.ref, ["CITES"], "out", ["Article"])
        return slice_connection([nb.node for nb in nbs], first, after, lambda n: Article(raw=n))


@strawberry.type(description="Clue (线索): a complaint, report, transfer or model lead.")
class Clue(NodeInterface):
    @strawberry.field
    def clue_id(self) -> str:
        return self.raw.key

    @strawberry.field(description="12315_hotline, 12315_web, 12315_app, report, transfer, "
                                  "risk_model …")
    def channel(self) -> str | None:
        return _s(self.raw, "channel")

    @strawberry.field
    def received_at(self) -> str | None:
        return _s(self.raw, "received_at")

    @strawberry.field(description="The text; phone and identity numbers masked for partners.")
    def text(self, info: Ctx) -> str | None:
        return visibility.free_text(info.context.principal, _s(self.raw, "text"))

    @strawberry.field
    def status(self) -> str | None:
        return _s(self.raw, "status")

    @strawberry.field
    def region_code(self) -> str | None:
        return _s(self.raw, "region_code")

    @strawberry.field
    def respondent_name(self) -> str | None:
        return _s(self.raw, "respondent_name")

    @strawberry.field(description="Enterprises the clue is against.")
    async def respondents(self, info: Ctx, first: int | None = None,
                          after: str | None = None) -> Connection[Enterprise]:
        nbs = await _nbs(info, self.raw.ref, ["AGAINST"], "out", ["Enterprise"])
        return slice_connection([nb.node for nb in nbs], first, after,
                                lambda n: Enterprise(raw=n))


@strawberry.type(description="Monthly credit risk class (A low … D high).")
class CreditRating:
    raw: strawberry.Private[StoreNode]

    @strawberry.field(description="YYYY-MM.")
    def month(self) -> str | None:
        return _s(self.raw, "month")

    @strawberry.field
    def credit_class(self) -> str | None:
        return _s(self.raw, "credit_class")

    @strawberry.field(description="ingested or computed.")
    def source(self) -> str | None:
        return _s(self.raw, "source")


@strawberry.type(description="Entry on the abnormal-operation (经营异常) or serious-violation "
                             "(严重违法失信) list.")
class ListEntry:
    raw: strawberry.Private[StoreNode]

    @strawberry.field(name="list", description="abnormal_operation or serious_violation.")
    def list_name(self) -> str | None:
        return _s(self.raw, "list")

    @strawberry.field
    def date(self) -> str | None:
        return _s(self.raw, "date")

    @strawberry.field
    def reason(self) -> str | None:
        return _s(self.raw, "reason")

    @strawberry.field
    def removed_date(self) -> str | None:
        return _s(self.raw, "removed_date")


@strawberry.type(description="Risk alert (风险预警) raised by a model.")
class RiskAlert:
    raw: strawberry.Private[StoreNode]

    @strawberry.field
    def alert_id(self) -> str:
        return self.raw.key

    @strawberry.field
    def model(self) -> str | None:
        return _s(self.raw, "model")

    @strawberry.field
    def score(self) -> float | None:
        return _f(self.raw, "score")

    @strawberry.field
    def status(self) -> str | None:
        return _s(self.raw, "status")

    @strawberry.field
    def evidence(self) -> str | None:
        return _s(self.raw, "evidence")


# ---------------------------------------------------------------- people and enterprises

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
        return visibility.person_name(info.context.principal, _s(self.raw, "name"))

    @strawberry.field(description="The enterprises the person holds a role in.")
    async def roles(self, info: Ctx, first: int | None = None,
                    after: str | None = None) -> Connection[EnterpriseRole]:
        nbs = await _nbs(info, self.raw.ref, ROLE_RELS, "out", ["Enterprise"])
        return slice_connection(nbs, first, after, lambda nb: EnterpriseRole(rel=nb))


@strawberry.type(description="A person's role in an enterprise, seen from the person.")
class EnterpriseRole:
    rel: strawberry.Private[Neighbour]

    @strawberry.field(description="legal_rep, shareholder, executive, liaison or agent.")
    def role(self) -> str:
        return ROLE_OF_TYPE.get(self.rel.rel.type, self.rel.rel.type)

    @strawberry.field
    def share_ratio(self) -> float | None:
        value = self.rel.rel.props.get("share_ratio")
        return float(value) if isinstance(value, int | float) else None

    @strawberry.field
    def enterprise(self) -> Enterprise:
        return Enterprise(raw=self.rel.node)


@strawberry.type(description="A person's role in an enterprise, seen from the enterprise.")
class PersonRole:
    rel: strawberry.Private[Neighbour]

    @strawberry.field(description="legal_rep, shareholder, executive, liaison or agent.")
    def role(self) -> str:
        return ROLE_OF_TYPE.get(self.rel.rel.type, self.rel.rel.type)

    @strawberry.field
    def share_ratio(self) -> float | None:
        value = self.rel.rel.props.get("share_ratio")
        return float(value) if isinstance(value, int | float) else None

    @strawberry.field
    def person(self) -> Person:
        return Person(raw=self.rel.node)


@strawberry.type(description="A department answering for an item at one level.")
class ResponsibleDepartment:
    department: Department
    implementation: CheckImplementation | None = strawberry.field(
        description="The implementation of the item this department carries out, if any.")

    @strawberry.field(description="county, city or province.")
    def level(self) -> str | None:
        return _s(self.department.raw, "level")


@strawberry.type(description="A supervision item that applies, and who answers for it.")
class ApplicableItem:
    data: strawberry.Private[ApplicableItemData]

    @strawberry.field
    def item(self) -> SupervisionItem:
        return SupervisionItem(raw=self.data.item)

    @strawberry.field(description="The industry code (the enterprise's class or an ancestor) "
                                  "through which the item applies.")
    def via_industry(self) -> str:
        return self.data.via_industry

    @strawberry.field(description="Departments of the item's system in the county, city and "
                                  "province (at most three).")
    def responsible(self) -> list[ResponsibleDepartment]:
        return [ResponsibleDepartment(
            department=Department(raw=r.department),
            implementation=CheckImplementation(raw=r.implementation) if r.implementation
            else None) for r in self.data.responsible]

    @strawberry.field(description="The enterprise's latest inspection under this item.")
    def last_inspection(self) -> Inspection | None:
        node = self.data.last_inspection
        return Inspection(raw=node) if node else None


@strawberry.type(description="A market entity (市场主体), keyed by its unified social credit code.")
class Enterprise(NodeInterface):
    @strawberry.field(description="Unified social credit code (统一社会信用代码).")
    def uscc(self) -> str:
        return self.raw.key

    @strawberry.field(description="Registered name.")
    def name(self) -> str:
        return _s(self.raw, "name") or ""

    @strawberry.field(description="Former names (曾用名).")
    def former_names(self) -> list[str]:
        return _strs(self.raw, "former_names")

    @strawberry.field(description="Short trade name (字号), derived from the registered name.")
    async def trade_name(self, info: Ctx) -> str | None:
        entry = await info.context.loaders.names.load(self.raw.key)
        return entry.trade if entry else None

    @strawberry.field(description="Legal representative as registered (masked for partners).")
    def legal_representative(self, info: Ctx) -> str | None:
        value = _s(self.raw, "legal_rep")
        if value is None or value.isascii():
            return visibility.person_id(info.context.principal, value)
        return visibility.person_name(info.context.principal, value)

    @strawberry.field(description="Registration status: 存续, 在业, 吊销, 注销, 迁出, 撤销.")
    def status(self) -> str | None:
        return _s(self.raw, "status")

    @strawberry.field
    def entity_type(self) -> str | None:
        return _s(self.raw, "entity_type")

    @strawberry.field(description="ISO date of establishment.")
    def established(self) -> str | None:
        return _s(self.raw, "established")

    @strawberry.field
    def address(self) -> str | None:
        return _s(self.raw, "address")

    @strawberry.field
    def phone(self) -> str | None:
        return _s(self.raw, "phone")

    @strawberry.field(description="Current credit class A–D.")
    def credit_class(self) -> str | None:
        return _s(self.raw, "credit_class")

    @strawberry.field(description="The code's check character failed (early pilot codes).")
    def uscc_check_failed(self) -> bool:
        return bool(self.raw.props.get("uscc_check_failed"))

    @strawberry.field
    def region_code(self) -> str | None:
        return _s(self.raw, "reg_region_code")

    @strawberry.field
    def industry_code(self) -> str | None:
        return _s(self.raw, "industry_code")

    @strawberry.field
    async def region(self, info: Ctx) -> Region | None:
        node = await _load(info, "Region", _s(self.raw, "reg_region_code"))
        return Region(raw=node) if node else None

    @strawberry.field(description="County → city → province (placeholder units skipped).")
    async def region_chain(self, info: Ctx) -> list[Region]:
        start = await _load(info, "Region", _s(self.raw, "reg_region_code"))
        return [Region(raw=n) for n in await region_chain(info, start)]

    @strawberry.field
    async def industry(self, info: Ctx) -> Industry | None:
        node = await _load(info, "Industry", _s(self.raw, "industry_code"))
        return Industry(raw=node) if node else None

    @strawberry.field(description="Class → group → division → section.")
    async def industry_chain(self, info: Ctx) -> list[Industry]:
        start = await _load(info, "Industry", _s(self.raw, "industry_code"))
        return [Industry(raw=n) for n in await industry_chain(info, start)]

    @strawberry.field(description="People with their roles.")
    async def people(self, info: Ctx, first: int | None = None,
                     after: str | None = None) -> Connection[PersonRole]:
        nbs = await _nbs(info, self.raw.ref, ROLE_RELS, "in", ["Person"])
        return slice_connection(nbs, first, after, lambda nb: PersonRole(rel=nb))

    @strawberry.field(description="The parent enterprise of a branch (分公司).")
    async def parent(self, info: Ctx) -> Enterprise | None:
        nbs = await _nbs(info, self.raw.ref, ["BRANCH_OF"], "out", ["Enterprise"])
        return Enterprise(raw=nbs[0].node) if nbs else None

    @strawberry.field
    async def branches(self, info: Ctx, first: int | None = None,
                       after: str | None = None) -> Connection[Enterprise]:
        nbs = await _nbs(info, self.raw.ref, ["BRANCH_OF"], "in", ["Enterprise"])
        return slice_connection([nb.node for nb in nbs], first, after,
                                lambda n: Enterprise(raw=n))

    @strawberry.field(description="Monthly credit classes, latest first.")
    async def credit_history(self, info: Ctx, first: int | None = None,
                             after: str | None = None) -> Connection[CreditRating]:
        nbs = await _nbs(info, self.raw.ref, ["RATES"], "in", ["CreditRating"])
        nodes = sorted((nb.node for nb in nbs), key=_date_desc("month"), reverse=True)
        return slice_connection(nodes, first, after, lambda n: CreditRating(raw=n))

    @strawberry.field(description="Abnormal-operation and serious-violation list entries, latest "
                                  "first.")
    async def list_entries(self, info: Ctx, first: int | None = None,
                           after: str | None = None) -> Connection[ListEntry]:
        nbs = await _nbs(info, self.raw.ref, ["LISTS"], "in", ["ListEntry"])
        nodes = sorted((nb.node for nb in nbs), key=_date_desc("date"), reverse=True)
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
        nbs = await _nbs(info, self.raw.ref, ["TARGETS"], "in", ["Inspection"])
        nodes = sorted((nb.node for nb in nbs), key=_date_desc("date"), reverse=True)
        return slice_connection(nodes, first, after, lambda n: Inspection(raw=n))

    @strawberry.field(description="Clues against the enterprise, latest first.")
    async def clues(self, info: Ctx, first: int | None = None,
                    after: str | None = None) -> Connection[Clue]:
        require_internal(info.context.principal)
        nbs = await _nbs(info, self.raw.ref, ["AGAINST"], "in", ["Clue"])
        nodes = sorted((nb.node for nb in nbs), key=_date_desc("received_at"), reverse=True)
        return slice_connection(nodes, first, after, lambda n: Clue(raw=n))

    @strawberry.field(description="Risk alerts about the enterprise.")
    async def alerts(self, info: Ctx, first: int | None = None,
                     after: str | None = None) -> Connection[RiskAlert]:
        nbs = await _nbs(info, self.raw.ref, ["ABOUT"], "in", ["RiskAlert"])
        return slice_connection([nb.node for nb in nbs], first, after,
                                lambda n: RiskAlert(raw=n))


# ---------------------------------------------------------------- query results

@strawberry.type(description="One item a department answers for, for one enterprise.")
class SupervisedItem:
    data: strawberry.Private[ApplicableItemData]
    implementation_node: strawberry.Private[StoreNode | None]

    @strawberry.field
    def item(self) -> SupervisionItem:
        return SupervisionItem(raw=self.data.item)

    @strawberry.field
    def via_industry(self) -> str:
        return self.data.via_industry

    @strawberry.field(description="The implementation this department carries out at its level.")
    def implementation(self) -> CheckImplementation | None:
        node = self.implementation_node
        return CheckImplementation(raw=node) if node else None

    @strawberry.field(description="The item's legal basis (article text available).")
    async def legal_basis(self, info: Ctx, first: int | None = None,
                          after: str | None = None) -> Connection[Article]:
        return await legal_basis(info, self.data.item, first, after)

    @strawberry.field(description="The enterprise's latest inspection under this item.")
    def last_inspection(self) -> Inspection | None:
        node = self.data.last_inspection
        return Inspection(raw=node) if node else None


@strawberry.type(description="A department that supervises the enterprise, and for what.")
class DepartmentDuty:
    data: strawberry.Private[DepartmentDutyData]

    @strawberry.field
    def department(self) -> Department:
        return Department(raw=self.data.department)

    @strawberry.field(description="county, city or province.")
    def level(self) -> str | None:
        return _s(self.data.department, "level")

    @strawberry.field
    def items(self, first: int | None = None,
              after: str | None = None) -> Connection[SupervisedItem]:
        return slice_connection(self.data.items, first, after,
                                lambda p: SupervisedItem(data=p[0], implementation_node=p[1]))


@strawberry.type(description="Joint supervision of one enterprise (联合监管): every department "
                             "that supervises it, with its items.")
class JointSupervision:
    enterprise: Enterprise
    duties: strawberry.Private[list[DepartmentDutyData]]

    @strawberry.field(description="Departments, county first, then city, then province.")
    def departments(self, first: int | None = None,
                    after: str | None = None) -> Connection[DepartmentDuty]:
        return slice_connection(self.duties, first, after, lambda d: DepartmentDuty(data=d))


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


NODE_TYPES: dict[str, Any] = {
    "Enterprise": Enterprise, "Person": Person, "Department": Department,
    "SupervisionItem": SupervisionItem, "CheckImplementation": CheckImplementation, "Law": Law,
    "Article": Article, "Region": Region, "Industry": Industry, "Inspection": Inspection,
    "Clue": Clue,
}


def wrap(node: StoreNode) -> NodeInterface | None:
    """The GraphQL object of a store node, or None when its label is not exposed."""
    cls = NODE_TYPES.get(node.label)
    return cls(raw=node) if cls else None


async def enterprise_by_uscc(info: Ctx, uscc: str) -> Enterprise | None:
    """One enterprise, through the request's loader."""
    node = await info.context.loaders.node("Enterprise").load(uscc.strip().upper())
    return Enterprise(raw=node) if node else None
