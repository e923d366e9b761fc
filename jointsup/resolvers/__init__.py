"""GraphQL types and resolvers (strawberry): thin, they call services through DataLoaders."""

from jointsup.resolvers.context import RequestContext
from jointsup.resolvers.schema import build_schema

__all__ = ["RequestContext", "build_schema"]
