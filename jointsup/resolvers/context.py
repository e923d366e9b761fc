"""What every resolver receives: the store, the caller, the request's DataLoaders and its id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jointsup.graph.store import BaseGraphStore
from jointsup.resolvers.loaders import Loaders
from jointsup.services.policy import Principal


@dataclass
class RequestContext:
    """Built once per GraphQL request by the server."""

    store: BaseGraphStore
    principal: Principal
    request_id: str
    loaders: Loaders
    # Per-request state an area keeps for itself (e.g. the clue exchange's audited loader).
    area_state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, store: BaseGraphStore, principal: Principal, request_id: str) -> RequestContext:
        """A context with fresh DataLoaders (they cache for one request only)."""
        return cls(store, principal, request_id, Loaders(store))
