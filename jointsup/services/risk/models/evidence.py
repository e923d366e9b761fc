"""Small helpers the models share to name nodes and build evidence."""

from __future__ import annotations

from datetime import date, timedelta

from jointsup.model import NodeRef
from jointsup.services.risk.base import Edge
from jointsup.services.risk.world import World


def ent(uscc: str) -> NodeRef:
    """An enterprise's reference."""
    return NodeRef("Enterprise", uscc)


def clue(clue_id: str) -> NodeRef:
    """A clue's reference."""
    return NodeRef("Clue", clue_id)


def as_date(text: str) -> date | None:
    """An ISO day, None when empty or malformed."""
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def window_start(as_of: date, window_days: int) -> str:
    """The first day (ISO) of the `window_days` days ending on `as_of`, both ends included."""
    return (as_of - timedelta(days=max(window_days, 1) - 1)).isoformat()


def clue_evidence(world: World, uscc: str, clue_ids: list[str]
                  ) -> tuple[list[NodeRef], list[Edge]]:
    """The enterprise, the clues and their AGAINST edges."""
    nodes = [ent(uscc), *(clue(c) for c in clue_ids)]
    edges: list[Edge] = [("AGAINST", clue(c), ent(uscc)) for c in clue_ids]
    return nodes, edges


def name_of(world: World, uscc: str) -> str:
    """An enterprise's name for explanations (its code when unknown)."""
    node = world.enterprises.get(uscc)
    return str(node.props.get("name") or uscc) if node else uscc
