"""The clue exchange's configuration (data/clues.toml): deadlines, sharing scope.

Deadlines count working days of the shared calendar (services/workdays.py).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jointsup.errors import ConfigError
from jointsup.services.workdays import WorkCalendar, work_calendar


@dataclass(frozen=True)
class ClueConfig:
    """Deadlines in working days (工作日), the work calendar and the partner's sharing scope."""

    accept_days: int
    verify_days: int
    extension_days: int
    partner_fields: frozenset[str]
    data_dir: Path | None = None  # whose calendar.toml counts (None: the environment's)

    @property
    def calendar(self) -> WorkCalendar:
        """The shared working-day calendar (jointsup/data/calendar.toml + DATA_DIR's)."""
        return work_calendar(self.data_dir)


def parse_config(text: str, source: str = "clues.toml") -> ClueConfig:
    """A configuration from TOML text; errors name the key."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    deadlines = _table(doc, "deadlines", source)
    sharing = _table(doc, "sharing", source)
    return ClueConfig(
        _days(deadlines, "accept_working_days", source),
        _days(deadlines, "verify_working_days", source),
        _days(deadlines, "extension_working_days", source),
        frozenset(_strings(sharing, "partner_fields", source)))


@cache
def default_config() -> ClueConfig:
    """The configuration shipped in the package."""
    path = files("jointsup") / "data" / "clues.toml"
    return parse_config(path.read_text(encoding="utf-8"), "jointsup/data/clues.toml")


def _table(doc: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    value = doc.get(name)
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: [{name}] is missing")
    return value


def _days(table: dict[str, Any], key: str, source: str) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 365:
        raise ConfigError(f"{source}: {key} must be a whole number of days from 1 to 365")
    return value


def _strings(table: dict[str, Any], key: str, source: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: {key} must be a list of strings")
    return value

