"""A small, hand-made graph the read contract tests share: people behind companies, one address."""

from __future__ import annotations

from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef, Rel, make_node


def ent(n: int, name: str, region: str, status: str | None, capital: int | None = None) -> Node:
    """An enterprise with a made-up but well-formed key."""
    props: dict[str, object] = {"uscc": f"9151010{n:011d}", "name": name,
                                "reg_region_code": region}
    if status is not None:
        props["status"] = status
    if capital is not None:
        props["capital"] = capital
    return make_node("Enterprise", props)  # type: ignore[arg-type]


ENTERPRISES = [
    ent(1, "成都蜀香餐饮有限公司", "510104", "存续", 100),
    ent(2, "成都蜀香餐饮有限公司武侯分公司", "510107", "存续", 10),
    ent(3, "重庆山城火锅有限公司", "500103", "吊销", 50),
    ent(4, "重庆渝味食品厂", "500103", "注销"),
    ent(5, "成都锦江老王川菜馆", "510104", None, 5),
    ent(6, "四川天府药房连锁有限公司", "510107", "存续", 300),
]
E = [e.ref for e in ENTERPRISES]
PEOPLE = [make_node("Person", {"person_id": f"P{i}", "name": name})
          for i, name in enumerate(["张三", "李四", "王五"], start=1)]
P = [p.ref for p in PEOPLE]
ADDRESS = make_node("Address", {"normalized": "四川省成都市锦江区红星路1号",
                                "region_code": "510104"})
A = ADDRESS.ref
REGIONS = [make_node("Region", {"code": c, "name": n, "level": lv})
           for c, n, lv in [("510000", "四川省", "province"), ("510100", "成都市", "city"),
                            ("510104", "锦江区", "county"), ("510107", "武侯区", "county"),
                            ("500000", "重庆市", "province"), ("500103", "渝中区", "county")]]
R = {n.key: n.ref for n in REGIONS}

RELS = [
    # 张三 is behind three companies; 李四 shares one of them; 王五 only the Chongqing ones.
    Rel("LEGAL_REP_OF", P[0], E[0]), Rel("LEGAL_REP_OF", P[0], E[2]),
    Rel("SHAREHOLDER_OF", P[0], E[0], {"share_ratio": 0.6}),
    Rel("SHAREHOLDER_OF", P[0], E[5], {"share_ratio": 0.2}),
    Rel("SHAREHOLDER_OF", P[1], E[5], {"share_ratio": 0.8}),
    Rel("LEGAL_REP_OF", P[2], E[3]), Rel("EXECUTIVE_OF", P[2], E[2]),
    Rel("BRANCH_OF", E[1], E[0]),
    Rel("LOCATED_AT", E[0], A), Rel("LOCATED_AT", E[4], A),
    Rel("PART_OF", R["510100"], R["510000"]), Rel("PART_OF", R["510104"], R["510100"]),
    Rel("PART_OF", R["510107"], R["510100"]), Rel("PART_OF", R["500103"], R["500000"]),
    *(Rel("IN_REGION", e.ref, R[str(e.props["reg_region_code"])]) for e in ENTERPRISES),
    Rel("IN_REGION", A, R["510104"]),
]


def build(store: BaseGraphStore) -> None:
    """Write the world in one transaction."""
    def write(tx: GraphTx) -> None:
        tx.upsert_nodes([*ENTERPRISES, *PEOPLE, ADDRESS, *REGIONS])
        tx.upsert_rels(RELS)

    store.transaction(write)


def keys(nodes: list[Node] | list[NodeRef]) -> list[str]:
    """Just the keys, for readable assertions."""
    return [n.key for n in nodes]
