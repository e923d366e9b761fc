"""The document measures behind the security limits: linear in the document, fragments included."""

from __future__ import annotations

from graphql import parse

from jointsup.resolvers.limits import MAX_NUMBER_CHARS, MAX_TOKENS, Shape, lexical_error


def diamond(levels: int) -> str:
    """`levels` fragments, each with one alias and spreading the next twice: 2**levels paths."""
    return "{ ...F0 } " + " ".join(f"fragment F{i} on Query {{ a{i}: x ...F{i + 1} ...F{i + 1} }}"
                                   for i in range(levels)) + f" fragment F{levels} on Query {{ y }}"


def measure(query: str) -> tuple[int, int, int]:
    """(depth, aliases, same-named pairs) of the first operation, as the limits see them."""
    document = parse(query, max_tokens=100_000)
    shape = Shape(document)
    depth, aliases = shape.measure(document.definitions[0].selection_set)  # type: ignore[attr-defined]
    shape.keys(document.definitions[0].selection_set)  # type: ignore[attr-defined]
    for definition in document.definitions[1:]:
        shape.fragment_keys(definition.name.value)  # type: ignore[attr-defined]
    return depth, aliases, shape.pairs


def test_depth_and_aliases_count_each_spread_as_written_out() -> None:
    assert measure("{ a { b { c } } d }")[:2] == (3, 0)
    assert measure("{ x: a { ...F } ...F } fragment F on T { y: b { c } }")[:2] == (3, 3)
    assert measure("{ a { ... on T { b { c } } } }")[:2] == (3, 0)


def test_a_fragment_diamond_is_measured_once_per_fragment() -> None:
    """60 levels is 2**60 paths: only memoized measuring finishes (and counts them all)."""
    depth, aliases, _ = measure(diamond(60))
    assert depth == 1
    assert aliases == 2 ** 60 - 1


def test_cycles_end_the_walk() -> None:
    """A fragment met again inside itself counts as empty (the standard rules refuse cycles)."""
    assert measure("{ ...A } fragment A on Q { a ...B } fragment B on Q { b { ...A } }")[0] == 1
    assert measure("{ ...A } fragment A on Q { a a ...A }")[2] == 1 + 1  # in A, in the root


def test_same_named_pairs_follow_fragments_once_per_selection_set() -> None:
    assert measure("{ a a a }")[2] == 3
    assert measure("{ a b }")[2] == 0
    # F is collected once in the root set however often it is spread: a, a, a → 3 pairs.
    assert measure("{ a ...F ...F } fragment F on Q { a a }")[2] == 3 + 1
    assert measure("{ x { a a } x { a a } }")[2] == 1 + 1 + 1


def test_lexical_limits() -> None:
    assert lexical_error("{ a }") is None
    digits = "9" * (MAX_NUMBER_CHARS + 1)
    too_long = lexical_error(f"{{ a(n: {digits}) }}")
    assert too_long is not None
    assert too_long.extensions == {"code": "NUMBER_TOO_LONG"}
    assert lexical_error(f"{{ a(n: {digits[1:]}) }}") is None
    many = lexical_error("{ " + "a " * MAX_TOKENS + "}")
    assert many is not None
    assert many.extensions == {"code": "TOO_MANY_TOKENS"}
    assert lexical_error("{ " + "a " * (MAX_TOKENS - 2) + "}") is None
