"""Repeated violations (屡查屡犯): several penalties or orders to rectify within a window."""

from __future__ import annotations

from jointsup.model import NodeRef
from jointsup.services.risk.base import Alert, Context, register
from jointsup.services.risk.config import number, words
from jointsup.services.risk.models.evidence import ent, name_of, window_start
from jointsup.services.risk.world import day

NAME = "repeat_violation"


@register(NAME, "repeated violations found by inspections (屡查屡犯)")
def run(ctx: Context) -> list[Alert]:
    """One alert per enterprise with at least `min_violations` bad results in the window."""
    cfg, world = ctx.settings, ctx.world
    since = window_start(ctx.as_of, int(number(cfg, "window_days")))
    until = ctx.as_of.isoformat()
    bad = set(words(cfg, "results"))
    need = int(number(cfg, "min_violations"))
    alerts = []
    for uscc, actions in sorted(world.inspections.items()):
        hits = sorted((n for n in actions if n.props.get("result") in bad
                       and since <= day(n, "date") <= until), key=lambda n: (day(n, "date"), n.key))
        if len(hits) < need or uscc not in world.enterprises:
            continue
        refs = [NodeRef("Inspection", n.key) for n in hits]
        results = ", ".join(f"{day(n, 'date')} {n.props.get('result')}" for n in hits)
        alerts.append(Alert(
            NAME, ent(uscc), "", float(len(hits)),
            f"{name_of(world, uscc)}: {len(hits)} violations since {since}: {results}",
            [uscc], [ent(uscc), *refs], [("TARGETS", r, ent(uscc)) for r in refs],
            world.region_of(uscc)))
    return alerts
