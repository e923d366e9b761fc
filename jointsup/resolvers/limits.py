"""The GraphQL security limits: document size, depth, aliases and introspection, with stable codes.

They run as one strawberry extension *before* the standard validation, so a document over a limit
is refused with its limit's code alone and costs no more than a lexer pass and a tree walk.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, cast

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    TokenKind,
    ValidationRule,
    validate,
)
from graphql.language import DocumentNode, Lexer
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000
MAX_COMMENTS = 2000
# Pairs of same-named fields in one selection set (through fragments), summed over the document:
# graphql-core compares each such pair, so 1,990 copies of one field (within the token limit) cost
# about a second to validate. 30,000 pairs is about 245 copies of one field, ~0.1 s.
MAX_FIELD_PAIRS = 30_000
# Variable values in one request (checked by the server): a document declares a few dozen at most.
MAX_VARIABLES = 500
# Digits of a number literal: Int is 32-bit and Python refuses to convert 4,300+ digits anyway.
MAX_NUMBER_CHARS = 64
CACHE_SIZE = 512  # distinct documents kept parsed and validated, per process and mode
# Only documents up to this many characters are cached: clients' real queries are small, and a
# caller must not be able to pin CACHE_SIZE × 1 MiB of text and trees in every worker.
CACHEABLE_CHARS = 8192
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
# The codes of a document refused before it runs: the limits', graphql-core's parse and validation.
LIMIT_CODES = frozenset({"TOO_MANY_TOKENS", "NUMBER_TOO_LONG", "QUERY_TOO_DEEP", "TOO_MANY_ALIASES",
                         "TOO_MANY_REPEATED_FIELDS", "INTROSPECTION_DISABLED"})
DOCUMENT_ERROR_CODES = LIMIT_CODES | {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"}
_NUMBERS = frozenset({TokenKind.INT, TokenKind.FLOAT})


def limit_error(code: str, message: str) -> GraphQLError:
    """A GraphQL error carrying its stable code."""
    return GraphQLError(message, extensions={"code": code})


def lexical_error(query: str) -> GraphQLError | None:
    """TOO_MANY_TOKENS or NUMBER_TOO_LONG, from one lexer pass that stops past the token limit.

    Tokens are counted as graphql-core's parser counts them (no comments, no EOF), so a huge
    document costs no more than the limit.
    """
    lexer = Lexer(Source(query))
    n = 0
    while (token := lexer.advance()).kind is not TokenKind.EOF:
        n += 1
        if n > MAX_TOKENS:
            return limit_error("TOO_MANY_TOKENS", f"the document has more than {MAX_TOKENS} tokens")
        if token.kind in _NUMBERS and len(token.value or "") > MAX_NUMBER_CHARS:
            return limit_error("NUMBER_TOO_LONG", f"a number literal is longer than "
                                                  f"{MAX_NUMBER_CHARS} characters")
    return None


class Shape:
    """Depth, aliases and repeated fields of a document, each fragment measured once.

    Measuring every spread afresh would cost 2**n for n fragments that each spread the next twice
    (a few hundred tokens, and a walk that never ends), so each fragment's figures are memoized;
    the figures still count a fragment once per spread, as if it were written out there.
    """

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[str, tuple[int, int]] = {}
        self.keys_memo: dict[str, Counter[str]] = {}
        self.active: set[str] = set()  # fragments being measured: cycles count as empty here
        self.pairs = 0  # pairs of same-named fields in one selection set, over all sets

    def measure(self, selection_set: SelectionSetNode | None) -> tuple[int, int]:
        """(depth, aliases) of a selection set: `{ a { b } }` is 2 deep."""
        depth = aliases = 0
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                sub = (0, 0) if sel.name.value in INTROSPECTION_FIELDS else \
                    self.measure(sel.selection_set)  # off outside --dev; schema-bounded
                depth, aliases = max(depth, sub[0] + 1), aliases + sub[1] + (sel.alias is not None)
            elif isinstance(sel, InlineFragmentNode | FragmentSpreadNode):
                sub = self.measure(sel.selection_set) if isinstance(sel, InlineFragmentNode) \
                    else self._fragment(sel.name.value, self.memo, self.measure, (0, 0))
                depth, aliases = max(depth, sub[0]), aliases + sub[1]
        return depth, aliases

    def keys(self, selection_set: SelectionSetNode | None) -> Counter[str]:
        """The response keys one selection set collects, through its fragments (each spread
        once, as graphql-core does); adds their same-named pairs, and those of nested sets."""
        found: Counter[str] = Counter()
        spread: set[str] = set()
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                found[(sel.alias or sel.name).value] += 1
                if sel.selection_set is not None:
                    self.keys(sel.selection_set)
            elif isinstance(sel, InlineFragmentNode):
                found.update(self.keys(sel.selection_set))
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in spread:
                spread.add(sel.name.value)
                found.update(self.fragment_keys(sel.name.value))
        self.pairs += sum(n * (n - 1) // 2 for n in found.values())
        return found

    def fragment_keys(self, name: str) -> Counter[str]:
        """`keys` of a named fragment, worked out (and its pairs added) once."""
        found: Counter[str] = self._fragment(name, self.keys_memo, self.keys, Counter())
        return found

    def _fragment(self, name: str, memo: dict[str, Any], fn: Callable[[Any], Any],
                  empty: Any) -> Any:
        if name in memo:
            return memo[name]
        if name not in self.fragments or name in self.active:  # unknown or a cycle: the
            return empty  # standard rules report those
        self.active.add(name)
        try:
            memo[name] = fn(self.fragments[name].selection_set)
        finally:
            self.active.discard(name)
        return memo[name]


class ShapeRule(ValidationRule):
    """Depth (per operation), aliases (per document) and repeated fields, each with its code."""

    def enter_document(self, document: DocumentNode, *_: Any) -> None:
        shape = Shape(document)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        figures = [shape.measure(op.selection_set) for op in operations]
        depth = max((d for d, _ in figures), default=0)
        aliases = sum(a for _, a in figures)
        if depth > MAX_DEPTH:
            self.report_error(limit_error(
                "QUERY_TOO_DEEP", f"query depth {depth} exceeds the limit of {MAX_DEPTH}"))
        if aliases > MAX_ALIASES:
            self.report_error(limit_error(
                "TOO_MANY_ALIASES", f"{aliases} aliases exceed the limit of {MAX_ALIASES}"))
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                shape.keys(definition.selection_set)
            elif isinstance(definition, FragmentDefinitionNode):  # unused ones count too
                shape.fragment_keys(definition.name.value)
        if shape.pairs > MAX_FIELD_PAIRS:
            self.report_error(limit_error(
                "TOO_MANY_REPEATED_FIELDS", f"{shape.pairs} pairs of same-named fields exceed the "
                f"limit of {MAX_FIELD_PAIRS}"))


class NoIntrospectionRule(ValidationRule):
    """No `__schema` or `__type` outside --dev (`__typename` stays: clients need it)."""

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in INTROSPECTION_FIELDS:
            self.report_error(limit_error(
                "INTROSPECTION_DISABLED", "introspection is disabled on this server"))


class DocumentCache:
    """Parsed documents and their validation errors by query text: clients repeat few queries.

    Least recently used entries go first; errors are cached too, so a refused document is refused
    again without another walk. One instance per mode, since introspection is allowed only in dev.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.entries: OrderedDict[str, tuple[DocumentNode, list[GraphQLError] | None]] = (
            OrderedDict())

    def get(self, query: str) -> tuple[DocumentNode, list[GraphQLError] | None] | None:
        """The cached entry, marked as recently used."""
        entry = self.entries.get(query)
        if entry is not None:
            self.entries.move_to_end(query)
        return entry

    def put(self, query: str, document: DocumentNode,
            errors: list[GraphQLError] | None = None) -> None:
        """Remember a parsed document (and, once known, its validation errors) if it is small."""
        if len(query) > CACHEABLE_CHARS:
            return
        self.entries[query] = (document, errors)
        self.entries.move_to_end(query)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


_CACHES = {False: DocumentCache(), True: DocumentCache()}


class SecurityLimits(SchemaExtension):
    """Tokens at parse time; depth, aliases, introspection (outside dev) before validation.

    Also the server's parse and validation cache: strawberry's own caching extensions would each
    set the errors this extension sets, so one extension owns both steps.
    """

    def __init__(self, *, dev: bool = False) -> None:
        self.dev = dev
        self.cache = _CACHES[dev]

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        query = ctx.query
        if ctx.graphql_document is None and query:
            cached = self.cache.get(query)
            if cached is not None:
                ctx.graphql_document = cached[0]  # strawberry then skips parsing
            elif (error := lexical_error(query)) is not None:
                ctx.pre_execution_errors = [error]
                raise error
        # graphql-core's own guards: the same token limit as a backstop, and comments (which are
        # not tokens) bounded too; a document over MAX_COMMENTS fails to parse.
        # (strawberry's ParseOptions TypedDict predates these graphql-core 3.3 options.)
        options = cast(dict[str, Any], ctx.parse_options)
        options.update(max_lexical_tokens=MAX_TOKENS, max_comments=MAX_COMMENTS)
        yield
        if query and ctx.graphql_document is not None and self.cache.get(query) is None:
            self.cache.put(query, ctx.graphql_document)

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.graphql_document is not None and ctx.pre_execution_errors is None:
            ctx.pre_execution_errors = self._errors(ctx.query or "", ctx.graphql_document)
        yield

    def _errors(self, query: str, document: DocumentNode) -> list[GraphQLError]:
        """The limits' errors, else the standard rules' (an empty list: valid), cached by text."""
        cached = self.cache.get(query)
        if cached is not None and cached[1] is not None:
            return cached[1]
        rules: list[type[ValidationRule]] = [ShapeRule]
        if not self.dev:
            rules.append(NoIntrospectionRule)
        # The limits first: a document over one is refused with its code alone, and cheaply.
        errors = validate(self.execution_context.schema._schema, document, rules)
        if not errors:
            errors = validate_document(self.execution_context.schema._schema, document,
                                       self.execution_context.validation_rules)
        if query:
            self.cache.put(query, document, errors)
        return errors


def security_extensions(dev: bool) -> list[Callable[[], SchemaExtension]]:
    """The extensions every served schema carries; `dev` allows introspection."""
    return [partial(SecurityLimits, dev=dev)]
