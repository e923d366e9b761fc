"""An entity with clues in both Sichuan (51) and Chongqing (50) (川渝两地线索)."""

from __future__ import annotations

from jointsup.services.risk.base import Alert, Context, register
from jointsup.services.risk.config import number, words
from jointsup.services.risk.models.evidence import clue_evidence, ent, name_of

NAME = "cross_region"


@register(NAME, "an entity with clues in both Sichuan and Chongqing (川渝两地线索)")
def run(ctx: Context) -> list[Alert]:
    """Enterprises with >= min_per_side clues in each of the configured provinces."""
    cfg, world = ctx.settings, ctx.world
    provinces, need = words(cfg, "provinces"), int(number(cfg, "min_per_side"))
    alerts = []
    for uscc, ids in sorted(world.clues_of.items()):
        if uscc not in world.enterprises:
            continue
        sides = {p: [c for c in ids
                     if str(world.clues[c].props.get("region_code") or "").startswith(p)]
                 for p in provinces}
        if any(len(found) < need for found in sides.values()):
            continue
        used = sorted({c for found in sides.values() for c in found})
        nodes, edges = clue_evidence(world, uscc, used)
        counts = ", ".join(f"{p}: {len(found)}" for p, found in sides.items())
        alerts.append(Alert(
            NAME, ent(uscc), "", float(min(len(f) for f in sides.values())),
            f"{name_of(world, uscc)} has clues on both sides (by province {counts})",
            [uscc], nodes, edges, world.region_of(uscc)))
    return alerts
