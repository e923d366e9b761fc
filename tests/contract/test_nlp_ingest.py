"""Contract: `ingest clues` links each clue in its batch's transaction, on both stores."""

from __future__ import annotations

import csv
from pathlib import Path

from jointsup.config import Settings
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.jobs import ingest_file
from jointsup.model import NodeRef
from jointsup.nlp.clue_links import LINKER_VERSION
from tests.contract import nlp_world as w

COLUMNS = ["id", "channel", "received_at", "text", "region_code", "respondent_name",
           "respondent_uscc"]
ROWS = [
    ["C1", "12315_hotline", "2024-05-01T10:00:00+08:00",
     "锦江区的蜀香餐饮后厨有老鼠，违反《食品安全法》第三十四条。", "510104", "", ""],
    ["C2", "12315_web", "2024-05-02T10:00:00+08:00",
     "在老李烧烤店买的羊肉串不新鲜。", "", "", ""],
    ["C3", "report", "2024-05-03", "成都金宝商贸有限公司卖假酒。", "", "", w.JINBAO],
]


def write(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        out.writerows(ROWS)
    return path


def rels_of(store: BaseGraphStore, clue: str) -> dict[str, list[tuple[str, dict[str, object]]]]:
    found: dict[str, list[tuple[str, dict[str, object]]]] = {}
    for nb in store.neighbours([NodeRef("Clue", clue)])[NodeRef("Clue", clue)]:
        found.setdefault(nb.rel.type, []).append((nb.node.key, dict(nb.rel.props)))
    return found


def test_ingested_clues_carry_their_links(ref_store: BaseGraphStore, tmp_path: Path) -> None:
    w.load(ref_store)
    settings = Settings(data_dir=tmp_path, hash_key="k")
    summary = ingest_file(ref_store, settings, "clues", write(tmp_path / "clues.csv"))
    assert summary.rejected == 0
    assert summary.created == 3
    c1 = rels_of(ref_store, "C1")
    [(uscc, props)] = c1["AGAINST"]
    assert uscc == w.SHUXIANG_JJ
    assert (props["start"], props["end"]) == (4, 8)
    assert 0.5 <= float(str(props["score"])) <= 1
    assert "region" in str(props["explanation"])
    assert [k for k, _ in c1["MAY_VIOLATE"]] == ["中华人民共和国食品安全法|2021-04-29|34"]
    assert [k for k, _ in c1["IN_REGION"]] == ["510104"]
    assert len(c1["CONCERNS"]) == 1
    c2 = rels_of(ref_store, "C2")
    assert "AGAINST" not in c2
    [(mention_key, _)] = c2["HAS_MENTION"]
    mention = ref_store.get_node(NodeRef("Mention", mention_key))
    assert mention is not None
    assert mention.props["name"] == "老李烧烤店"
    [(uscc3, props3)] = rels_of(ref_store, "C3")["AGAINST"]
    assert uscc3 == w.JINBAO
    assert props3["score"] == 1.0
    assert props3["start"] == 0
    for clue in ("C1", "C2", "C3"):  # stamped, so `nlp relink --stale` leaves them alone
        node = ref_store.get_node(NodeRef("Clue", clue))
        assert node is not None
        assert node.props["linked_with"] == LINKER_VERSION


def test_reingest_changes_nothing(ref_store: BaseGraphStore, tmp_path: Path) -> None:
    w.load(ref_store)
    settings = Settings(data_dir=tmp_path, hash_key="k")
    path = write(tmp_path / "clues.csv")
    ingest_file(ref_store, settings, "clues", path)
    before = {c: rels_of(ref_store, c) for c in ("C1", "C2", "C3")}
    mentions = ref_store.count_nodes("Mention")
    again = ingest_file(ref_store, settings, "clues", path)
    assert again.created == 0
    assert again.rejected == 0
    assert {c: rels_of(ref_store, c) for c in ("C1", "C2", "C3")} == before
    assert ref_store.count_nodes("Mention") == mentions
