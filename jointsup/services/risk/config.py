"""Risk configuration: the packaged risk.toml, overridden by the file JOINTSUP_RISK_CONFIG names."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from jointsup.errors import ConfigError

ENV_VAR = "JOINTSUP_RISK_CONFIG"
Section = dict[str, Any]


def _merge(base: Section, patch: Mapping[str, Any]) -> Section:
    out = dict(base)
    for name, value in patch.items():
        if isinstance(value, Mapping) and isinstance(out.get(name), dict):
            out[name] = _merge(out[name], value)
        else:
            out[name] = value
    return out


def default_config() -> Section:
    """The packaged defaults (jointsup/data/risk.toml)."""
    text = resources.files("jointsup").joinpath("data/risk.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_config(path: Path | str | None = None, env: Mapping[str, str] | None = None,
                overrides: Mapping[str, Any] | None = None) -> Section:
    """Defaults, then the file at `path` (or JOINTSUP_RISK_CONFIG), then `overrides`."""
    config = default_config()
    env = os.environ if env is None else env
    chosen = path or env.get(ENV_VAR) or None
    if chosen:
        try:
            patch = tomllib.loads(Path(chosen).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{ENV_VAR}: cannot read {chosen}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{ENV_VAR}: {chosen} is not valid TOML: {exc}") from None
        config = _merge(config, patch)
    if overrides:
        config = _merge(config, overrides)
    return config


def model_config(config: Section, model: str) -> Section:
    """One model's section; ConfigError when the configuration lacks it."""
    section = config.get("models", {}).get(model)
    if not isinstance(section, dict):
        raise ConfigError(f"risk configuration has no [models.{model}] section")
    return section


def number(section: Section, name: str) -> float:
    """A numeric setting, named in the error when missing or not a number."""
    value = section.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"risk setting {name!r} must be a number, not {value!r}")
    return float(value)


def words(section: Section, name: str) -> list[str]:
    """A list-of-strings setting."""
    value = section.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"risk setting {name!r} must be a list of strings")
    return list(value)
