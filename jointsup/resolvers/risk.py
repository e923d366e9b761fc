"""Credit risk classes and risk-warning alerts."""

from __future__ import annotations

import strawberry


@strawberry.type
class RiskQuery:
    """Root query fields for credit classes and alerts; merged into `Query`."""


@strawberry.type
class RiskMutation:
    """Root mutations for alerts; merged into `Mutation`."""
