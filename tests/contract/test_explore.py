"""Contract: exploration finds the generator's planted patterns, identically on both stores.

A 2,000-enterprise dataset is generated and loaded once per store for the module; expectations
come from its truth.json and CSV files, never from the code under test.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from jointsup.config import Settings
from jointsup.errors import InvalidInput, NotFound
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.ingest.generate import generate
from jointsup.ingest.jobs import region_successors
from jointsup.model import NodeRef, Rel
from jointsup.services.explore.clusters import ClusterKind, clusters
from jointsup.services.explore.communities import communities
from jointsup.services.explore.subgraph import neighbourhood, paths
from jointsup.services.explore.suspected import STRONG, suspected_relations
from jointsup.services.explore.view import global_id
from jointsup.services.policy import Principal, Role
from tests.conftest import dataset_store

INVESTIGATOR = Principal("t-inv", Role.INVESTIGATOR)
PARTNER = Principal("t-partner", Role.PARTNER)
KINDS = {ClusterKind.SAME_ADDRESS: "same_address",
         ClusterKind.SAME_PERSON: "one_person_many_companies",
         ClusterKind.SAME_PHONE: "shared_phone"}
_answers: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explore-dataset")
    generate(out, 2000, seed=5)
    return out


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def loaded(request: pytest.FixtureRequest, dataset: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaseGraphStore]:
    """A store of each kind with the reference data and the dataset, loaded once per module."""
    tmp = tmp_path_factory.mktemp(f"explore-{request.param}")
    settings = Settings(data_dir=tmp, hash_key="k", batch_size=2000)
    yield from dataset_store(request, tmp, dataset, settings)


@pytest.fixture(scope="module")
def truth(dataset: Path) -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = json.loads((dataset / "truth.json").read_text())
    return data


def rows(dataset: Path, name: str) -> list[dict[str, str]]:
    with (dataset / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def remember(store: BaseGraphStore, name: str, value: Any) -> None:
    """Keep an answer so the last test can compare the two stores."""
    _answers.setdefault(store.kind, {})[name] = value


def planted_groups(truth: dict[str, list[dict[str, Any]]]) -> list[set[str]]:
    return [set(g["usccs"]) for pattern in KINDS.values() for g in truth[pattern]]


@pytest.mark.parametrize("kind", list(KINDS))
def test_clusters_find_every_planted_instance(loaded: BaseGraphStore, truth: dict[str, Any],
                                              kind: ClusterKind) -> None:
    page = clusters(loaded, INVESTIGATOR, kind, 3, limit=100)
    found = [frozenset(n.key for n in c.enterprises) for c in page.clusters]
    planted = {frozenset(g["usccs"]) for g in truth[KINDS[kind]]}
    assert page.total == len(found)
    assert planted <= set(found)  # recall 1.0
    assert sum(1 for f in found if f in planted) / len(found) >= 0.9
    assert [c.size for c in page.clusters] == sorted((c.size for c in page.clusters), reverse=True)
    assert all(c.size == len(c.enterprises) for c in page.clusters)
    remember(loaded, f"clusters/{kind}", [(c.shared.id, c.size, sorted(f))
                                          for c, f in zip(page.clusters, found, strict=True)])


def test_cluster_pages_and_region(loaded: BaseGraphStore, truth: dict[str, Any],
                                  dataset: Path) -> None:
    whole = clusters(loaded, INVESTIGATOR, ClusterKind.SAME_PERSON, 3, limit=100).clusters
    first = clusters(loaded, INVESTIGATOR, ClusterKind.SAME_PERSON, 3, offset=0, limit=2)
    rest = clusters(loaded, INVESTIGATOR, ClusterKind.SAME_PERSON, 3, offset=2, limit=100)
    assert [c.shared.id for c in first.clusters + rest.clusters] == [c.shared.id for c in whole]
    # Sichuan (51) only: each planted person's companies registered there, counted from the CSV.
    moved = region_successors()
    region = {r["uscc"]: moved.get(r["reg_region_code"], r["reg_region_code"])
              for r in rows(dataset, "enterprises")}
    expected = sorted(n for g in truth[KINDS[ClusterKind.SAME_PERSON]]
                      if (n := sum(region[u].startswith("51") for u in g["usccs"])) >= 3)
    sichuan = clusters(loaded, INVESTIGATOR, ClusterKind.SAME_PERSON, 3, region="510000",
                       limit=100)
    assert sorted(c.size for c in sichuan.clusters) == expected
    assert all(str(n.props["reg_region_code"]).startswith("51")
               for c in sichuan.clusters for n in c.enterprises)
    with pytest.raises(InvalidInput):
        clusters(loaded, INVESTIGATOR, ClusterKind.SAME_PHONE, 1)
    with pytest.raises(InvalidInput):
        clusters(loaded, INVESTIGATOR, ClusterKind.SAME_PHONE, 3, region="Sichuan")


def test_suspected_relations_return_every_planted_member_with_evidence(
        loaded: BaseGraphStore, truth: dict[str, Any]) -> None:
    groups = planted_groups(truth)
    strong = planted = 0
    for group in groups:
        for uscc in sorted(group):
            found = suspected_relations(loaded, INVESTIGATOR, uscc, first=100)
            by_key = {r.enterprise.key: r for r in found}
            assert group - {uscc} <= set(by_key), uscc  # recall 1.0
            for other in group - {uscc}:
                relation = by_key[other]
                ids = {n.id for n in relation.evidence.nodes}
                assert {global_id("Enterprise", uscc), global_id("Enterprise", other)} <= ids
                assert relation.evidence.edges
                assert relation.reasons
                assert all(e.source in ids and e.target in ids for e in relation.evidence.edges)
            scores = [r.score for r in found]
            assert scores == sorted(scores, reverse=True)
            assert all(0 <= s < 1 for s in scores)
            for r in found:
                if r.score >= STRONG:
                    strong += 1
                    planted += any({uscc, r.enterprise.key} <= g for g in groups)
    assert planted / strong >= 0.9  # precision of the strong relations


def test_struck_off_operator_links_the_new_company_to_the_old(
        loaded: BaseGraphStore, truth: dict[str, Any]) -> None:
    answers = {}
    for case in truth["struck_off_operator_new_company"]:
        found = suspected_relations(loaded, INVESTIGATOR, case["new_uscc"])
        by_key = {r.enterprise.key: r for r in found}
        for old in case["struck_off_usccs"]:
            relation = by_key[old]
            assert any("struck off" in reason for reason in relation.reasons)
            assert relation.score >= STRONG
            person = global_id("Person", case["person_id"])
            assert person in {n.id for n in relation.evidence.nodes}
        answers[case["new_uscc"]] = [(r.enterprise.key, r.score, r.reasons,
                                      [e.id for e in r.evidence.edges]) for r in found]
    remember(loaded, "struck_off", answers)


def test_evidence_edges_exist_in_the_store(loaded: BaseGraphStore,
                                           truth: dict[str, Any]) -> None:
    uscc = truth["one_person_many_companies"][0]["usccs"][0]
    for relation in suspected_relations(loaded, INVESTIGATOR, uscc):
        refs = [n.node.ref for n in relation.evidence.nodes]
        stored = loaded.read(partial(rels_among, refs=refs))
        stored_ids = {f"{r.type}|{global_id(*r.src)}|{global_id(*r.dst)}" for r in stored}
        assert {e.id for e in relation.evidence.edges} <= stored_ids


def rels_among(tx: GraphTx, refs: list[NodeRef]) -> list[Rel]:
    return tx.rels_among(refs)


def test_suspected_relations_refuse_bad_arguments(loaded: BaseGraphStore) -> None:
    with pytest.raises(NotFound):
        suspected_relations(loaded, INVESTIGATOR, "91510000000000000X")
    with pytest.raises(InvalidInput):
        suspected_relations(loaded, INVESTIGATOR, "91510000000000000X", first=0)


def test_hubs_on_generated_data_match_the_plant(loaded: BaseGraphStore,
                                                truth: dict[str, Any]) -> None:
    hubs = loaded.hubs(["HAS_PHONE"], end="dst", labels=["Enterprise"], min_degree=3)
    assert sorted(n for _, n in hubs) == sorted(len(g["usccs"]) for g in truth["shared_phone"])
    assert all(ref.label == "Phone" for ref, _ in hubs)
    remember(loaded, "hubs", [(ref, n) for ref, n in hubs])


def latest_classes(dataset: Path) -> dict[str, str]:
    """Each enterprise's credit class of its newest month (registry class when unrated)."""
    out = {r["uscc"]: r["credit_class"] for r in rows(dataset, "enterprises") if r["credit_class"]}
    for r in sorted(rows(dataset, "credit"), key=lambda r: r["month"]):
        out[r["uscc"]] = r["credit_class"]
    return out


def test_neighbourhood_limits_truncation_and_risk(loaded: BaseGraphStore, truth: dict[str, Any],
                                                  dataset: Path) -> None:
    group = truth["one_person_many_companies"][0]
    seed = NodeRef("Person", group["person_id"])
    one = neighbourhood(loaded, INVESTIGATOR, seed, 1)
    ids = {n.id for n in one.nodes}
    assert {global_id("Enterprise", u) for u in group["usccs"]} <= ids
    assert not one.truncated
    assert all(e.source in ids and e.target in ids for e in one.edges)
    classes = latest_classes(dataset)
    for node in one.nodes:
        if node.label == "Enterprise":
            assert node.risk_level == classes.get(node.node.key)
        else:
            assert node.risk_level is None
    cut = neighbourhood(loaded, INVESTIGATOR, seed, 2, node_limit=5)
    assert cut.truncated
    assert len(cut.nodes) == 5
    assert cut.nodes[0].id == global_id("Person", group["person_id"])
    wide = neighbourhood(loaded, INVESTIGATOR, seed, 3, node_limit=500)
    assert len(wide.nodes) <= 500
    only = neighbourhood(loaded, INVESTIGATOR, seed, 2, ["LEGAL_REP_OF"])
    assert {e.type for e in only.edges} == {"LEGAL_REP_OF"}
    for bad in ({"depth": 0}, {"depth": 4}, {"node_limit": 0}, {"node_limit": 501},
                {"types": ["KNOWS"]}):
        with pytest.raises(InvalidInput):
            neighbourhood(loaded, INVESTIGATOR, seed, **bad)
    with pytest.raises(NotFound):
        neighbourhood(loaded, INVESTIGATOR, NodeRef("ApiToken", "x"))
    remember(loaded, "neighbourhood", [(n.id, n.caption, n.risk_level) for n in wide.nodes])


def test_paths_between_planted_members(loaded: BaseGraphStore, truth: dict[str, Any]) -> None:
    group = truth["one_person_many_companies"][0]
    a, b = (NodeRef("Enterprise", u) for u in group["usccs"][:2])
    found = paths(loaded, INVESTIGATOR, a, b, 4, first=5)
    assert found
    assert found[0].length == 2
    assert found[0].nodes[1].id == global_id("Person", group["person_id"])
    assert [p.length for p in found] == sorted(p.length for p in found)
    assert all(len(p.graph.edges) == p.length and p.length <= 4 for p in found)
    roles_only = paths(loaded, INVESTIGATOR, a, b, 6, ["LEGAL_REP_OF"], first=20)
    assert all({e.type for e in p.graph.edges} == {"LEGAL_REP_OF"} for p in roles_only)
    for bad in ({"max_length": 0}, {"max_length": 7}, {"first": 0}, {"first": 21}):
        with pytest.raises(InvalidInput):
            paths(loaded, INVESTIGATOR, a, b, **bad)  # type: ignore[arg-type]
    remember(loaded, "paths", [[n.id for n in p.nodes] for p in found])


def test_communities_split_the_neighbourhood(loaded: BaseGraphStore,
                                             truth: dict[str, Any]) -> None:
    uscc = truth["same_address"][0]["usccs"][0]
    report = communities(loaded, INVESTIGATOR, NodeRef("Enterprise", uscc), 2)
    assert report.seed.id == global_id("Enterprise", uscc)
    sizes = [c.size for c in report.communities]
    assert sizes == sorted(sizes, reverse=True)
    assert all(c.size == len(c.members) for c in report.communities)
    members = [m.id for c in report.communities for m in c.members]
    assert len(members) == len(set(members))  # a partition
    assert global_id("Enterprise", uscc) in members
    # The address joins the planted companies: all of them are within two hops of the seed.
    assert {global_id("Enterprise", u) for u in truth["same_address"][0]["usccs"]} <= set(members)
    for c in report.communities:
        assert 1 <= len(c.central) <= 5
        assert c.central == c.members[:len(c.central)]
    again = communities(loaded, INVESTIGATOR, NodeRef("Enterprise", uscc), 2)
    assert again == report  # a fixed Louvain seed: stable answers
    with pytest.raises(InvalidInput):
        communities(loaded, INVESTIGATOR, NodeRef("Enterprise", uscc), 4)
    remember(loaded, "communities", [[m.id for m in c.members] for c in report.communities])


def test_views_mask_people_for_masked_roles(loaded: BaseGraphStore,
                                            truth: dict[str, Any]) -> None:
    # The fields are internal-only; the services still mask, should a masked role ever reach them.
    group = truth["one_person_many_companies"][0]
    seed = NodeRef("Enterprise", group["usccs"][0])
    clear = {n.node.ref: n for n in neighbourhood(loaded, INVESTIGATOR, seed, 1).nodes}
    masked = {n.node.ref: n for n in neighbourhood(loaded, PARTNER, seed, 1).nodes}
    person = NodeRef("Person", group["person_id"])
    name = str(clear[person].properties["name"])
    assert clear[person].caption == name
    assert clear[person].id == global_id("Person", person.key)
    assert masked[person].caption == name[0] + "*" * (len(name) - 1)
    assert group["person_id"] not in masked[person].id + str(masked[person].properties)
    with pytest.raises(NotFound):
        neighbourhood(loaded, PARTNER, NodeRef("Person", "~" + "0" * 20))


@pytest.mark.neo4j
def test_both_stores_give_the_same_answers() -> None:
    if set(_answers) != {"embedded", "neo4j"}:
        pytest.skip("needs both halves of this module in one run")
    assert _answers["embedded"] == _answers["neo4j"]



# ---------------------------------------------------------------- paths against a plain search

ROLES = ["LEGAL_REP_OF", "SHAREHOLDER_OF", "EXECUTIVE_OF", "LIAISON_OF", "LOCATED_AT",
         "HAS_PHONE"]


def plain_paths(store: BaseGraphStore, src: NodeRef, dst: NodeRef, max_length: int,
                types: list[str] | None) -> list[list[NodeRef]]:
    """Every simple path of at most `max_length` hops, shortest first, by brute force.

    The ball of radius max_length - 1 around `src` is read whole (no fan-out cap, no budget) and
    every relationship of its nodes kept: each hop of a short enough path has an end in it.
    """
    def read(tx: GraphTx) -> nx.Graph:
        graph, seen, level = nx.Graph(), {src}, [src]
        graph.add_node(src)
        for _ in range(max_length):
            rows, nxt = tx.neighbours(level, types=types, props=False), []
            for nb in (nb for ref in level for nb in rows[ref]):
                graph.add_edge(nb.rel.src, nb.rel.dst)
                if nb.node.ref not in seen:
                    seen.add(nb.node.ref)
                    nxt.append(nb.node.ref)
            level = nxt
        return graph

    graph = store.read(read)
    if dst not in graph:
        return []
    return sorted((p for p in nx.all_simple_paths(graph, src, dst, cutoff=max_length)),
                  key=len)


def path_cases(truth: dict[str, Any], dataset: Path) -> list[tuple[NodeRef, NodeRef]]:
    """Pairs with short paths (planted groups' members) and pairs of random enterprises."""
    groups = [g["usccs"] for name in ("one_person_many_companies", "same_address",
                                      "shared_phone") for g in truth[name][:3]]
    pairs = [(g[0], g[-1]) for g in groups]
    usccs = sorted(r["uscc"] for r in rows(dataset, "enterprises"))
    pairs += [(usccs[i], usccs[-1 - i]) for i in range(0, 400, 50)]
    return [(NodeRef("Enterprise", a), NodeRef("Enterprise", b)) for a, b in pairs]


@pytest.mark.parametrize(("max_length", "types"), [(6, ROLES), (3, None)])
def test_paths_match_a_plain_search(loaded: BaseGraphStore, truth: dict[str, Any],
                                    dataset: Path, max_length: int,
                                    types: list[str] | None) -> None:
    """Within budgets the search does not reach, the answer is the plain search's: the same
    lengths, every path shorter than the last one returned, each hop's first relationship by
    (type, ends); ties at the last length may be any of the plain search's."""
    checked = 0
    for src, dst in path_cases(truth, dataset):
        found = loaded.shortest_paths(src, dst, max_length=max_length, types=types, first=5)
        plain = plain_paths(loaded, src, dst, max_length, types)
        assert [len(p.rels) for p in found] == [len(p) - 1 for p in plain[:5]], (src, dst)
        hops = [[n.ref for n in p.nodes] for p in found]
        assert len({tuple(h) for h in hops}) == len(hops)
        if found:
            last = len(found[-1].rels)
            assert {tuple(h) for h in hops if len(h) - 1 < last} == {
                tuple(p) for p in plain if len(p) - 1 < last}
            assert {tuple(h) for h in hops} <= {tuple(p) for p in plain}
            checked += 1
        for p in found:
            refs = [n.ref for n in p.nodes]
            between = loaded.read(partial(GraphTx.rels_among, refs=refs, types=types))
            for (a, b), rel in zip(itertools.pairwise(refs), p.rels, strict=True):
                joining = [r for r in between if {r.src, r.dst} == {a, b}]
                assert rel == min(joining, key=lambda r: (r.type, r.src, r.dst))
    assert checked >= 5


def between(tx: GraphTx, refs: list[NodeRef], others: list[NodeRef],
            types: list[str] | None) -> tuple[list[Rel], list[Rel]]:
    """rels_between, and the same worked out from rels_among of both sets (props dropped)."""
    a, b = set(refs), set(others)
    expected = [Rel(r.type, r.src, r.dst) for r in tx.rels_among([*refs, *others], types)
                if (r.src in a and r.dst in b) or (r.src in b and r.dst in a)]
    return tx.rels_between(refs, others, types), expected


def test_rels_between_is_rels_among_across_two_sets(loaded: BaseGraphStore,
                                                    truth: dict[str, Any]) -> None:
    group = truth["one_person_many_companies"][0]
    person = NodeRef("Person", group["person_id"])
    firms = [NodeRef("Enterprise", u) for u in group["usccs"]]
    # Both directions (the person's LEGAL_REP_OF point at the firms), hubs (the firms' regions)
    # on the larger side, an overlap between the sets, and a node that does not exist.
    hub_side = [ref for ref in loaded.read(partial(neighbours_of, refs=firms)) if ref != person]
    # Hubs on the smaller side too: the embedded store then looks the few pairs up instead of
    # scanning the hubs' relationships; and a person among the regions and industries.
    cases = [([person], firms), (firms, [person]), (firms[:1], [*hub_side, firms[0]]),
             ([person, *firms], [*firms, NodeRef("Enterprise", "nope")]),
             (hub_side, firms[:1]), ([*hub_side, person], firms[1:3]), ([person], firms[-1:])]
    for refs, others in cases:
        for types in (None, ["LEGAL_REP_OF", "IN_REGION"]):
            got, expected = loaded.read(partial(between, refs=refs, others=others, types=types))
            assert got == expected
            assert got or types  # every case has some joining relationship of any type
    assert loaded.read(partial(between, refs=[], others=firms, types=None)) == ([], [])


def neighbours_of(tx: GraphTx, refs: list[NodeRef]) -> list[NodeRef]:
    return list(dict.fromkeys(nb.node.ref for nbs in tx.neighbours(refs, props=False).values()
                              for nb in nbs))


def test_adjacency_is_neighbours_without_nodes(loaded: BaseGraphStore,
                                               truth: dict[str, Any]) -> None:
    """`adjacency` (the path search's walk) gives exactly the relationships `neighbours` gives
    without properties, per node and in order, cut at the same limit: hubs (a region, an
    industry) cut, a person's roles, types chosen, a node that does not exist."""
    group = truth["one_person_many_companies"][0]
    person = NodeRef("Person", group["person_id"])
    firms = [NodeRef("Enterprise", u) for u in group["usccs"]]
    hubs = [ref for ref in loaded.read(partial(neighbours_of, refs=firms[:2]))
            if ref.label in ("Region", "Industry")]
    refs = [person, *firms, *hubs, NodeRef("Enterprise", "nope")]
    assert hubs
    for types, limit in ((None, 2000), (None, 3), (["LEGAL_REP_OF", "IN_REGION"], 5),
                         (None, 0)):
        def read(tx: GraphTx, types: list[str] | None = types, limit: int = limit
                 ) -> tuple[dict[NodeRef, list[Rel]], dict[NodeRef, list[Rel]]]:
            rows = tx.neighbours(refs, types=types, limit=limit, props=False)
            return (tx.adjacency(refs, types=types, limit=limit),
                    {ref: [nb.rel for nb in nbs] for ref, nbs in rows.items()})

        got, expected = loaded.read(read)
        assert got == expected
    cut = loaded.read(partial(GraphTx.adjacency, refs=hubs, limit=3))
    assert all(len(rels) == 3 for rels in cut.values())
