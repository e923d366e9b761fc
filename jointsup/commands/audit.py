"""`jointsup audit verify|export`; registered on the main app by `jointsup.cli`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
