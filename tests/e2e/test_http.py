"""The server through real HTTP on both stores: probes, tokens, every limit, errors, dev mode."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest

from jointsup.config import Settings
from jointsup.graph.store import BaseGraphStore
from jointsup.resolvers.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from jointsup.services.tokens import create_token, revoke_token
from tests.e2e.conftest import Live, serve
from tests.e2e.schema_paths import deep_query, misspelled_root_field

MIB = 1024 * 1024


def errors_of(response: httpx.Response) -> list[dict[str, object]]:
    """The errors of a response, each checked to carry a code and this request's id only."""
    body = response.json()
    errors: list[dict[str, object]] = body["errors"]
    assert errors, body
    rid = response.headers["x-request-id"]
    for error in errors:
        ext = error["extensions"]
        assert isinstance(ext, dict)
        assert set(ext) == {"code", "requestId"}, error
        assert ext["requestId"] == rid
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    return errors


def codes(response: httpx.Response) -> list[object]:
    """The codes of a response's errors."""
    return [e["extensions"]["code"] for e in errors_of(response)]  # type: ignore[index]


# ---------------------------------------------------------------- probes

def test_healthz_and_readyz(live: Live) -> None:
    health = live.client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ready = live.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "store": live.store.kind,
                            "nlp": ready.json()["nlp"], "names": ready.json()["names"]}
    assert ready.json()["nlp"] in ("warming", "ready")  # the linker warm-up (docs/nlp.md)
    assert ready.json()["names"] in ("building", "ready")  # the name index's (docs/api.md)
    assert re.fullmatch(r"[0-9a-f]{32}", ready.headers["x-request-id"])


def test_a_sane_incoming_request_id_is_kept(live: Live) -> None:
    r = live.post("{ nope }", headers={"X-Request-Id": "trace-0001-abcd"})
    assert r.headers["x-request-id"] == "trace-0001-abcd"
    assert errors_of(r)[0]["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED",
                                             "requestId": "trace-0001-abcd"}
    odd = live.post("{ __typename }", headers={"X-Request-Id": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])


# ---------------------------------------------------------------- authentication

def test_a_valid_token_is_served(live: Live) -> None:
    r = live.post("{ __typename }")
    assert r.status_code == 200
    assert r.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer not-a-token",
    "Bearer jst_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
])
def test_no_or_a_bad_token_is_401(live: Live, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    r = live.client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert codes(r) == ["UNAUTHENTICATED"]
    assert "data" not in r.json()


def test_a_wrong_secret_for_a_real_token_id_is_401(live: Live) -> None:
    token_id = live.token.split(".")[0]
    forged = f"{token_id}.{'B' * 43}"
    r = live.post("{ __typename }", token=forged)
    assert r.status_code == 401
    assert codes(r) == ["UNAUTHENTICATED"]


def test_a_revoked_token_is_401_at_once_in_the_same_process(live: Live) -> None:
    token = create_token(live.store, "partner", "510100")
    assert live.post("{ __typename }", token=token).status_code == 200
    assert revoke_token(live.store, token.split(".")[0].removeprefix("jst_"))
    r = live.post("{ __typename }", token=token)
    assert r.status_code == 401
    assert codes(r) == ["UNAUTHENTICATED"]
    assert live.post("{ __typename }").status_code == 200  # other tokens unaffected


def test_a_partner_asking_for_internal_supervision_is_403(live: Live) -> None:
    partner = create_token(live.store, "partner", "500000")
    r = live.post('{ department(code: "none") { code } }', token=partner)
    assert r.status_code == 403
    assert codes(r) == ["FORBIDDEN"]
    assert r.json()["errors"][0]["extensions"]["requestId"] == r.headers["x-request-id"]
    # The same question from a coordinator is answered (here: no such department).
    ok = live.post('{ department(code: "none") { code } }')
    assert ok.status_code == 200
    assert ok.json() == {"data": {"department": None}}


def test_get_needs_a_token_too(live: Live) -> None:
    r = live.client.get("/graphql", params={"query": "{ __typename }"})
    assert r.status_code == 401
    assert codes(r) == ["UNAUTHENTICATED"]


# ---------------------------------------------------------------- request shape

def test_get_queries_are_served_and_get_mutations_refused(live: Live) -> None:
    auth = {"Authorization": f"Bearer {live.token}"}
    ok = live.client.get("/graphql", params={"query": "{ __typename }"}, headers=auth)
    assert ok.status_code == 200
    assert ok.json() == {"data": {"__typename": "Query"}}
    r = live.client.get("/graphql", params={"query": "mutation { __typename }"}, headers=auth)
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"
    assert codes(r) == ["MUTATION_OVER_GET"]
    named = live.client.get("/graphql", headers=auth, params={
        "query": "query A { __typename } mutation B { __typename }", "operationName": "B"})
    assert named.status_code == 405
    assert codes(named) == ["MUTATION_OVER_GET"]


def test_batched_requests_are_400(live: Live) -> None:
    r = live.client.post("/graphql", json=[{"query": "{ __typename }"}] * 2,
                         headers={"Authorization": f"Bearer {live.token}"})
    assert r.status_code == 400
    assert codes(r) == ["BATCH_NOT_ALLOWED"]


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    (b"{not json", "application/json", 400, "BAD_REQUEST"),
    (b'"just a string"', "application/json", 400, "BAD_REQUEST"),
    (b'{"query": 42}', "application/json", 400, "BAD_REQUEST"),
    (b'{"query": "{ __typename }", "variables": [1]}', "application/json", 400, "BAD_REQUEST"),
    (b'{"query": "{ __typename }", "operationName": "Nope"}', "application/json", 400,
     "BAD_REQUEST"),
    (b"query=%7B__typename%7D", "application/x-www-form-urlencoded", 415,
     "UNSUPPORTED_MEDIA_TYPE"),
])
def test_malformed_requests(live: Live, body: bytes, content_type: str, status: int,
                           code: str) -> None:
    r = live.client.post("/graphql", content=body, headers={
        "Authorization": f"Bearer {live.token}", "Content-Type": content_type})
    assert r.status_code == status, r.text
    assert codes(r) == [code]


def test_syntax_errors_are_400_with_a_code(live: Live) -> None:
    r = live.post("{ __typename ")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/graphql-response+json")
    assert "data" not in r.json()
    assert codes(r) == ["GRAPHQL_PARSE_FAILED"]


@pytest.mark.parametrize("accept", ["application/json", "application/json;q=0.9, text/html"])
def test_a_legacy_json_client_gets_200_for_a_refused_document(live: Live, accept: str) -> None:
    """GraphQL over HTTP: a client naming only application/json gets 200 with `errors`."""
    r = live.post("{ __typename ", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["data"] is None
    assert codes(r) == ["GRAPHQL_PARSE_FAILED"]
    both = live.post("{ __typename ", headers={
        "Accept": "application/graphql-response+json, application/json;q=0.9"})
    assert both.status_code == 400


def test_resolver_errors_stay_200(live: Live) -> None:
    """A document that runs answers 200 even when a field fails (here: a bad argument)."""
    r = live.post('{ node(id: "not a global id") { id } }')
    assert r.status_code == 200
    assert r.json()["data"] == {"node": None}
    assert codes(r)


# ---------------------------------------------------------------- limits

def _nested(depth: int) -> str:
    """A document `depth` levels deep (fields need not exist: the limit is checked first)."""
    return "{ " + " { ".join(f"f{i}" for i in range(depth)) + " }" * depth


def test_depth_limit_on_the_document(live: Live) -> None:
    at = live.post(_nested(MAX_DEPTH))
    assert at.status_code == 400
    assert codes(at) == ["GRAPHQL_VALIDATION_FAILED"]  # passed the limit; unknown fields
    over = live.post(_nested(MAX_DEPTH + 1))
    assert over.status_code == 400
    assert codes(over) == ["QUERY_TOO_DEEP"]


def test_depth_counts_through_fragments(live: Live) -> None:
    inner = "{ " + " { ".join(f"g{i}" for i in range(MAX_DEPTH - 1)) + " }" * (MAX_DEPTH - 1)
    query = f"query {{ ...F }} fragment F on Query {{ top {{ ... on X {inner} }} }}"
    assert codes(live.post(query)) != ["QUERY_TOO_DEEP"]  # top + 9 = 10
    deeper = query.replace("top {", "top { t2 {") + " }"
    assert codes(live.post(deeper)) == ["QUERY_TOO_DEEP"]


def test_depth_limit_on_a_real_schema_path(live: Live) -> None:
    """The deepest path the schema offers (up to the limit) is served without errors."""
    query, depth = deep_query(MAX_DEPTH)
    r = live.post(query)
    assert r.status_code == 200
    assert "errors" not in r.json(), (depth, r.json())
    if depth < MAX_DEPTH:
        pytest.xfail(f"the schema reaches depth {depth} only; limit checked on the document")


def test_alias_limit(live: Live) -> None:
    def aliased(n: int) -> str:
        return "{ " + " ".join(f"a{i}: __typename" for i in range(n)) + " }"

    at = live.post(aliased(MAX_ALIASES))
    assert at.status_code == 200
    assert "errors" not in at.json()
    assert len(at.json()["data"]) == MAX_ALIASES
    over = live.post(aliased(MAX_ALIASES + 1))
    assert over.status_code == 400
    assert codes(over) == ["TOO_MANY_ALIASES"]
    assert "data" not in over.json()


def test_token_limit(live: Live) -> None:
    def document(tokens: int) -> str:
        # 9 tokens per fragment (`...Fi` and `fragment Fi on Query { __typename }`), then fields:
        # few fields, because graphql-core's overlap check gives up on ~800 identical ones.
        n, fields = divmod(tokens - 2, 9)
        spreads = " ".join(f"...F{i}" for i in range(n))
        defs = " ".join(f"fragment F{i} on Query {{ __typename }}" for i in range(n))
        return f"{{ {spreads}{' __typename' * fields} }} {defs}"

    at = live.post(document(MAX_TOKENS))
    assert at.status_code == 200
    assert at.json() == {"data": {"__typename": "Query"}}
    over = live.post(document(MAX_TOKENS + 1))
    assert over.status_code == 400
    assert codes(over) == ["TOO_MANY_TOKENS"]
    commented = live.post("# a comment is not a token\n" + document(MAX_TOKENS))
    assert "errors" not in commented.json()


def _body_of_size(size: int) -> bytes:
    """A valid request body of exactly `size` bytes (padding in an unused variable)."""
    head = b'{"query": "{ __typename }", "variables": {"pad": "'
    tail = b'"}}'
    body = head + b"x" * (size - len(head) - len(tail)) + tail
    assert len(body) == size
    return body


def test_body_limit(live: Live) -> None:
    headers = {"Authorization": f"Bearer {live.token}", "Content-Type": "application/json"}
    at = live.client.post("/graphql", content=_body_of_size(MIB), headers=headers)
    assert at.status_code == 200
    assert at.json() == {"data": {"__typename": "Query"}}
    over = live.client.post("/graphql", content=_body_of_size(MIB + 1), headers=headers)
    assert over.status_code == 413
    assert codes(over) == ["BODY_TOO_LARGE"]


def test_body_limit_without_a_content_length(live: Live) -> None:
    """A chunked body is counted while it is read; Content-Length is not trusted."""
    headers = {"Authorization": f"Bearer {live.token}", "Content-Type": "application/json"}

    def chunks(body: bytes) -> Iterator[bytes]:
        for i in range(0, len(body), 64 * 1024):
            yield body[i:i + 64 * 1024]

    at = live.client.post("/graphql", content=chunks(_body_of_size(MIB)), headers=headers)
    assert "content-length" not in at.request.headers
    assert at.status_code == 200
    assert at.json() == {"data": {"__typename": "Query"}}
    over = live.client.post("/graphql", content=chunks(_body_of_size(MIB + 1)), headers=headers)
    assert over.status_code == 413
    assert codes(over) == ["BODY_TOO_LARGE"]


def _raw_post(url: str, token: str, body: bytes, pause_s: float) -> tuple[int, dict[str, str],
                                                                            bytes]:
    """POST with the body's last byte sent after `pause_s`: a slow client, byte-exact."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    assert host
    assert port
    head = (f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head + body[:-1])
        time.sleep(pause_s)
        with contextlib.suppress(OSError):  # the server may have answered and closed already
            sock.sendall(body[-1:])
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    status_line, _, rest = raw.partition(b"\r\n")
    header_text, _, payload = rest.partition(b"\r\n\r\n")
    headers = dict(line.split(": ", 1) for line in header_text.decode().split("\r\n"))
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, payload


def test_request_deadline(ref_store: BaseGraphStore) -> None:
    """A request finishing inside the deadline is served; one that does not gets 504. (The
    deadline covers reading the body: a client sending it slowly is cut off too.)"""
    for live in serve(ref_store, Settings(request_deadline_s=2.0, token_cache_s=60.0)):
        assert live.post("{ __typename }").status_code == 200  # token verified and cached
        body = b'{"query": "{ __typename }"}'
        status, _, payload = _raw_post(live.url, live.token, body, pause_s=0.2)
        assert status == 200
        assert json.loads(payload) == {"data": {"__typename": "Query"}}
        started = time.monotonic()
        status, headers, payload = _raw_post(live.url, live.token, body, pause_s=3.0)
        assert status == 504
        error = json.loads(payload)["errors"][0]
        assert error["extensions"] == {"code": "DEADLINE_EXCEEDED",
                                       "requestId": headers["x-request-id"]}
        assert time.monotonic() - started < 6


# ---------------------------------------------------------------- introspection and suggestions

INTROSPECT = "{ __schema { queryType { name } } }"


def test_introspection_is_off_without_dev(live: Live) -> None:
    r = live.post(INTROSPECT)
    assert r.status_code == 400
    assert codes(r) == ["INTROSPECTION_DISABLED"]
    assert codes(live.post('{ __type(name: "Query") { name } }')) == ["INTROSPECTION_DISABLED"]
    assert live.post("{ __typename }").json() == {"data": {"__typename": "Query"}}


def test_introspection_is_on_with_dev(live_dev: Live) -> None:
    r = live_dev.post(INTROSPECT)
    assert r.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


def test_suggestions_only_with_dev(live: Live, ref_store: BaseGraphStore) -> None:
    wrong = misspelled_root_field()
    prod = errors_of(live.post(wrong))
    assert prod[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"  # type: ignore[index]
    assert "Did you mean" not in json.dumps(prod)
    for dev in serve(ref_store, dev=True):
        hinted = errors_of(dev.post(wrong))
        assert "Did you mean" in str(hinted[0]["message"])


# ---------------------------------------------------------------- GraphiQL

class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def test_graphiql_uses_local_assets_only(live_dev: Live) -> None:
    page = live_dev.client.get("/graphiql")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    parser = _Assets()
    parser.feed(page.text)
    assert len(parser.urls) >= 5
    for url in parser.urls:
        assert not urlsplit(url).netloc, url
        assert url.startswith("/static/"), url
        asset = live_dev.client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0
    init = live_dev.client.get("/static/graphiql/init.js").text
    assert not re.search(r"https?://", init)


def test_graphiql_and_static_are_absent_without_dev(live: Live) -> None:
    assert live.client.get("/graphiql").status_code == 404
    assert live.client.get("/static/graphiql/init.js").status_code == 404
