"""Hostile input through real HTTP on both stores (issue 9): every probe gets a 4xx with a stable
code, costs little next to a trivial request, and leaves the server healthy and the graph as it was.

Requests ask for `application/graphql-response+json`, so a document refused before it runs is a
400 (clients asking for plain JSON get the same error with 200; tests/e2e/test_http.py covers that).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from jointsup.errors import MAX_MESSAGE_CHARS
from jointsup.resolvers import build_schema
from jointsup.resolvers.limits import MAX_TOKENS, MAX_VARIABLES
from tests.contract.graph_digest import BULK_REFERENCE, GraphDigest, graph_digest
from tests.e2e.conftest import Live
from tests.e2e.schema_paths import misspelled_root_field
from tests.e2e.test_http import codes

pytestmark = pytest.mark.hostile

MIB = 1024 * 1024
ACCEPT = "application/graphql-response+json"
TRIVIAL = "{ __typename }"
COST_FACTOR = 50  # a refusal may cost this many trivial requests …
HANG_GUARD_S = 2.0  # … or this long, whichever is more: a guard against hangs, not a benchmark
REGISTER = ("mutation($text: String!, $key: String!) { registerClue(text: $text, "
            'channel: "12315_hotline", idempotencyKey: $key) { clueId } }')


@dataclass
class Guard:
    """A live server, its graph before the probe and the cost of a trivial request."""

    live: Live
    before: GraphDigest
    baseline_s: float
    elapsed_s: float = 0.0

    def send(self, method: str = "POST", *, body: Any = None, content: Any = None,
             content_type: str = "application/json", params: dict[str, str] | None = None,
             ) -> httpx.Response:
        """One request with the admin's token, timed; `body` is sent as JSON."""
        headers = {"Authorization": f"Bearer {self.live.token}", "Accept": ACCEPT}
        if method == "POST":
            headers["Content-Type"] = content_type
            if body is not None:
                content = json.dumps(body).encode()
        started = time.perf_counter()
        response = self.live.client.request(method, "/graphql", content=content, params=params,
                                            headers=headers)
        self.elapsed_s = time.perf_counter() - started
        return response

    def query(self, query: str, **extra: Any) -> httpx.Response:
        """POST one document (plus any other body keys)."""
        return self.send(body={"query": query, **extra})

    def refused(self, response: httpx.Response, status: int, code: str) -> None:
        """The probe got `status` with `code` alone, cheaply; the server is healthy and the graph
        unchanged afterwards."""
        assert response.status_code == status, response.text[:500]
        assert set(codes(response)) == {code}, response.text[:500]
        assert "data" not in response.json()
        bound = max(COST_FACTOR * self.baseline_s, HANG_GUARD_S)
        assert self.elapsed_s <= bound, (self.elapsed_s, self.baseline_s)
        assert self.live.client.get("/healthz").status_code == 200
        assert self.live.client.get("/readyz").status_code == 200
        assert self.live.post(TRIVIAL).json() == {"data": {"__typename": "Query"}}
        assert graph_digest(self.live.store, skip=BULK_REFERENCE) == self.before


@pytest.fixture
def guard(live: Live) -> Guard:
    """A guard on the production server (no --dev), with the trivial request's cost measured."""
    assert live.post(TRIVIAL).status_code == 200  # warm: the first request pays for imports
    before = graph_digest(live.store, skip=BULK_REFERENCE)
    probe = Guard(live, before, 0.0)
    timings = []
    for _ in range(3):
        assert probe.query(TRIVIAL).status_code == 200
        timings.append(probe.elapsed_s)
    probe.baseline_s = min(timings)
    return probe


def register_body(text: str) -> dict[str, Any]:
    """A registerClue mutation that would add a clue (and mentions) to the graph."""
    return {"query": REGISTER, "variables": {"text": text, "key": "hostile-1"}}


def padded_register(size: int) -> bytes:
    """A registerClue request body of exactly `size` bytes (the clue text is the padding)."""
    empty = json.dumps(register_body("")).encode()
    body = json.dumps(register_body("x" * (size - len(empty)))).encode()
    assert len(body) == size
    return body


# ---------------------------------------------------------------- document shape

@pytest.mark.parametrize("shape", ["nested", "fragment chain"])
def test_depth_beyond_the_limit(guard: Guard, shape: str) -> None:
    """A document 64 levels deep, written out or via 64 fragments → 400 QUERY_TOO_DEEP."""
    if shape == "nested":
        query = "{ " + " { ".join(f"f{i}" for i in range(64)) + " }" * 64
    else:
        query = "{ ...F0 } " + " ".join(f"fragment F{i} on Query {{ f{i} {{ ...F{i + 1} }} }}"
                                        for i in range(64)) + " fragment F64 on Query { x }"
    guard.refused(guard.query(query), 400, "QUERY_TOO_DEEP")


def test_one_hundred_aliases(guard: Guard) -> None:
    """100 aliases of one field → 400 TOO_MANY_ALIASES."""
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(100)) + " }"
    guard.refused(guard.query(query), 400, "TOO_MANY_ALIASES")


@pytest.mark.parametrize("query", [
    "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
    "{ ...A } fragment A on Query { __typename ...A }",
    '{ enterprise(uscc: "x") { ...E } } fragment E on Enterprise { name branches { edges { '
    "node { ...E } } } }",
], ids=["two fragments", "self", "through fields"])
def test_fragment_cycles(guard: Guard, query: str) -> None:
    """Fragments spreading themselves → 400 GRAPHQL_VALIDATION_FAILED."""
    guard.refused(guard.query(query), 400, "GRAPHQL_VALIDATION_FAILED")


def test_fragment_fan_out(guard: Guard) -> None:
    """40 fragments each spreading the next twice (2**40 paths) → 400 TOO_MANY_ALIASES."""
    query = "{ ...F0 } " + " ".join(f"fragment F{i} on Query {{ a{i}: __typename ...F{i + 1} "
                                    f"...F{i + 1} }}" for i in range(40)) \
        + " fragment F40 on Query { __typename }"
    guard.refused(guard.query(query), 400, "TOO_MANY_ALIASES")


def test_eight_thousand_duplicate_fields(guard: Guard) -> None:
    """8,000 copies of one field → 400 TOO_MANY_TOKENS."""
    guard.refused(guard.query("{ " + "__typename " * 8000 + "}"), 400, "TOO_MANY_TOKENS")


def test_duplicate_fields_within_the_token_limit(guard: Guard) -> None:
    """1,990 copies of one field (within the token limit) → 400 TOO_MANY_REPEATED_FIELDS."""
    query = "{ " + "__typename " * (MAX_TOKENS - 10) + "}"
    guard.refused(guard.query(query), 400, "TOO_MANY_REPEATED_FIELDS")


# ---------------------------------------------------------------- request shape

def test_body_of_one_mebibyte_and_one_byte(guard: Guard) -> None:
    """A mutation body of 1 MiB + 1 byte → 413 BODY_TOO_LARGE, nothing written."""
    guard.refused(guard.send(content=padded_register(MIB + 1)), 413, "BODY_TOO_LARGE")


def test_chunked_body_over_one_mebibyte(guard: Guard) -> None:
    """A chunked mutation body over 1 MiB, no Content-Length → 413 BODY_TOO_LARGE."""
    body = padded_register(MIB + 1)
    chunks = (body[i:i + 64 * 1024] for i in range(0, len(body), 64 * 1024))
    response = guard.send(content=chunks)
    assert "content-length" not in response.request.headers
    guard.refused(response, 413, "BODY_TOO_LARGE")


def test_batched_array(guard: Guard) -> None:
    """A JSON array of 100 mutations → 400 BATCH_NOT_ALLOWED, none run."""
    batch = [{"query": REGISTER, "variables": {"text": f"线索{i}", "key": f"k{i}"}}
             for i in range(100)]
    guard.refused(guard.send(body=batch), 400, "BATCH_NOT_ALLOWED")


def test_get_mutation(guard: Guard) -> None:
    """A mutation over GET → 405 MUTATION_OVER_GET, nothing written."""
    body = register_body("成都市某超市销售过期食品")
    response = guard.send("GET", params={"query": body["query"],
                                         "variables": json.dumps(body["variables"])})
    assert response.headers["allow"] == "POST"
    guard.refused(response, 405, "MUTATION_OVER_GET")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_cross_site_simple_post(guard: Guard, content_type: str) -> None:
    """A mutation POSTed as a form or text/plain (CSRF) → 415 UNSUPPORTED_MEDIA_TYPE."""
    body = json.dumps(register_body("成都市某超市销售过期食品")).encode()
    response = guard.send(content=body, content_type=content_type)
    guard.refused(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize("where", ["body", "variables", "GET variables"])
def test_json_nested_deeply(guard: Guard, where: str) -> None:
    """JSON nested 100,000 deep (5,000 in GET variables) → 400 BAD_REQUEST, not 500."""
    deep = "[" * 100_000 + "]" * 100_000
    if where == "body":
        response = guard.send(content=deep.encode())
    elif where == "variables":
        response = guard.send(content=b'{"query": "{ __typename }", "variables": {"a": '
                              + deep.encode() + b"}}")
    else:
        response = guard.send("GET", params={"query": TRIVIAL,
                                             "variables": '{"a": ' + "[" * 5000 + "]" * 5000 + "}"})
    guard.refused(response, 400, "BAD_REQUEST")


def test_huge_number_of_variables(guard: Guard) -> None:
    """60,000 variable values in one request → 400 TOO_MANY_VARIABLES."""
    variables = {f"v{i}": i for i in range(60_000)}
    assert len(variables) > MAX_VARIABLES
    response = guard.query('query($v0: Int) { searchEnterprises(query: "x", first: $v0) '
                           "{ totalCount } }", variables=variables)
    guard.refused(response, 400, "TOO_MANY_VARIABLES")


# ---------------------------------------------------------------- values

FIVE_THOUSAND_DIGITS = "9" * 5000
SEARCH_FIRST = 'query($n: Int) { searchEnterprises(query: "x", first: $n) { totalCount } }'


def test_five_thousand_digit_integer_literal(guard: Guard) -> None:
    """A 5,000-digit Int literal → 400 NUMBER_TOO_LONG, no Python error text."""
    response = guard.query(f'{{ searchEnterprises(query: "x", first: {FIVE_THOUSAND_DIGITS}) '
                           "{ totalCount } }")
    assert "int_max_str_digits" not in response.text
    guard.refused(response, 400, "NUMBER_TOO_LONG")


def test_five_thousand_digit_integer_variable(guard: Guard) -> None:
    """A 5,000-digit Int variable → 400 BAD_REQUEST, no Python error text."""
    body = json.dumps({"query": SEARCH_FIRST}).encode()[:-1] + \
        f', "variables": {{"n": {FIVE_THOUSAND_DIGITS}}}}}'.encode()
    response = guard.send(content=body)
    assert "int_max_str_digits" not in response.text
    guard.refused(response, 400, "BAD_REQUEST")


ENTERPRISE_BY = 'query($u: String!) { enterprise(uscc: $u) { name } }'


@pytest.mark.parametrize("body", [
    b'{"query": "{ __typename \xff\xfe }"}',
    b'{"query": "query($u: String!) { enterprise(uscc: $u) { name } }", '
    b'"variables": {"u": "\xc3\x28\xa0\xa1"}}',
    b'{"query": "query($u: String!) { enterprise(uscc: $u) { name } }", '
    b'"variables": {"u": "\\ud800"}}',
], ids=["in the query", "in a string variable", "unpaired surrogate escape"])
def test_invalid_utf8(guard: Guard, body: bytes) -> None:
    """Invalid UTF-8 or an unpaired surrogate in the body → 400 BAD_REQUEST."""
    guard.refused(guard.send(content=body), 400, "BAD_REQUEST")


@pytest.mark.parametrize("body", [
    {"query": "{ __typename \u0000 }"},
    {"query": ENTERPRISE_BY, "variables": {"u": "9151\u00000100"}},
    register_body("成都市某超市\u0000销售过期食品"),
], ids=["in the document", "in a variable", "in a clue text"])
def test_null_bytes(guard: Guard, body: dict[str, Any]) -> None:
    """A NUL character in the document, a variable or a clue text → 400 BAD_REQUEST."""
    guard.refused(guard.send(body=body), 400, "BAD_REQUEST")


# ---------------------------------------------------------------- schema leaks

@pytest.mark.parametrize("query", [
    "{ __schema { types { name fields { name } } } }",
    '{ __type(name: "Enterprise") { fields { name } } }',
    "{ ...F } fragment F on Query { __schema { queryType { name } } }",
    "{ __typename ... on Query { __schema { mutationType { name } } } }",
], ids=["__schema", "__type", "in a fragment", "in an inline fragment"])
def test_introspection_without_dev(guard: Guard, query: str) -> None:
    """Introspection outside --dev, however wrapped → 400 INTROSPECTION_DISABLED."""
    guard.refused(guard.query(query), 400, "INTROSPECTION_DISABLED")


@pytest.mark.parametrize(("query", "variables"), [
    (misspelled_root_field(), None),
    ('{ enterprise(usc: "x") { name } }', None),
    ('{ enterprise(uscc: "x") { nam } }', None),
    ('{ node(id: "x") { ... on Enterprize { name } } }', None),
    ("{ clusters(kind: SAME_ADDRES) { totalCount } }", None),
    ("mutation($p: CreateInspectionPlanInput!) { createInspectionPlan(input: $p) { planId } }",
     {"p": {"nam": "x", "items": [], "windowStart": "2025-01-01", "windowEnd": "2025-02-01"}}),
], ids=["root field", "argument", "field", "type", "enum value", "input field"])
def test_did_you_mean_suggestions_without_dev(guard: Guard, query: str,
                                              variables: dict[str, Any] | None) -> None:
    """Misspellings outside --dev → 400 GRAPHQL_VALIDATION_FAILED, no "Did you mean"."""
    raw = build_schema().execute_sync(query, variable_values=variables)
    assert any("Did you mean" in e.message for e in raw.errors or ()), raw.errors
    response = guard.query(query, variables=variables)
    assert "Did you mean" not in response.text
    guard.refused(response, 400, "GRAPHQL_VALIDATION_FAILED")


# ---------------------------------------------------------------- echoed input

LONG_VALUE = "x" * 100_000
ARTICLE_AS_OF = 'query($d: Date) { article(law: "x", number: 1, asOf: $d) { number } }'


@pytest.mark.parametrize(("body", "code"), [
    ({"query": ARTICLE_AS_OF, "variables": {"d": LONG_VALUE}}, "GRAPHQL_VALIDATION_FAILED"),
    ({"query": f'{{ article(law: "x", number: 1, asOf: "{LONG_VALUE}") {{ number }} }}'},
     "GRAPHQL_VALIDATION_FAILED"),
    ({"query": TRIVIAL, "operationName": LONG_VALUE}, "BAD_REQUEST"),
], ids=["Date variable", "Date literal", "operationName"])
def test_long_invalid_input_is_not_echoed_back(guard: Guard, body: dict[str, Any],
                                               code: str) -> None:
    """A 100,000-character invalid value → 400 with its stable code and a message capped at
    MAX_MESSAGE_CHARS around an elision marker, not the value echoed back whole."""
    response = guard.send(body=body)
    guard.refused(response, 400, code)
    message = response.json()["errors"][0]["message"]
    assert len(message) <= MAX_MESSAGE_CHARS, len(message)
    assert "characters elided]" in message, message
    assert len(response.content) < 2 * MAX_MESSAGE_CHARS + 500
