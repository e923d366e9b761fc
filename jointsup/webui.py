"""The web graph explorer at /explore: static page and locally installed JavaScript assets."""

from __future__ import annotations

from starlette.routing import Mount, Route


def routes() -> list[Route | Mount]:
    """Routes that serve the explorer (mounted in every mode, not only --dev)."""
    return []
