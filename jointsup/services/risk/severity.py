"""Alert severity in [0, 1]: each model's score, in its own units, on one comparable scale.

Each `[models.<name>]` section calibrates its model with two settings (jointsup/data/risk.toml):
`severity_base`, how serious a barely-triggering finding of that model is, and
`severity_scores = [low, high]`, the score at which the model starts to trigger and the score
from which a finding is as serious as it gets. Then

    severity = base + (1 − base) × clamp((score − low) / (high − low), 0, 1)

which is monotone in the score, `base` at or below `low` and 1 from `high` on.
"""

from __future__ import annotations

from typing import Any

from jointsup.errors import ConfigError
from jointsup.services.risk.config import number


def severity(section: dict[str, Any], score: float) -> float:
    """The alert's severity under its model's calibration (rounded to 4 places)."""
    base, low, high = calibration(section)
    fraction = min(1.0, max(0.0, (score - low) / (high - low)))
    return round(base + (1.0 - base) * fraction, 4)


def calibration(section: dict[str, Any]) -> tuple[float, float, float]:
    """(base, low, high) of one model's section; ConfigError naming the key when wrong."""
    base = number(section, "severity_base")
    if not 0.0 <= base <= 1.0:
        raise ConfigError(f"risk setting 'severity_base' must be within [0, 1], not {base}")
    pair = section.get("severity_scores")
    if (not isinstance(pair, list) or len(pair) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair)
            or not pair[0] < pair[1]):
        raise ConfigError("risk setting 'severity_scores' must be [low, high] with low < high, "
                          f"not {pair!r}")
    return base, float(pair[0]), float(pair[1])
