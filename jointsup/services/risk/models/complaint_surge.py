"""Complaint surge against one enterprise (投诉激增): rolling-window z-score of its clues."""

from __future__ import annotations

from jointsup.services.risk.base import Alert, Context, register
from jointsup.services.risk.config import number
from jointsup.services.risk.models.evidence import as_date, clue_evidence, ent, name_of
from jointsup.services.risk.windows import surges

NAME = "complaint_surge"


@register(NAME, "complaint surge against one enterprise (投诉激增)")
def run(ctx: Context) -> list[Alert]:
    """One alert per surge episode per enterprise."""
    cfg, world = ctx.settings, ctx.world
    window, base = int(number(cfg, "window_days")), int(number(cfg, "baseline_windows"))
    min_count, z_min, min_std = int(number(cfg, "min_count")), number(cfg, "z_threshold"), \
        number(cfg, "min_std")
    alerts = []
    for uscc, ids in sorted(world.clues_of.items()):
        if len(ids) < min_count or uscc not in world.enterprises:
            continue
        dated = [(d, c) for c in ids if (d := as_date(world.clue_day(c))) is not None]
        days = [d for d, _ in dated]
        for ep in surges(days, window, base, min_count, z_min, min_std):
            inside = [c for d, c in dated if ep.start <= d <= ep.end]
            nodes, edges = clue_evidence(world, uscc, inside)
            alerts.append(Alert(
                NAME, ent(uscc), ep.start.isoformat(), ep.z,
                f"{name_of(world, uscc)}: {ep.count} clues {ep.start}–{ep.end} "
                f"(z = {ep.z:.1f} against the {base} earlier {window}-day windows)",
                [uscc], nodes, edges, world.region_of(uscc)))
    return alerts
