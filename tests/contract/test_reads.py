"""Contract: listings, filters, cursors, counts and neighbours answer identically on both stores."""

from __future__ import annotations

import pytest

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, Filter
from jointsup.model import Node
from tests.contract.world import ADDRESS, ENTERPRISES, E, P, R, build, keys


@pytest.fixture
def world(store: BaseGraphStore) -> BaseGraphStore:
    build(store)
    return store


def all_pages(store: BaseGraphStore, first: int, **kw: object) -> list[Node]:
    out, after = [], None
    while True:
        page = store.list_nodes("Enterprise", first=first, after=after, **kw)
        out += page.items
        if not page.has_next:
            assert page.end_cursor is None or page.items
            return out
        after = page.end_cursor


def test_list_by_key_pages_through_everything_once(world: BaseGraphStore) -> None:
    expected = sorted(e.key for e in ENTERPRISES)
    for first in (1, 2, 4, 6, 7):
        assert keys(all_pages(world, first)) == expected
    assert keys(all_pages(world, 4, descending=True)) == expected[::-1]


def test_list_sorted_by_property_puts_missing_values_last(world: BaseGraphStore) -> None:
    by_capital = [E[4], E[1], E[2], E[0], E[5], E[3]]  # 5, 10, 50, 100, 300, then no capital
    assert keys(all_pages(world, 2, order_by="capital")) == keys(by_capital)
    desc = [E[5], E[0], E[2], E[1], E[4], E[3]]
    assert keys(all_pages(world, 2, order_by="capital", descending=True)) == keys(desc)
    by_status = all_pages(world, 1, order_by="status")
    assert [n.props.get("status") for n in by_status] == ["吊销", "存续", "存续", "存续", "注销",
                                                          None]


@pytest.mark.parametrize(("flt", "expected"), [
    (Filter("status", "eq", "存续"), [0, 1, 5]),
    (Filter("status", "in", ["吊销", "注销"]), [2, 3]),
    (Filter("status", "in", []), []),
    (Filter("name", "prefix", "成都蜀香"), [0, 1]),
    (Filter("name", "prefix", "重庆"), [2, 3]),
    (Filter("capital", "gte", 50), [0, 2, 5]),
    (Filter("capital", "lte", 10), [1, 4]),
    (Filter("status", "null", True), [4]),
    (Filter("capital", "null", False), [0, 1, 2, 4, 5]),
    (Filter("reg_region_code", "eq", "500103"), [2, 3]),
])
def test_filters(world: BaseGraphStore, flt: Filter, expected: list[int]) -> None:
    got = world.list_nodes("Enterprise", filters=[flt], first=100).items
    assert sorted(keys(got)) == sorted(E[i].key for i in expected)
    assert world.count_nodes("Enterprise", [flt]) == len(expected)


def test_filters_combine_with_and(world: BaseGraphStore) -> None:
    flts = [Filter("status", "eq", "存续"), Filter("reg_region_code", "eq", "510107")]
    assert sorted(keys(world.list_nodes("Enterprise", filters=flts).items)) == \
        sorted([E[1].key, E[5].key])


def test_bad_arguments_are_refused(world: BaseGraphStore) -> None:
    with pytest.raises(InvalidInput):
        world.list_nodes("Enterprise", after="not-a-cursor")
    with pytest.raises(InvalidInput):
        world.list_nodes("Enterprise", first=-1)
    with pytest.raises(InvalidInput):
        world.list_nodes("Enterprise", filters=[Filter("status", "in", "存续")])


def test_count_by_groups_and_orders_with_missing_last(world: BaseGraphStore) -> None:
    assert world.count_by("Enterprise", ["status"]) == [
        (("吊销",), 1), (("存续",), 3), (("注销",), 1), ((None,), 1)]
    assert world.count_by("Enterprise", ["reg_region_code", "status"],
                          [Filter("status", "null", False)]) == [
        (("500103", "吊销"), 1), (("500103", "注销"), 1), (("510104", "存续"), 1),
        (("510107", "存续"), 2)]


def test_neighbours_by_direction_type_and_label(world: BaseGraphStore) -> None:
    out = world.neighbours([P[0]], direction="out")[P[0]]
    assert [(nb.rel.type, nb.node.key) for nb in out] == [
        ("LEGAL_REP_OF", E[0].key), ("LEGAL_REP_OF", E[2].key),
        ("SHAREHOLDER_OF", E[0].key), ("SHAREHOLDER_OF", E[5].key)]
    assert out[2].rel.props == {"share_ratio": 0.6}
    assert out[0].rel.src == P[0]
    assert out[0].rel.dst == E[0]
    assert world.neighbours([P[0]], direction="in")[P[0]] == []
    inward = world.neighbours([E[0]], direction="in", types=["LEGAL_REP_OF", "BRANCH_OF"])[E[0]]
    assert [(nb.rel.type, nb.node.key) for nb in inward] == [
        ("BRANCH_OF", E[1].key), ("LEGAL_REP_OF", P[0].key)]
    people = world.neighbours([E[5]], labels=["Person"])[E[5]]
    assert keys([nb.node for nb in people]) == [P[0].key, P[1].key]


def test_neighbours_are_batched_and_limited_per_node(world: BaseGraphStore) -> None:
    got = world.neighbours([P[0], P[1], E[3], R["510104"]], limit=2)
    assert [len(got[r]) for r in (P[0], P[1], E[3], R["510104"])] == [2, 1, 2, 2]
    region = world.neighbours([R["510104"]])[R["510104"]]
    # Same type: by label, then key; the address comes before the enterprises.
    assert [nb.node.label for nb in region][:3] == ["Address", "Enterprise", "Enterprise"]
    assert world.neighbours([P[0]], limit=0)[P[0]] == []


def test_rels_among(world: BaseGraphStore) -> None:
    rels = world.transaction(lambda tx: tx.rels_among([P[0], E[0], E[5], ADDRESS.ref]))
    assert [(r.type, r.src.key, r.dst.key) for r in rels] == [
        ("LEGAL_REP_OF", P[0].key, E[0].key), ("LOCATED_AT", E[0].key, ADDRESS.key),
        ("SHAREHOLDER_OF", P[0].key, E[0].key), ("SHAREHOLDER_OF", P[0].key, E[5].key)]


def test_neighbours_without_properties_keep_order_and_ends(world: BaseGraphStore) -> None:
    full = world.neighbours([E[0]])[E[0]]
    bare = world.neighbours([E[0]], props=False)[E[0]]
    assert [(nb.rel.type, nb.rel.src, nb.rel.dst, nb.node.ref) for nb in bare] == [
        (nb.rel.type, nb.rel.src, nb.rel.dst, nb.node.ref) for nb in full]
    assert all(nb.node.props == {} and nb.rel.props == {} for nb in bare)
