"""The parse and validation cache inside the security limits: same answers, bounded, per mode."""

from __future__ import annotations

from graphql import parse

from jointsup.resolvers import limits
from jointsup.resolvers.limits import CACHEABLE_CHARS, DocumentCache
from jointsup.server import build_served_schema

INTROSPECT = "{ __schema { queryType { name } } }"


def codes(result: object) -> list[str]:
    errors = getattr(result, "errors", None) or []
    return [e.extensions.get("code", "") for e in errors]


def test_a_repeated_document_is_served_from_the_cache_with_the_same_answer() -> None:
    schema = build_served_schema(dev=False)
    query = "{ __typename }"
    first = schema.execute_sync(query)
    entry = limits._CACHES[False].get(query)
    assert entry is not None
    assert entry[1] == []
    second = schema.execute_sync(query)
    assert first.data == second.data == {"__typename": "Query"}


def test_a_refused_document_is_refused_again_with_its_code() -> None:
    schema = build_served_schema(dev=False)
    deep = "{ " + "node(id: \"x\") { ... on Enterprise { branches { edges { " * 4 + "cursor" \
        + " } } } }" * 4 + " }"
    assert codes(schema.execute_sync(deep)) == ["QUERY_TOO_DEEP"]
    assert codes(schema.execute_sync(deep)) == ["QUERY_TOO_DEEP"]
    unknown = "{ noSuchField }"
    assert codes(schema.execute_sync(unknown)) == codes(schema.execute_sync(unknown))
    assert schema.execute_sync(unknown).errors


def test_introspection_cached_in_dev_stays_refused_outside_dev() -> None:
    dev, prod = build_served_schema(dev=True), build_served_schema(dev=False)
    assert dev.execute_sync(INTROSPECT).errors is None
    assert codes(prod.execute_sync(INTROSPECT)) == ["INTROSPECTION_DISABLED"]


def test_the_cache_keeps_only_the_most_recently_used_documents() -> None:
    cache = DocumentCache(size=2)
    for q in ("{ a }", "{ b }"):
        cache.put(q, parse(q))
    assert cache.get("{ a }") is not None  # now the most recent
    cache.put("{ c }", parse("{ c }"))
    assert cache.get("{ b }") is None
    assert cache.get("{ a }") is not None
    assert cache.get("{ c }") is not None


def test_large_documents_are_never_cached() -> None:
    cache = DocumentCache(size=4)
    big = "{ __typename " + "#" * CACHEABLE_CHARS + "\n}"
    cache.put(big, parse(big))
    assert cache.get(big) is None
    small = "{ __typename }"
    cache.put(small, parse(small))
    assert cache.get(small) is not None
