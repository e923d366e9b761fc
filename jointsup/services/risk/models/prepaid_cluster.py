"""Prepaid-card complaints clustering at one enterprise (预付式消费投诉聚集) before it closes."""

from __future__ import annotations

from jointsup.services.risk.base import Alert, Context, register
from jointsup.services.risk.config import number, words
from jointsup.services.risk.models.evidence import as_date, clue_evidence, ent, name_of
from jointsup.services.risk.windows import clusters

NAME = "prepaid_cluster"


@register(NAME, "prepaid-card complaints clustering at one enterprise (预付卡投诉聚集)")
def run(ctx: Context) -> list[Alert]:
    """>= min_count prepaid-card clues against one enterprise within window_days."""
    cfg, world = ctx.settings, ctx.world
    window, need = int(number(cfg, "window_days")), int(number(cfg, "min_count"))
    keywords = words(cfg, "keywords")
    alerts = []
    for uscc, ids in sorted(world.clues_of.items()):
        if len(ids) < need or uscc not in world.enterprises:
            continue
        dated = [(d, c) for c in ids
                 if any(k in str(world.clues[c].props.get("text") or "") for k in keywords)
                 and (d := as_date(world.clue_day(c))) is not None]
        for ep in clusters([d for d, _ in dated], window, need):
            inside = [c for d, c in dated if ep.start <= d <= ep.end]
            nodes, edges = clue_evidence(world, uscc, inside)
            status = world.enterprises[uscc].props.get("status")
            alerts.append(Alert(
                NAME, ent(uscc), ep.start.isoformat(), float(ep.count),
                f"{name_of(world, uscc)} ({status}): {ep.count} prepaid-card clues "
                f"{ep.start}–{ep.end}",
                [uscc], nodes, edges, world.region_of(uscc)))
    return alerts
