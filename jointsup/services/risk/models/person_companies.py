"""One person behind many companies (一人多企), above all struck-off or listed ones."""

from __future__ import annotations

from jointsup.services.risk.base import Alert, Context, register
from jointsup.services.risk.config import number, words
from jointsup.services.risk.models.evidence import ent, name_of
from jointsup.services.risk.world import World

NAME = "person_companies"


def troubled(world: World, uscc: str, statuses: set[str], lists: set[str]) -> bool:
    """Struck off (吊销…) or on one of `lists` (经营异常, 严重违法失信), removed entries aside."""
    node = world.enterprises.get(uscc)
    if node is not None and node.props.get("status") in statuses:
        return True
    return any(e.props.get("list") in lists and not e.props.get("removed_date")
               for e in world.lists.get(uscc, []))


@register(NAME, "one person behind many companies, or several struck-off/listed ones (一人多企)")
def run(ctx: Context) -> list[Alert]:
    """People with >= min_companies companies, or >= min_troubled struck-off or listed ones."""
    cfg, world = ctx.settings, ctx.world
    roles = words(cfg, "roles")
    many, bad_min = int(number(cfg, "min_companies")), int(number(cfg, "min_troubled"))
    statuses, lists = set(words(cfg, "statuses")), set(words(cfg, "lists"))
    alerts = []
    for person, degree in ctx.tx.hubs(roles, end="src", labels=["Enterprise"],
                                      min_degree=min(many, bad_min)):
        links = sorted({(t, u) for t, u in world.linked.get(person, []) if t in roles})
        usccs = sorted({u for _, u in links})
        bad = [u for u in usccs if troubled(world, u, statuses, lists)]
        if degree < many and len(bad) < bad_min:
            continue
        region = next((r for u in usccs if (r := world.region_of(u))), "")
        detail = "; ".join(f"{name_of(world, u)}{' (struck off/listed)' if u in bad else ''}"
                           for u in usccs)
        alerts.append(Alert(
            NAME, person, "", float(degree + 2 * len(bad)),
            f"person {person.key} holds roles in {degree} companies, {len(bad)} struck off or "
            f"listed: {detail}",
            usccs, [person, *(ent(u) for u in usccs)], [(t, person, ent(u)) for t, u in links],
            region))
    return alerts
