"""The GraphQL security limits: document size, depth, aliases and introspection, with stable codes.

They run as one strawberry extension *before* the standard validation, so a document over a limit
is refused with its limit's code alone and costs no more than a lexer pass and a tree walk.
"""

from __future__ import annotations

from collections import OrderedDict
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
    ValidationContext,
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
CACHE_SIZE = 512  # distinct documents kept parsed and validated, per process and mode
# Only documents up to this many characters are cached: clients' real queries are small, and a
# caller must not be able to pin CACHE_SIZE × 1 MiB of text and trees in every worker.
CACHEABLE_CHARS = 8192
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def limit_error(code: str, message: str) -> GraphQLError:
    """A GraphQL error carrying its stable code."""
    return GraphQLError(message, extensions={"code": code})


def count_tokens(query: str, stop_after: int) -> int:
    """Lexical tokens of a document as graphql-core's parser counts them (no comments, no EOF).

    Counting stops at `stop_after`, so a huge document costs no more than the limit.
    """
    lexer = Lexer(Source(query))
    n = 0
    while lexer.advance().kind is not TokenKind.EOF:
        n += 1
        if n >= stop_after:
            break
    return n


def _walk(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode],
          seen: frozenset[str]) -> Iterator[tuple[FieldNode, int]]:
    """Each field with its level (top-level fields are level 1), through fragments, once each."""
    if selection_set is None:
        return
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            yield sel, 1
            if sel.name.value not in INTROSPECTION_FIELDS:  # off outside --dev; schema-bounded
                for field, level in _walk(sel.selection_set, fragments, seen):
                    yield field, level + 1
        elif isinstance(sel, InlineFragmentNode):
            yield from _walk(sel.selection_set, fragments, seen)
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            if name in fragments and name not in seen:  # cycles are the standard rules' job
                yield from _walk(fragments[name].selection_set, fragments, seen | {name})


def _fragments(context: ValidationContext) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in context.document.definitions
            if isinstance(d, FragmentDefinitionNode)}


class DepthRule(ValidationRule):
    """At most MAX_DEPTH levels of fields (`{ a { b } }` is 2 deep) in any operation."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        depth = max((lvl for _, lvl in _walk(node.selection_set, _fragments(self.context),
                                             frozenset())), default=0)
        if depth > MAX_DEPTH:
            self.report_error(limit_error(
                "QUERY_TOO_DEEP", f"query depth {depth} exceeds the limit of {MAX_DEPTH}"))


class AliasRule(ValidationRule):
    """At most MAX_ALIASES aliases in the whole document, counted through fragment spreads."""

    def enter_document(self, *_: Any) -> None:
        fragments = _fragments(self.context)
        aliases = sum(1 for d in self.context.document.definitions
                      if isinstance(d, OperationDefinitionNode)
                      for field, _ in _walk(d.selection_set, fragments, frozenset())
                      if field.alias is not None)
        if aliases > MAX_ALIASES:
            self.report_error(limit_error(
                "TOO_MANY_ALIASES", f"{aliases} aliases exceed the limit of {MAX_ALIASES}"))


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
            elif count_tokens(query, MAX_TOKENS + 1) > MAX_TOKENS:
                error = limit_error("TOO_MANY_TOKENS",
                                    f"the document has more than {MAX_TOKENS} tokens")
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
        rules: list[type[ValidationRule]] = [DepthRule, AliasRule]
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
