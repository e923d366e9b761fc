"""Joint random inspection plans (双随机、一公开) and dashboard statistics."""

from __future__ import annotations

import strawberry


@strawberry.type
class PlanQuery:
    """Root query fields for inspection plans and stats; merged into `Query`."""


@strawberry.type
class PlanMutation:
    """Root mutations for inspection plans; merged into `Mutation`."""
