"""The exchange's delivery settings: `[exchange]` in data/clues.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from jointsup.errors import ConfigError

SOURCE = "jointsup/data/clues.toml"


@dataclass(frozen=True)
class ExchangeConfig:
    """How often and how patiently the outbox is delivered."""

    poll_s: float = 1.0
    timeout_s: float = 10.0
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_attempts: int = 20


def parse_exchange(text: str, source: str = SOURCE) -> ExchangeConfig:
    """The `[exchange]` table of a clues.toml; errors name the key."""
    try:
        table: Any = tomllib.loads(text).get("exchange")
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [exchange] is missing")
    attempts = table.get("max_attempts")
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 1000:
        raise ConfigError(f"{source}: exchange.max_attempts must be a whole number from 1 to 1000")
    return ExchangeConfig(_seconds(table, "poll_seconds", source),
                          _seconds(table, "timeout_seconds", source),
                          _seconds(table, "base_delay_seconds", source),
                          _seconds(table, "max_delay_seconds", source), attempts)


def _seconds(table: dict[str, Any], key: str, source: str) -> float:
    value = table.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 3600:
        raise ConfigError(f"{source}: exchange.{key} must be a number of seconds in (0, 3600]")
    return float(value)


@cache
def exchange_config() -> ExchangeConfig:
    """The settings shipped in the package."""
    return parse_exchange((files("jointsup") / "data" / "clues.toml").read_text("utf-8"))
