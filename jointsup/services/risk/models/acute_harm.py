"""Complaint texts naming acute harm (急性危害: 食物中毒, 爆炸, 窒息 …)."""

from __future__ import annotations

from jointsup.services.risk.base import Alert, Context, register
from jointsup.services.risk.config import number, words
from jointsup.services.risk.models.evidence import clue, ent, window_start
from jointsup.services.risk.world import day

NAME = "acute_harm"


@register(NAME, "complaint texts naming acute harm (食物中毒, 爆炸, 窒息 …)")
def run(ctx: Context) -> list[Alert]:
    """One alert per clue received in the window whose text names a harm term."""
    cfg, world = ctx.settings, ctx.world
    terms = words(cfg, "terms")
    since = window_start(ctx.as_of, int(number(cfg, "window_days")))
    alerts = []
    for clue_id, node in sorted(world.clues.items()):
        received = day(node, "received_at")
        if not since <= received <= ctx.as_of.isoformat():
            continue
        text = str(node.props.get("text") or "")
        named = [t for t in terms if t in text]
        if not named:
            continue
        usccs = sorted(set(world.respondents.get(clue_id, [])))
        alerts.append(Alert(
            NAME, clue(clue_id), "", float(len(named)),
            f"clue {clue_id} ({received}) names {', '.join(named)}",
            usccs, [clue(clue_id), *(ent(u) for u in usccs)],
            [("AGAINST", clue(clue_id), ent(u)) for u in usccs],
            str(node.props.get("region_code") or "")))
    return alerts
