"""The clue lifecycle and the Sichuan–Chongqing clue exchange (线索移送、协查、反馈)."""

from __future__ import annotations

import strawberry


@strawberry.type
class ClueQuery:
    """Root query fields for clues; merged into `Query`."""


@strawberry.type
class ClueMutation:
    """Root mutations of the clue lifecycle; merged into `Mutation`."""
