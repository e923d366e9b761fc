"""Queries built from the served schema: the deepest valid path, a misspelt root field."""

from __future__ import annotations

from functools import cache

from graphql import (
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_named_type,
)

from jointsup.server import build_served_schema

_LITERALS = {"String": '"x"', "ID": '"x"', "Int": "1", "Float": "1.0", "Boolean": "false"}


def _schema() -> GraphQLSchema:
    return build_served_schema(dev=False)._schema


def _arguments(field: GraphQLField) -> str | None:
    """Literals for a field's required arguments, or None when one cannot be made up."""
    parts = []
    for name, arg in field.args.items():
        if not isinstance(arg.type, GraphQLNonNull) or arg.default_value is not Undefined:
            continue
        inner = arg.type.of_type
        if not isinstance(inner, GraphQLScalarType) or inner.name not in _LITERALS:
            return None
        parts.append(f"{name}: {_LITERALS[inner.name]}")
    return f"({', '.join(parts)})" if parts else ""


def deep_query(limit: int) -> tuple[str, int]:
    """The deepest valid query of at most `limit` levels (`__typename` closes each path)."""
    schema = _schema()

    @cache
    def best(type_name: str, levels: int) -> tuple[int, str]:
        # Deepest selection on `type_name` using at most `levels` levels.
        depth, text = 1, "__typename"
        if levels <= 1:
            return depth, text
        obj = schema.get_type(type_name)
        assert isinstance(obj, GraphQLObjectType)
        for name, field in sorted(obj.fields.items()):
            target = get_named_type(field.type)
            args = _arguments(field)
            if not isinstance(target, GraphQLObjectType) or args is None:
                continue
            sub_depth, sub_text = best(target.name, levels - 1)
            if sub_depth + 1 > depth:
                depth, text = sub_depth + 1, f"{name}{args} {{ {sub_text} }}"
        return depth, text

    depth, text = best(schema.query_type.name if schema.query_type else "Query", limit)
    return f"{{ {text} }}", depth


def misspelled_root_field() -> str:
    """A query asking for a root field with its last letter dropped (graphql suggests it)."""
    schema = _schema()
    assert schema.query_type is not None
    name = sorted(n for n in schema.query_type.fields if len(n) > 3)[0]
    return f"{{ {name[:-1]} }}"
