"""A small hand-made registry for the linker's contract tests: confusable trade names in
different districts, a struck-off namesake, a former name, a branch and an individual shop."""

from __future__ import annotations

from stdnum.cn import uscc

from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, make_node


def code(body: str) -> str:
    """A valid credit code from its first 17 characters."""
    return body + uscc.calc_check_digit(body)


SHUXIANG_JJ = code("91510104MA6C7Q8R1")
SHUXIANG_YZ = code("91500103MA5U2K7P3")
JINBAO = code("91510108MA61XKJ22")
XIAJI = code("92500106MA9MM5CB3")
HUAXING_OLD = code("91510105MA6B11111")
HUAXING = code("91510106MA6B22222")
XINRUI = code("91510105MA34L6B31")


def _ent(uscc_: str, name: str, region: str, status: str = "存续",
         former: list[str] | None = None) -> Node:
    return make_node("Enterprise", {"uscc": uscc_, "name": name, "reg_region_code": region,
                                    "status": status, "former_names": former or []})


ENTERPRISES = [
    _ent(SHUXIANG_JJ, "成都市锦江区蜀香餐饮有限公司", "510104"),
    _ent(SHUXIANG_YZ, "重庆蜀香餐饮有限公司", "500103"),
    _ent(JINBAO, "成都金宝商贸有限公司", "510108"),
    _ent(XIAJI, "沙坪坝区夏记夜宵店", "500106"),
    _ent(HUAXING_OLD, "成都市青羊区华兴药房有限公司", "510105", status="吊销"),
    _ent(HUAXING, "成都市金牛区华兴药房有限公司", "510106"),
    _ent(XINRUI, "成都新瑞物业服务有限公司", "510105", former=["成都旧瑞物业管理有限公司"]),
]


def load(store: BaseGraphStore) -> None:
    """Write the hand-made enterprises into a store that already holds the reference data."""

    def write(tx: GraphTx) -> None:
        tx.upsert_nodes(ENTERPRISES)

    store.transaction(write)
