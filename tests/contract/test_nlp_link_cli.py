"""Contract: `jointsup link` on the configured store (both kinds), per the CLI contract."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from jointsup.cli import app
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.neo4j_store import Neo4jStore
from jointsup.graph.store import BaseGraphStore
from tests.contract import nlp_world as w

KEYS = {"id", "enterprises", "regions", "laws", "invalid_codes", "category", "departments"}


def env(store: BaseGraphStore, tmp_path: Path) -> dict[str, str]:
    if isinstance(store, Neo4jStore):
        return {"JOINTSUP_STORE": "neo4j", "JOINTSUP_NEO4J_URI": store.uri,
                "JOINTSUP_NEO4J_PASSWORD": "", "JOINTSUP_DATA_DIR": str(tmp_path / "data")}
    assert isinstance(store, EmbeddedStore)
    return {"JOINTSUP_STORE": "embedded", "JOINTSUP_DATA_DIR": str(store.path.parent)}


def test_link_command_follows_the_contract(ref_store: BaseGraphStore, tmp_path: Path) -> None:
    w.load(ref_store)
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    text = "5月3日在成华区的“金宝”商贸买了过期香肠，违反《食品安全法》第三十四条。"
    rows = [{"id": "a", "text": text, "received_at": "2024-05-03T10:00:00+08:00"},
            {"id": "b", "text": "x" * 51}, {"id": "c", "text": "没有商家。"}]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                      encoding="utf-8")
    result = CliRunner().invoke(app, ["link", "--input", str(source), "--output", str(target),
                                      "--max-chars", "50"], env=env(ref_store, tmp_path))
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c"]
    first = out[0]
    assert set(first) == KEYS
    assert [(e["uscc"], text[e["start"]:e["end"]]) for e in first["enterprises"]] == [
        (w.JINBAO, "金宝")]
    assert [(r["code"], text[r["start"]:r["end"]]) for r in first["regions"]] == [
        ("510108", "成华区")]
    assert [(x["law"], x["article"]) for x in first["laws"]] == [("中华人民共和国食品安全法", 34)]
    assert isinstance(first["category"], str)
    assert all(set(d) == {"code", "name"} for d in first["departments"])
    assert "limit is 50" in out[1]["error"]
    assert set(out[2]) == KEYS
    assert out[2]["enterprises"] == []
