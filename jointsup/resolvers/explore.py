"""Investigator exploration: neighbourhoods, paths, suspected relations, clusters, communities."""

from __future__ import annotations

import strawberry


@strawberry.type
class ExploreQuery:
    """Root fields for investigators; merged into `Query`."""
