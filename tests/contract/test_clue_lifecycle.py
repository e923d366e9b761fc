"""Contract: the clue lifecycle on both stores — legal and illegal moves, deadlines in working
days, idempotency keys, audit entries in the change's transaction, and registration with linking."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jointsup.cli import app
from jointsup.errors import ConfigError, InvalidInput, NotFound
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef
from jointsup.services import audit, clues
from jointsup.services.clues import Move
from jointsup.services.clues.idempotency import KeyReused
from jointsup.services.policy import Forbidden, Principal, Role
from tests.conftest import cli_env

COORD = Principal("t-coord", Role.COORDINATOR, "510000")
CQ = Principal("t-cq", Role.PARTNER, "500000", "CQ-SCJ")
OTHER = Principal("t-other", Role.PARTNER, "500000", "CQ-YJJ")
CONFIG = clues.default_config()
MONDAY = dt.date(2026, 3, 2)


def seed(store: BaseGraphStore, key: str = "C1", status: str = "REGISTERED") -> None:
    """A clue as ingest writes it."""
    store.upsert_nodes([Node("Clue", key, {
        "id": key, "channel": "12315_hotline", "received_at": "2026-03-01T09:00:00",
        "text": "投诉人电话13812345678，某火锅店卖过期食品", "status": status,
        "complainant_name": "张三丰", "complainant_phone": "13812345678"})])


def move(store: BaseGraphStore, who: Principal, m: Move, key: str, clue: str = "C1",
         today: dt.date = MONDAY, **args: str) -> Node:
    node, _ = clues.apply(store, who, clues.Call(m, clue, args), key, CONFIG, today)
    return node


def actions(store: BaseGraphStore, clue: str = "C1") -> list[str]:
    return store.read(lambda tx: [e.action for e in audit.entries(tx, f"Clue:{clue}")])


def test_whole_lifecycle_with_transfer_and_assistance(store: BaseGraphStore) -> None:
    seed(store)

    assert move(store, COORD, Move.ROUTE, "k1", department="510104-SCJ").props["status"] == "ROUTED"
    sent = move(store, COORD, Move.TRANSFER, "k2", region="500000", department="CQ-SCJ")
    assert sent.props["status"] == "TRANSFERRED"
    # 7 working days from Monday 2 March 2026: Wednesday 11 March.
    assert sent.props["accept_due"] == "2026-03-11"
    assert sent.props["shared_with"] == ["500000|CQ-SCJ"]
    accepted = move(store, CQ, Move.ACCEPT, "p1", today=dt.date(2026, 3, 4))
    assert accepted.props["verify_due"] == "2026-03-25"
    assert accepted.props["accept_due"] is None
    extended = move(store, CQ, Move.EXTEND, "p2", reason="需调取外省证据")
    assert extended.props["verify_due"] == "2026-04-16"  # +15 working days, 6 April a holiday
    with pytest.raises(InvalidInput, match="already extended"):
        move(store, CQ, Move.EXTEND, "p3", reason="again")
    move(store, CQ, Move.REQUEST_ASSISTANCE, "p4", region="510000", department="510104-SCJ")
    move(store, COORD, Move.PROVIDE_ASSISTANCE, "k3", note="已核实营业执照")
    move(store, CQ, Move.ATTACH_EVIDENCE, "p5", evidence="现场照片 3 张")
    done = move(store, CQ, Move.FEEDBACK, "p6", result="立案查处，罚款 5000 元")
    assert done.props["status"] == "FEEDBACK"
    assert done.props["verify_due"] is None
    closed = move(store, COORD, Move.CLOSE, "k4")
    assert closed.props["status"] == "CLOSED"
    assert closed.props["evidence"] == ["现场照片 3 张"]
    assert actions(store) == [
        "clue.routeClue", "clue.transferClue", "clue.share", "clue.acceptClue",
        "clue.extendVerification", "clue.requestAssistance", "clue.share",
        "clue.provideAssistance", "clue.attachEvidence", "clue.feedBack", "clue.closeClue"]
    assert audit.verify(store) is None


def test_local_shortcut_and_refusal_back_to_routing(store: BaseGraphStore) -> None:
    seed(store, "C1")
    seed(store, "C2")

    move(store, COORD, Move.ROUTE, "a", department="510104-SCJ")
    assert move(store, COORD, Move.ACCEPT, "b").props["status"] == "ACCEPTED"
    move(store, COORD, Move.ROUTE, "c", clue="C2", department="510104-SCJ")
    move(store, COORD, Move.TRANSFER, "d", clue="C2", region="500000", department="CQ-SCJ")
    with pytest.raises(InvalidInput, match="needs a non-empty reason"):
        move(store, CQ, Move.REFUSE, "e", clue="C2", reason="  ")
    refused = move(store, CQ, Move.REFUSE, "f", clue="C2", reason="不属于本机关管辖")
    assert refused.props["refuse_reason"] == "不属于本机关管辖"
    again = move(store, COORD, Move.ROUTE, "g", clue="C2", department="510105-SCJ")
    assert again.props["status"] == "ROUTED"
    assert again.props["shared_with"] == ["500000|CQ-SCJ"]  # the partner keeps its history


def test_illegal_transition_names_state_and_moves_and_writes_nothing(
        store: BaseGraphStore) -> None:
    seed(store)
    with pytest.raises(clues.IllegalTransition) as caught:
        move(store, COORD, Move.ACCEPT, "k")
    assert caught.value.code == "ILLEGAL_TRANSITION"
    assert "the clue is REGISTERED" in caught.value.message
    assert "allowed: routeClue, closeClue, attachEvidence" in caught.value.message
    assert actions(store) == []
    assert store.count_nodes("IdempotencyRecord") == 0
    assert store.get_node(NodeRef("Clue", "C1")).props["status"] == "REGISTERED"  # type: ignore[union-attr]


def test_idempotency_key_replays_and_refuses_other_arguments(store: BaseGraphStore) -> None:
    seed(store)
    first, replayed = clues.apply(store, COORD, clues.Call(Move.ROUTE, "C1", {
        "department": "510104-SCJ"}), "same", CONFIG)
    again, replayed_again = clues.apply(store, COORD, clues.Call(Move.ROUTE, "C1", {
        "department": "510104-SCJ"}), "same", CONFIG)
    assert (replayed, replayed_again) == (False, True)
    assert again.props == first.props
    assert actions(store) == ["clue.routeClue"]  # one effect however many retries
    with pytest.raises(KeyReused, match="already used for a different call"):
        clues.apply(store, COORD, clues.Call(Move.ROUTE, "C1", {
            "department": "510105-SCJ"}), "same", CONFIG)
    # Keys are per token: another caller's "same" is a new call, not the first one's result.
    other = Principal("t-coord2", Role.COORDINATOR, "510000")
    with pytest.raises(clues.IllegalTransition):
        clues.apply(store, other, clues.Call(Move.PROVIDE_ASSISTANCE, "C1", {}), "same",
                    CONFIG)


def test_partner_cannot_touch_what_it_was_not_given(store: BaseGraphStore) -> None:
    seed(store)

    move(store, COORD, Move.ROUTE, "a", department="510104-SCJ")
    with pytest.raises(NotFound) as hidden:
        move(store, CQ, Move.ACCEPT, "p")
    with pytest.raises(NotFound) as missing:
        move(store, CQ, Move.ACCEPT, "p", clue="C1X")
    assert hidden.value.message.replace("C1", "") == missing.value.message.replace("C1X", "")
    move(store, COORD, Move.TRANSFER, "b", region="500000", department="CQ-SCJ")
    with pytest.raises(NotFound):
        move(store, OTHER, Move.ACCEPT, "o")
    with pytest.raises(Forbidden):
        move(store, CQ, Move.CLOSE, "p2")  # seen, but closing is the sender's
    # A key the partner used on its own clue reads NOT_FOUND on a hidden one, as on a missing one.
    seed(store, "C2")
    move(store, CQ, Move.ATTACH_EVIDENCE, "used", evidence="照片")
    for clue in ("C2", "C2X"):
        with pytest.raises(NotFound):
            move(store, CQ, Move.ATTACH_EVIDENCE, "used", clue=clue, evidence="照片")
    with pytest.raises(Forbidden):
        clues.register(store, CQ, clues.NewClue("text", "report"), "r")


def test_a_partner_that_refused_holds_the_clue_no_more(store: BaseGraphStore) -> None:
    seed(store)
    move(store, COORD, Move.ROUTE, "a", department="510104-SCJ")
    move(store, COORD, Move.TRANSFER, "b", region="500000", department="CQ-SCJ")
    move(store, CQ, Move.ATTACH_EVIDENCE, "e1", evidence="照片")  # the holder may
    move(store, CQ, Move.REFUSE, "r", reason="不属于本部门管辖")
    with pytest.raises(Forbidden):
        move(store, CQ, Move.ATTACH_EVIDENCE, "e2", evidence="更多照片")
    move(store, COORD, Move.ROUTE, "a2", department="510105-SCJ")  # the sender routes it on
    with pytest.raises(Forbidden):
        move(store, CQ, Move.ATTACH_EVIDENCE, "e3", evidence="更多照片")
    move(store, COORD, Move.TRANSFER, "b2", region="500000", department="CQ-SCJ")
    move(store, CQ, Move.ACCEPT, "acc")  # transferred to it again: it holds it again


def test_overdue_in_working_days_and_per_partner(store: BaseGraphStore) -> None:
    seed(store, "C1")
    seed(store, "C2")

    for clue, dept in (("C1", "CQ-SCJ"), ("C2", "CQ-YJJ")):
        move(store, COORD, Move.ROUTE, f"r{clue}", clue=clue, department="510104-SCJ")
        move(store, COORD, Move.TRANSFER, f"t{clue}", clue=clue, region="500000", department=dept)
    assert clues.overdue(store, COORD, CONFIG, dt.date(2026, 3, 11)) == []
    late = clues.overdue(store, COORD, CONFIG, dt.date(2026, 3, 13))
    assert [(o.clue.key, o.deadline, o.due, o.working_days_late) for o in late] == [
        ("C1", "accept", "2026-03-11", 2), ("C2", "accept", "2026-03-11", 2)]
    mine = clues.overdue(store, CQ, CONFIG, dt.date(2026, 3, 13))
    assert [o.clue.key for o in mine] == ["C1"]
    move(store, CQ, Move.ACCEPT, "acc", today=dt.date(2026, 3, 12))
    assert [o.clue.key for o in clues.overdue(store, COORD, CONFIG, dt.date(2026, 3, 13))] == \
        ["C2"]


def test_partner_view_is_scoped_masked_and_audited(store: BaseGraphStore) -> None:
    seed(store)

    move(store, COORD, Move.ROUTE, "a", department="510104-SCJ")
    move(store, COORD, Move.TRANSFER, "b", region="500000", department="CQ-SCJ")
    [seen, hidden] = clues.load_visible(store, CQ, ["C1", "C9"], CONFIG)
    assert hidden is None
    assert seen is not None
    assert seen.props["complainant_name"] == "张**"
    assert seen.props["complainant_phone"] == "138****5678"
    assert "13812345678" not in json.dumps(seen.props, ensure_ascii=False)
    assert "routed_to" not in seen.props
    assert "shared_with" not in seen.props
    assert actions(store)[-1] == "clue.view"
    assert clues.load_visible(store, OTHER, ["C1"], CONFIG) == [None]
    assert actions(store).count("clue.view") == 1
    internal = clues.load_visible(store, COORD, ["C1"], CONFIG)[0]
    assert internal is not None
    assert internal.props["complainant_name"] == "张三丰"
    assert [e.action for e in clues.trail(store, CQ, "C1")][:2] == [
        "clue.routeClue", "clue.transferClue"]
    with pytest.raises(NotFound):
        clues.trail(store, OTHER, "C1")


def test_register_links_and_replays(ref_store: BaseGraphStore) -> None:
    text = "成都市武侯区一家火锅店销售过期食品，违反《中华人民共和国食品安全法》第三十四条。"
    new = clues.NewClue(text, "12315_web", region_code="510107", complainant_name="李四")
    node, replayed = clues.register(ref_store, COORD, new, "reg-1")
    assert not replayed
    assert node.props["status"] == "REGISTERED"
    again, replayed = clues.register(ref_store, COORD, new, "reg-1")
    assert replayed
    assert again.key == node.key
    assert ref_store.count_nodes("Clue") == 1

    def links(tx: GraphTx) -> set[str]:
        found = tx.neighbours([node.ref], direction="out")
        return {n.rel.type for n in found.get(node.ref, [])}

    kinds = ref_store.read(links)
    assert {"IN_REGION", "CONCERNS"} <= kinds
    assert actions(ref_store, node.key) == ["clue.registerClue"]


def test_overdue_command(store: BaseGraphStore, tmp_path: Any) -> None:
    seed(store)
    move(store, COORD, Move.ROUTE, "a", department="510104-SCJ")
    runner = CliRunner()
    env = cli_env(store, tmp_path)
    assert runner.invoke(app, ["clues", "overdue", "--as-of", "2026-03-02"], env=env).exit_code == 0
    move(store, COORD, Move.TRANSFER, "b", region="500000", department="CQ-SCJ")
    late = runner.invoke(app, ["clues", "overdue", "--as-of", "2026-03-16", "--json"], env=env)
    assert late.exit_code == 1, late.output
    assert json.loads(late.stdout) == {
        "clue_id": "C1", "status": "TRANSFERRED", "deadline": "accept", "due": "2026-03-11",
        "working_days_late": 3, "holder": "500000|CQ-SCJ"}
    bad = runner.invoke(app, ["clues", "overdue", "--as-of", "16/03/2026"], env=env)
    assert bad.exit_code == 2
    assert "--as-of" in bad.output


def test_concurrent_moves_on_one_clue_cannot_both_win(store: BaseGraphStore) -> None:
    seed(store)
    move(store, COORD, Move.ROUTE, "a", department="510104-SCJ")
    move(store, COORD, Move.TRANSFER, "b", region="500000", department="CQ-SCJ")
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def accept(n: int) -> None:
        barrier.wait(timeout=10)
        try:
            move(store, CQ, Move.ACCEPT if n % 2 else Move.REFUSE, f"race-{n}", reason="no")
            outcomes.append("ok")
        except clues.IllegalTransition:
            outcomes.append("illegal")

    threads = [threading.Thread(target=accept, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["illegal", "illegal", "illegal", "ok"]
    decided = [a for a in actions(store) if a in ("clue.acceptClue", "clue.refuseClue")]
    assert len(decided) == 1
    assert audit.verify(store) is None


def test_config_errors_name_the_key() -> None:
    good = (Path(__file__).resolve().parents[2] / "jointsup" / "data" / "clues.toml").read_text(
        encoding="utf-8")
    assert clues.parse_config(good) == CONFIG
    with pytest.raises(ConfigError, match="accept_working_days must be a whole number"):
        clues.parse_config(good.replace("accept_working_days = 7", "accept_working_days = 0"))
    with pytest.raises(ConfigError, match=r"\[sharing\] is missing"):
        clues.parse_config(good.split("[sharing]")[0])
