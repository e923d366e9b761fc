"""Overdue special-equipment inspection (特种设备定期检验逾期): lifts, boilers, gas cylinders …"""

from __future__ import annotations

from datetime import timedelta

from jointsup.model import NodeRef
from jointsup.services.risk.base import Alert, Context, register
from jointsup.services.risk.config import number, words
from jointsup.services.risk.models.evidence import as_date, ent, name_of
from jointsup.services.risk.world import day, scan

NAME = "special_equipment"
ACTIVE = ("存续", "在业")


@register(NAME, "overdue special-equipment inspection (特种设备定期检验逾期)")
def run(ctx: Context) -> list[Alert]:
    """Active enterprises whose last special-equipment check is older than interval_days."""
    cfg, world = ctx.settings, ctx.world
    interval = timedelta(days=int(number(cfg, "interval_days")))
    keywords = words(cfg, "item_keywords")
    items = {n.key for n in scan(ctx.tx, "SupervisionItem")
             if any(k in str(n.props.get("name") or "") for k in keywords)}
    alerts = []
    for uscc, actions in sorted(world.inspections.items()):
        company = world.enterprises.get(uscc)
        if company is None or company.props.get("status") not in ACTIVE:
            continue
        checks = sorted((n for n in actions if n.props.get("item_code") in items
                         and day(n, "date") <= ctx.as_of.isoformat()),
                        key=lambda n: (day(n, "date"), n.key))
        last = as_date(day(checks[-1], "date")) if checks else None
        if last is None or last + interval >= ctx.as_of:
            continue
        due = last + interval
        ref = NodeRef("Inspection", checks[-1].key)
        item = NodeRef("SupervisionItem", str(checks[-1].props.get("item_code")))
        overdue = (ctx.as_of - due).days
        alerts.append(Alert(
            NAME, ent(uscc), due.isoformat(), float(overdue),
            f"{name_of(world, uscc)}: last special-equipment check {last} "
            f"({item.key}), due {due}, {overdue} days overdue",
            [uscc], [ent(uscc), ref, item],
            [("TARGETS", ref, ent(uscc)), ("UNDER_ITEM", ref, item)], world.region_of(uscc)))
    return alerts
