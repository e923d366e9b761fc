"""Complaint surge against one trade in one county (行业投诉激增): z-score per industry × region."""

from __future__ import annotations

from collections import defaultdict

from jointsup.model import NodeRef
from jointsup.services.risk.base import Alert, Context, register
from jointsup.services.risk.config import number
from jointsup.services.risk.models.evidence import as_date, clue, ent
from jointsup.services.risk.windows import surges

NAME = "trade_surge"


@register(NAME, "complaint surge against one trade in one region (行业投诉激增)")
def run(ctx: Context) -> list[Alert]:
    """Clues grouped by (clue's county, respondent's industry prefix); one alert per episode."""
    cfg, world = ctx.settings, ctx.world
    digits = int(number(cfg, "industry_digits"))
    window, base = int(number(cfg, "window_days")), int(number(cfg, "baseline_windows"))
    min_count, z_min, min_std = int(number(cfg, "min_count")), number(cfg, "z_threshold"), \
        number(cfg, "min_std")
    groups: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for clue_id, usccs in world.respondents.items():
        node = world.clues.get(clue_id)
        received = world.clue_day(clue_id) if node else ""
        for uscc in sorted(set(usccs)):
            company = world.enterprises.get(uscc)
            if node is None or company is None or not received:
                continue
            region = str(node.props.get("region_code") or world.region_of(uscc))
            trade = str(company.props.get("industry_code") or "")[:digits]
            if region and trade:
                groups[(region, trade)].append((received, clue_id, uscc))
    alerts = []
    for (region, trade), rows in sorted(groups.items()):
        if len(rows) < min_count:
            continue
        rows.sort()
        dated = [(d, c, u) for r, c, u in rows if (d := as_date(r)) is not None]
        for ep in surges([d for d, _, _ in dated], window, base, min_count, z_min, min_std):
            inside = [(c, u) for d, c, u in dated if ep.start <= d <= ep.end]
            usccs = sorted({u for _, u in inside})
            alerts.append(Alert(
                NAME, NodeRef("Region", region), f"{trade}:{ep.start.isoformat()}", ep.z,
                f"industry {trade} in region {region}: {ep.count} clues {ep.start}–{ep.end} "
                f"against {len(usccs)} enterprises (z = {ep.z:.1f})",
                usccs, [NodeRef("Region", region), *(ent(u) for u in usccs),
                        *(clue(c) for c, _ in inside)],
                [("AGAINST", clue(c), ent(u)) for c, u in inside], region))
    return alerts
