"""Property: a partner sees exactly the clues shared with it, only in the sharing scope, and for
everything else gets the very answer a clue that does not exist gets — on every query path
(clue, node, aliases, connections, audit trail, mutations, enterprise.clues and the way back to
it through a clue's respondents), on both stores."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef, Rel
from jointsup.resolvers.context import RequestContext
from jointsup.resolvers.schema import build_schema
from jointsup.services import audit
from jointsup.services.clues import State, sharing
from jointsup.services.policy import Principal, Role

SCHEMA = build_schema()
CLUES = ("CA", "CB", "CC")
MISSING = "CZ"  # never stored: what "does not exist" answers
PARTIES = (("500000", "CQ-SCJ"), ("500000", "CQ-YJJ"), ("500101", "CQ-SCJ"))
USCC = "91510100000000001X"
PHONE = "13812345678"
INTERNAL_NOTE = "内部分流备注"  # stored, never in a partner's scope

PATHS = (
    '{{ clue(id: "{gid}") {{ clueId status routedTo complainantName complainantPhone '
    "clue {{ id text channel respondentName }} }} }}",
    '{{ clue(id: "{plain}") {{ clueId allowedMoves }} }}',
    '{{ node(id: "{gid}") {{ id ... on Clue {{ clueId text status }} }} }}',
    '{{ a: clue(id: "{gid}") {{ clueId }} b: clue(id: "{plain}") {{ status }} '
    'c: node(id: "{gid}") {{ id }} }}',
    '{{ auditTrail(clueId: "{gid}") {{ seq action payload }} }}',
    'mutation {{ acceptClue(clueId: "{gid}", idempotencyKey: "{key}") {{ clueId status }} }}',
    'mutation {{ attachEvidence(clueId: "{plain}", evidence: "x", idempotencyKey: "{key}") '
    "{{ clueId }} }}",
)
ENTERPRISE_CLUES = f'{{ enterprise(uscc: "{USCC}") {{ name clues {{ totalCount edges {{ node {{ ' \
    "clueId id text status } } } } }"
LISTS = (
    "{ sharedClues(first: 100) { totalCount edges { node { clueId complainantPhone } } } }",
    '{ overdueClues(asOf: "2031-01-01") { edges { node { case { clueId } } } } }',
    ENTERPRISE_CLUES,
    f'{{ e: enterprise(uscc: "{USCC}") {{ a: clues(first: 1) {{ edges {{ node {{ clueId }} }} }} '
    'b: clues(first: 2, after: "MA==") { totalCount edges { node { clueId text } } } } }',
    "{ sharedClues { edges { node { clue { respondents { edges { node { uscc clues { "
    "totalCount edges { node { clueId } } } } } } } } } } }",
    f'{{ node(id: "{base64.b64encode(f"Enterprise:{USCC}".encode()).decode()}") {{ '
    "... on Enterprise { clues { totalCount edges { node { clueId } } } } } }",
)

share_state = st.fixed_dictionaries({
    "status": st.sampled_from([s.value for s in State]),
    "shared": st.lists(st.integers(0, len(PARTIES) - 1), unique=True, max_size=3),
    "holder": st.integers(0, len(PARTIES) - 1),
})
callers = st.one_of(st.integers(0, len(PARTIES) - 1).map(lambda i: ("party", i)),
                    st.just(("no-agency", 0)))


def gid(key: str) -> str:
    return base64.b64encode(f"Clue:{key}".encode()).decode()


def write_state(store: BaseGraphStore, states: list[dict[str, Any]]) -> None:
    store.upsert_nodes([Node("Enterprise", USCC, {"uscc": USCC, "name": "某某火锅店"})])
    nodes = []
    for key, s in zip(CLUES, states, strict=True):
        parties = [f"{PARTIES[i][0]}|{PARTIES[i][1]}" for i in s["shared"]]
        holder = parties[s["holder"] % len(parties)] if parties else None
        nodes.append(Node("Clue", key, {
            "id": key, "channel": "12315_hotline", "received_at": "2026-03-01T09:00:00",
            "text": f"电话{PHONE}反映火锅店问题", "status": s["status"],
            "complainant_name": "张三丰", "complainant_phone": PHONE, "routed_to": INTERNAL_NOTE,
            "shared_with": parties, "shared": bool(parties), "transferred_to": holder,
            "accept_due": "2026-03-11", "verify_due": "2026-03-25"}))
    store.upsert_nodes(nodes)
    store.upsert_rels([Rel("AGAINST", NodeRef("Clue", k), NodeRef("Enterprise", USCC))
                       for k in CLUES])

    def links(tx: GraphTx) -> None:  # as the share moves write them (ops.apply)
        tx.delete_rels([("SHARED_WITH", NodeRef("Clue", k), NodeRef("Party", f"{r}|{d}"))
                        for k in CLUES for r, d in PARTIES])
        for key, s in zip(CLUES, states, strict=True):
            sharing.record_share(tx, key, [f"{PARTIES[i][0]}|{PARTIES[i][1]}" for i in s["shared"]])

    store.transaction(links)


def run(store: BaseGraphStore, principal: Principal, query: str) -> dict[str, Any]:
    ctx = RequestContext.create(store, principal, uuid.uuid4().hex)
    result = asyncio.run(SCHEMA.execute(query, context_value=ctx))
    errors = [{"message": e.message, "path": e.path,
               "code": getattr(e.original_error, "code", None) or (e.extensions or {}).get("code")}
              for e in result.errors or []]
    return {"data": result.data, "errors": errors}


def normalised(answer: dict[str, Any], key: str) -> str:
    return json.dumps(answer, ensure_ascii=False, sort_keys=True).replace(
        gid(key), "<GID>").replace(key, "<ID>")


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states=st.lists(share_state, min_size=3, max_size=3), caller=callers,
       path=st.sampled_from(PATHS))
def test_partner_sees_nothing_it_was_not_given(store: BaseGraphStore, states: list[dict[str, Any]],
                                               caller: tuple[str, int], path: str) -> None:
    write_state(store, states)
    kind, index = caller
    region, dept = PARTIES[index]
    principal = Principal(f"tok-{kind}-{index}", Role.PARTNER, region,
                          dept if kind == "party" else None)
    me = f"{region}|{dept}" if kind == "party" else None
    for key, s in zip(CLUES, states, strict=True):
        shared = [f"{PARTIES[i][0]}|{PARTIES[i][1]}" for i in s["shared"]]
        fresh = "k-fixed"  # one key per caller throughout: reuse on a hidden clue must not show
        answer = run(store, principal, path.format(gid=gid(key), plain=key, key=fresh))
        text = json.dumps(answer, ensure_ascii=False)
        assert PHONE not in text, f"unmasked phone through {path}"
        assert INTERNAL_NOTE not in text
        assert "张三丰" not in text
        if me in shared:
            if path == PATHS[0]:  # shared: visible, in scope and masked
                seen = answer["data"]["clue"]
                assert seen["clueId"] == key
                assert seen["complainantName"] == "张**"
                assert seen["routedTo"] is None
            continue
        absent = run(store, principal, path.format(gid=gid(MISSING), plain=MISSING, key=fresh))
        assert normalised(answer, key) == normalised(absent, MISSING), \
            f"clue {key} not shared with {me} answers differently from a missing one via {path}"
    expected = sorted(k for k, s in zip(CLUES, states, strict=True)
                      if me in [f"{PARTIES[i][0]}|{PARTIES[i][1]}" for i in s["shared"]])
    listed = run(store, principal, LISTS[0])["data"]["sharedClues"]
    assert sorted(e["node"]["clueId"] for e in listed["edges"]) == expected
    assert listed["totalCount"] == len(expected)
    theirs = run(store, principal, ENTERPRISE_CLUES)["data"]["enterprise"]["clues"]
    assert sorted(e["node"]["clueId"] for e in theirs["edges"]) == expected
    assert theirs["totalCount"] == len(expected)
    for query in LISTS:
        answer = run(store, principal, query)
        text = json.dumps(answer, ensure_ascii=False)
        assert PHONE not in text
        for key, s in zip(CLUES, states, strict=True):
            shared = [f"{PARTIES[i][0]}|{PARTIES[i][1]}" for i in s["shared"]]
            if me not in shared:
                assert f'"{key}"' not in text, f"clue {key} leaked to {me} via {query}"


def test_internal_callers_see_every_clue(store: BaseGraphStore) -> None:
    states = [{"status": "TRANSFERRED", "shared": [], "holder": 0}] * 3
    write_state(store, states)
    coordinator = Principal("tok-coord", Role.COORDINATOR, "510000")
    for key in CLUES:
        answer = run(store, coordinator, PATHS[0].format(gid=gid(key), plain=key, key="k"))
        assert answer["data"]["clue"]["clueId"] == key
        assert answer["data"]["clue"]["complainantPhone"] == PHONE
        assert answer["data"]["clue"]["routedTo"] == INTERNAL_NOTE
    partner = Principal("tok-p", Role.PARTNER, *PARTIES[0])
    assert run(store, partner, PATHS[2].format(gid=gid("CA"), plain="CA", key="k"))["data"] == \
        {"node": None}


def test_a_partner_reads_an_enterprises_clues_as_through_clue_id(store: BaseGraphStore) -> None:
    states = [{"status": "TRANSFERRED", "shared": [0], "holder": 0},
              {"status": "ACCEPTED", "shared": [1], "holder": 0},
              {"status": "REGISTERED", "shared": [], "holder": 0}]
    write_state(store, states)
    partner = Principal("tok-p", Role.PARTNER, *PARTIES[0])
    views = store.read(lambda tx: len(list(audit.entries(tx))))
    answer = run(store, partner, ENTERPRISE_CLUES)
    assert answer["errors"] == []
    edges = answer["data"]["enterprise"]["clues"]["edges"]
    assert [e["node"]["clueId"] for e in edges] == ["CA"]
    direct = run(store, partner,
                 f'{{ node(id: "{gid("CA")}") {{ ... on Clue {{ text status }} }} }}')
    assert edges[0]["node"]["text"] == direct["data"]["node"]["text"]
    assert PHONE not in edges[0]["node"]["text"]
    logged = store.read(lambda tx: list(audit.entries(tx)))[views:]
    assert [(e.action, e.subject) for e in logged] == [("clue.view", "Clue:CA")] * 2
    coordinator = Principal("tok-coord", Role.COORDINATOR, "510000")
    everything = run(store, coordinator, ENTERPRISE_CLUES)["data"]["enterprise"]["clues"]
    assert everything["totalCount"] == 3
