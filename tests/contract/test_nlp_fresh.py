"""Contract: the linker `registerClue` uses comes through the gazetteer cache and follows the
store's content: after new enterprises arrive it is rebuilt in the background while requests
keep the previous one — on both stores."""

from __future__ import annotations

import threading
from pathlib import Path

from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import make_node
from jointsup.nlp.fresh import RETRY_FAILED_S, FreshLinker, cache_dir_for
from jointsup.nlp.linker import Linker
from jointsup.services.clues.register import fresh_linker, linker_for
from tests.contract import nlp_world as w

TEXT = "成都金宝商贸有限公司卖假酒。"
LATE = w.code("91510104MA6LATE01")


def usccs(linker: Linker, text: str = TEXT) -> list[str | None]:
    return [e.uscc for e in linker.link(text).enterprises]


def add_late(store: BaseGraphStore) -> None:
    def write(tx: GraphTx) -> None:
        tx.upsert_nodes([make_node("Enterprise", {"uscc": LATE, "name": "成都迟来贸易有限公司",
                                                  "reg_region_code": "510104",
                                                  "status": "存续"})])

    store.transaction(write)


def test_rebuilt_in_the_background_after_new_enterprises(ref_store: BaseGraphStore,
                                                         tmp_path: Path) -> None:
    w.load(ref_store)
    fresh = FreshLinker(ref_store, tmp_path / "cache", check_every=0)
    first = fresh.get()
    assert usccs(first) == [w.JINBAO]
    assert len(list((tmp_path / "cache").glob("gazetteer-*.pickle"))) == 1
    assert fresh.get() is first
    assert fresh.rebuilds == 0

    add_late(ref_store)
    late = "在成都迟来贸易有限公司买的酒是假的。"
    served = fresh.get()  # the change is seen; the rebuild runs in a thread
    assert served is first
    assert fresh.wait(timeout=300)
    now = fresh.get()
    assert now is not first
    assert fresh.rebuilds == 1
    assert usccs(now, late) == [LATE]
    assert usccs(first, late) != [LATE]
    [artifact] = (tmp_path / "cache").glob("gazetteer-*.pickle")  # the old one was replaced
    assert artifact.stat().st_size > 0


def test_a_failed_rebuild_keeps_the_previous_linker(ref_store: BaseGraphStore,
                                                    tmp_path: Path) -> None:
    w.load(ref_store)
    calls: list[int] = []

    def build(store: BaseGraphStore, cache: Path | None) -> Linker:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return Linker.from_store(store, cache_dir=cache)

    fresh = FreshLinker(ref_store, None, check_every=0, build=build)
    first = fresh.get()
    add_late(ref_store)
    assert fresh.get() is first
    assert fresh.wait(timeout=300)
    assert isinstance(fresh.last_error, OSError)
    assert fresh.get() is first
    assert fresh.wait(timeout=300)
    assert fresh.last_error is None
    assert fresh.get() is not first
    assert len(calls) == 3


def test_ready_never_waits_for_a_build(ref_store: BaseGraphStore) -> None:
    """`ready()` (the exchange worker's access) starts the build in the background and answers
    None at once while it runs; a failed build is not retried on every call."""
    w.load(ref_store)
    started, release, calls = threading.Event(), threading.Event(), list[int]()

    def build(store: BaseGraphStore, cache: Path | None) -> Linker:
        calls.append(1)
        started.set()
        assert release.wait(timeout=120)
        if len(calls) == 1:
            raise OSError("disk full")
        return Linker.from_store(store, cache_dir=cache)

    fresh = FreshLinker(ref_store, None, build=build)
    assert fresh.ready() is None  # cold: starts the warm-up, does not build here
    assert fresh.state == "warming"
    assert started.wait(timeout=120)
    assert fresh.ready() is None
    assert len(calls) == 1
    release.set()
    assert fresh._warming is not None
    fresh._warming.join(timeout=120)
    assert fresh.state == "failed"
    assert fresh.ready() is None
    assert len(calls) == 1
    fresh._failed_at = -RETRY_FAILED_S  # long ago
    assert fresh.ready() is None
    fresh._warming.join(timeout=300)
    linker = fresh.ready()
    assert linker is not None
    assert usccs(linker) == [w.JINBAO]
    assert len(calls) == 2


def test_register_clue_uses_one_fresh_linker_per_store(ref_store: BaseGraphStore) -> None:
    w.load(ref_store)
    provider = fresh_linker(ref_store)
    assert fresh_linker(ref_store) is provider
    if isinstance(ref_store, EmbeddedStore):
        assert provider.cache_dir == ref_store.path.parent / "nlp-cache"
    assert provider.cache_dir == cache_dir_for(ref_store)
    # One Neo4j store serves the whole session: the provider may come from an earlier test's
    # world, and `get()` keeps serving that linker until a check sees the change.
    assert usccs(provider.refresh(timeout=300)) == [w.JINBAO]
    assert linker_for(ref_store) is provider.get()
