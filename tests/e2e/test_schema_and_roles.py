"""Through real HTTP on both stores: the served schema is the committed one; masking by role."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    build_ast_schema,
    build_client_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    parse,
    print_schema,
)

from jointsup.graph.store import BaseGraphStore
from jointsup.model import Node, NodeRef, Rel
from jointsup.resolvers import build_schema
from jointsup.server import build_served_schema
from tests.e2e.conftest import Live

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_served_schema_prints_as_build_schema() -> None:
    """server.py builds its own Schema (to add the limits); it must be build_schema()'s SDL."""
    assert build_served_schema(dev=False).as_str() == build_schema().as_str()
    assert build_served_schema(dev=True).as_str() == build_schema().as_str()


def test_introspected_schema_matches_schema_graphql(live_dev: Live) -> None:
    """The schema a client sees over HTTP is the committed schema.graphql (no drift)."""
    r = live_dev.post(get_introspection_query(descriptions=True, specified_by_url=True))
    assert r.status_code == 200
    assert "errors" not in r.json(), r.text[:500]
    served = print_schema(lexicographic_sort_schema(build_client_schema(r.json()["data"])))
    committed = print_schema(lexicographic_sort_schema(
        build_ast_schema(parse(SCHEMA_FILE.read_text(encoding="utf-8")))))
    assert served == committed, "schema.graphql drifted: run `python -m jointsup.resolvers.export`"


USCC = "91510100E2ETEST01X"
PERSON_QUERY = f"""{{ enterprise(uscc: "{USCC}") {{
  name legalRepresentative
  people {{ edges {{ node {{ role person {{ name personId }} }} }} }}
}} }}"""


def _plant(store: BaseGraphStore) -> None:
    store.upsert_nodes([
        Node("Enterprise", USCC, {"uscc": USCC, "name": "成都测试科技有限公司",
                                  "legal_rep": "张三丰"}),
        Node("Person", "p-e2e-1", {"person_id": "p-e2e-1", "name": "张三丰"}),
    ])
    store.upsert_rels([Rel("LEGAL_REP_OF", NodeRef("Person", "p-e2e-1"),
                           NodeRef("Enterprise", USCC))])


def _seen(live: Live, role: str) -> dict[str, object]:
    r = live.post(PERSON_QUERY, token=live.token_for(role))
    assert r.status_code == 200
    assert "errors" not in r.json(), r.text
    enterprise: dict[str, object] = r.json()["data"]["enterprise"]
    return enterprise


def test_people_are_masked_for_partners_only(live: Live) -> None:
    _plant(live.store)
    for role in ("coordinator", "investigator", "admin"):
        seen = _seen(live, role)
        assert seen["legalRepresentative"] == "张三丰", role
        person = seen["people"]["edges"][0]["node"]["person"]  # type: ignore[index]
        assert person == {"name": "张三丰", "personId": "p-e2e-1"}, role
    partner = _seen(live, "partner")
    assert partner["name"] == "成都测试科技有限公司"  # enterprises are public records
    assert partner["legalRepresentative"] == "张**"
    person = partner["people"]["edges"][0]["node"]["person"]  # type: ignore[index]
    assert person["name"] == "张**"
    assert "e2e-1" not in person["personId"]
