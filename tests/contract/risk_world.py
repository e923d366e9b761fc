"""A hand-made world for the risk models and credit classes: each pattern once, near-misses too."""

from __future__ import annotations

from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef, Props, Rel, make_node

AS_OF = "2026-06-30"
LICENCE_TEXT = ("在杨家养生馆{s}消费，发现店里挂的营业执照是成都杨家养生馆的，"
                "和店名对不上，怀疑一照多用。")
SURGE_TEXT = "在{n}办了会员卡，预付了2000元，现在店关门了，退卡没人管。"


def uscc(n: int) -> str:
    """A made-up but well-formed key."""
    return f"9151010{n:011d}"


def ent(n: int, name: str, region: str = "510104", status: str = "存续",
        industry: str = "6210", established: str = "2015-01-01") -> Node:
    return make_node("Enterprise", {"uscc": uscc(n), "name": name, "reg_region_code": region,
                                    "status": status, "industry_code": industry,
                                    "established": established})


def E(n: int) -> NodeRef:  # noqa: N802 - reads like the world's other names
    return NodeRef("Enterprise", uscc(n))


ENTERPRISES = [
    ent(1, "成都蜀香餐饮有限公司"),                      # complaint surge, prepaid, both provinces
    ent(2, "成都甲商贸有限公司"), ent(3, "成都乙商贸有限公司"),  # E2–E5 share one address
    ent(4, "成都丙商贸有限公司"), ent(5, "成都丁商贸有限公司"),
    ent(6, "成都戊商贸有限公司"), ent(7, "成都己商贸有限公司"),  # only two at their address
    ent(8, "成都旧一贸易有限公司", status="吊销"),          # P1's struck-off companies
    ent(9, "成都旧二贸易有限公司", status="吊销"),
    ent(10, "成都新起贸易有限公司", established="2025-03-01"),  # P1's new company
    ent(11, "成都杨家养生馆", industry="8051"),             # one licence, several shops
    ent(12, "成都屡犯食品有限公司", industry="5221"),        # three violations
    ent(13, "成都偶犯食品有限公司", industry="5221"),        # two violations; a poisoning clue
    ent(14, "成都电梯物业有限公司", industry="7020"),        # special equipment overdue
    ent(15, "成都守时物业有限公司", industry="7020"),        # checked in time
    ent(16, "成都锦江茶餐厅有限公司", industry="6220"),      # same trade and county as E1
]
PEOPLE = [make_node("Person", {"person_id": f"P{i}", "name": n})
          for i, n in ((1, "张三"), (2, "李四"))]
P1, P2 = (p.ref for p in PEOPLE)
A1 = make_node("Address", {"normalized": "四川省成都市锦江区红星路1号", "region_code": "510104"})
A2 = make_node("Address", {"normalized": "四川省成都市锦江区红星路2号", "region_code": "510104"})
REGIONS = [make_node("Region", {"code": c, "name": n, "level": "county"})
           for c, n in (("510104", "锦江区"), ("500103", "渝中区"))]
ITEMS = [make_node("SupervisionItem", {"code": "SE-1", "name": "特种设备定期检验检查"}),
         make_node("SupervisionItem", {"code": "FD-1", "name": "食品经营监督检查"})]
LISTS = [make_node("ListEntry", {"uscc": uscc(8), "list": "serious_violation",
                                 "date": "2024-01-10", "reason": "被吊销营业执照"})]


def clue(ident: str, day: str, text: str, region: str = "510104",
         respondent: str | None = None) -> Node:
    props: Props = {"id": ident, "channel": "12315_web", "received_at": f"{day}T10:00:00+08:00",
                    "text": text, "status": "REGISTERED", "region_code": region,
                    "respondent_name": respondent}
    return make_node("Clue", props)


CLUES: list[tuple[Node, int]] = [
    *((clue(f"S{i}", f"2026-05-{i + 1:02d}", SURGE_TEXT.format(n="蜀香餐饮")), 1)
      for i in range(6)),
    (clue("X1", "2025-09-15", "蜀香餐饮的分店菜里有头发。", region="500103"), 1),
    *((clue(f"T{i}", f"2026-05-{i + 3:02d}", "茶餐厅饮料过期了。"), 16) for i in range(3)),
    *((clue(f"L{i}", f"2026-0{i + 1}-10", LICENCE_TEXT.format(s=s), respondent=f"杨家养生馆{s}"),
       11) for i, s in enumerate(("三店", "四店", "（星光街店）"))),
    (clue("H1", "2026-03-01", "在偶犯食品买的熟食，全家吃了以后食物中毒住院。"), 13),
    (clue("N1", "2026-03-02", "偶犯食品的收银员态度不好。"), 13),
]


def inspection(ident: str, n: int, day: str, result: str, item: str = "FD-1") -> Node:
    return make_node("Inspection", {"id": ident, "uscc": uscc(n), "item_code": item,
                                    "date": day, "result": result})


INSPECTIONS = [
    inspection("J1", 12, "2024-05-01", "罚款"), inspection("J2", 12, "2025-02-01", "罚款"),
    inspection("J3", 12, "2026-01-15", "责令整改"),
    inspection("J4", 13, "2025-01-01", "罚款"), inspection("J5", 13, "2026-02-01", "责令整改"),
    inspection("J6", 14, "2024-01-01", "合格", "SE-1"),
    inspection("J7", 15, "2026-01-01", "合格", "SE-1"),
    inspection("J8", 2, "2026-02-01", "合格"),
]
INGESTED = [make_node("CreditRating", {"uscc": uscc(n), "month": "2026-06", "source": "ingested",
                                       "credit_class": c}) for n, c in ((2, "C"), (8, "D"))]

RELS = [
    *(Rel("LOCATED_AT", E(n), A1.ref) for n in (2, 3, 4, 5)),
    *(Rel("LOCATED_AT", E(n), A2.ref) for n in (6, 7)),
    *(Rel("LEGAL_REP_OF", P1, E(n)) for n in (8, 9, 10)),
    *(Rel("LEGAL_REP_OF", P2, E(n)) for n in (2, 6)),
    *(Rel("AGAINST", c.ref, E(n)) for c, n in CLUES),
    *(Rel("TARGETS", i.ref, E(int(str(i.props["uscc"])[-3:]))) for i in INSPECTIONS),
    *(Rel("UNDER_ITEM", i.ref, NodeRef("SupervisionItem", str(i.props["item_code"])))
      for i in INSPECTIONS),
    *(Rel("LISTS", e.ref, E(8)) for e in LISTS),
    *(Rel("RATES", r.ref, NodeRef("Enterprise", str(r.props["uscc"]))) for r in INGESTED),
]


def build(store: BaseGraphStore) -> None:
    """Write the world in one transaction."""
    def write(tx: GraphTx) -> None:
        tx.upsert_nodes([*ENTERPRISES, *PEOPLE, A1, A2, *REGIONS, *ITEMS, *LISTS,
                         *(c for c, _ in CLUES), *INSPECTIONS, *INGESTED])
        tx.upsert_rels(RELS)

    store.transaction(write)
