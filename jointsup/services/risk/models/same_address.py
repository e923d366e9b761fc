"""Many enterprises registered at one address (同址多企)."""

from __future__ import annotations

from jointsup.services.risk.base import Alert, Context, register
from jointsup.services.risk.config import number
from jointsup.services.risk.models.evidence import ent

NAME = "same_address"


@register(NAME, "many enterprises at one address (同址多企)")
def run(ctx: Context) -> list[Alert]:
    """Addresses with at least `min_enterprises` enterprises LOCATED_AT them (a store hub query)."""
    need = int(number(ctx.settings, "min_enterprises"))
    alerts = []
    for address, degree in ctx.tx.hubs(["LOCATED_AT"], end="dst", labels=["Enterprise"],
                                       min_degree=need):
        usccs = sorted({u for t, u in ctx.world.linked.get(address, []) if t == "LOCATED_AT"})
        region = next((r for u in usccs if (r := ctx.world.region_of(u))), "")
        alerts.append(Alert(
            NAME, address, "", float(degree),
            f"{degree} enterprises registered at {address.key}",
            usccs, [address, *(ent(u) for u in usccs)],
            [("LOCATED_AT", ent(u), address) for u in usccs], region))
    return alerts
