"""Contract: `jointsup nlp relink` gives clues stored before linking (or linked by an older
linker) their links, keeps what the source stated and what investigators resolved, and is
idempotent — on both stores."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from jointsup.cli import app
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import NodeRef, Props, Rel, make_node
from jointsup.nlp.clue_links import LINKER_VERSION
from tests.conftest import cli_env
from tests.contract import nlp_world as w

OLD = "C-OLD"  # ingested before linking existed: only what the source said
STALE = "C-STALE"  # linked by an older linker that got the enterprise wrong
OLD_TEXT = "锦江区的蜀香餐饮后厨有老鼠，违反《食品安全法》第三十四条。"
LONG = "C-LONG"  # over the linker's limit: reported, left as it was


def _mention(clue: str, start: int, end: int, status: str) -> Props:
    return {"clue_id": clue, "start": start, "end": end, "name": "某店", "status": status,
            "candidates": []}


def seed(store: BaseGraphStore) -> None:
    w.load(store)

    def write(tx: GraphTx) -> None:
        old, stale = NodeRef("Clue", OLD), NodeRef("Clue", STALE)
        unresolved = make_node("Mention", _mention(STALE, 0, 2, "UNRESOLVED"))
        resolved = make_node("Mention", _mention(STALE, 3, 5, "RESOLVED"))
        tx.upsert_nodes([
            make_node("Clue", {"id": OLD, "channel": "report", "status": "REGISTERED",
                               "received_at": "2024-05-01T10:00:00+08:00",
                               "region_code": "510108", "respondent_uscc": w.JINBAO,
                               "text": OLD_TEXT}),
            make_node("Clue", {"id": STALE, "channel": "report", "status": "REGISTERED",
                               "linked_with": "nlp-0", "text": "成都金宝商贸有限公司卖假酒。"}),
            make_node("Clue", {"id": LONG, "channel": "report", "status": "REGISTERED",
                               "text": "假" * 20_001}),
            unresolved, resolved])
        tx.upsert_rels([
            Rel("AGAINST", old, NodeRef("Enterprise", w.JINBAO),
                {"score": 1.0, "explanation": "named by code in the source"}),
            Rel("IN_REGION", old, NodeRef("Region", "510108")),
            Rel("AGAINST", stale, NodeRef("Enterprise", w.XIAJI),
                {"start": 0, "end": 2, "score": 0.6, "explanation": "old linker"}),
            Rel("HAS_MENTION", stale, unresolved.ref),
            Rel("HAS_MENTION", stale, resolved.ref),
            Rel("RESOLVED_TO", resolved.ref, NodeRef("Enterprise", w.HUAXING))])

    store.transaction(write)


def links(store: BaseGraphStore, clue: str) -> set[tuple[str, str, str]]:
    ref = NodeRef("Clue", clue)
    return {(nb.rel.type, nb.node.key, str(sorted(nb.rel.props.items())))
            for nb in store.neighbours([ref], direction="out")[ref]}


def relink(store: BaseGraphStore, tmp_path: Path, *flags: str) -> str:
    result = CliRunner().invoke(app, ["nlp", "relink", *flags], env=cli_env(store, tmp_path))
    assert result.exit_code == 0, result.output
    return result.output


def test_relink_links_old_clues_once(ref_store: BaseGraphStore, tmp_path: Path) -> None:
    seed(ref_store)
    out = relink(ref_store, tmp_path)
    assert "relinked 2 of 3 clues (0 already current, 1 failed)" in out
    assert f"not relinked: {LONG}: text is 20001 characters" in out

    old = {(t, k) for t, k, _ in links(ref_store, OLD)}
    assert ("AGAINST", w.JINBAO) in old  # the source's respondent stays
    assert ("AGAINST", w.SHUXIANG_JJ) in old  # the text's, linked now
    assert {("IN_REGION", "510108"), ("IN_REGION", "510104")} <= old
    assert ("MAY_VIOLATE", "中华人民共和国食品安全法|2021-04-29|34") in old
    assert any(t == "CONCERNS" for t, _ in old)
    stale = {(t, k) for t, k, _ in links(ref_store, STALE)}
    assert ("AGAINST", w.JINBAO) in stale
    assert ("AGAINST", w.XIAJI) not in stale  # the old linker's mistake is gone
    mentions = {k for t, k in stale if t == "HAS_MENTION"}
    assert len(mentions) == 1  # the resolved mention stays, the unresolved one went
    [kept] = mentions
    node = ref_store.get_node(NodeRef("Mention", kept))
    assert node is not None
    assert node.props["status"] == "RESOLVED"
    gone = make_node("Mention", _mention(STALE, 0, 2, "UNRESOLVED")).ref
    assert ref_store.get_node(gone) is None
    for clue in (OLD, STALE):
        got = ref_store.get_node(NodeRef("Clue", clue))
        assert got is not None
        assert got.props["linked_with"] == LINKER_VERSION

    before = {c: links(ref_store, c) for c in (OLD, STALE)}
    assert "relinked 0 of 3 clues (2 already current, 1 failed)" in relink(ref_store, tmp_path)
    assert "relinked 2 of 3 clues" in relink(ref_store, tmp_path, "--all")
    long_clue = ref_store.get_node(NodeRef("Clue", LONG))
    assert long_clue is not None
    assert "linked_with" not in long_clue.props
    assert {c: links(ref_store, c) for c in (OLD, STALE)} == before
