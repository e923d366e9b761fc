"""One licence or credit code used by several shops (一照多用)."""

from __future__ import annotations

from jointsup.model import Node
from jointsup.services.risk.base import Alert, Context, register
from jointsup.services.risk.config import number, words
from jointsup.services.risk.models.evidence import clue_evidence, ent, name_of

NAME = "licence_shared"


def _own_names(company: Node) -> list[str]:
    names = [str(company.props.get("name") or "")]
    former = company.props.get("former_names")
    if isinstance(former, list):
        names.extend(str(n) for n in former)
    return [n for n in names if n]


def _other_shop(respondent: str, own: list[str]) -> bool:
    """A respondent name that is none of the enterprise's names nor a part of one."""
    return bool(respondent) and not any(respondent in n or n in respondent for n in own)


@register(NAME, "one licence or credit code used by several shops (一照多用)")
def run(ctx: Context) -> list[Alert]:
    """Enterprises whose clues name >= min_shops other shops, at least one saying so outright."""
    cfg, world = ctx.settings, ctx.world
    need, keywords = int(number(cfg, "min_shops")), words(cfg, "keywords")
    alerts = []
    for uscc, ids in sorted(world.clues_of.items()):
        company = world.enterprises.get(uscc)
        if company is None or len(ids) < need:
            continue
        own = _own_names(company)
        shops: dict[str, str] = {}  # shop (name, or the clue id when unnamed) → clue id
        said = []
        for clue_id in ids:
            node = world.clues[clue_id]
            text = str(node.props.get("text") or "")
            respondent = str(node.props.get("respondent_name") or "")
            keyword = any(k in text for k in keywords)
            if keyword:
                said.append(clue_id)
            if _other_shop(respondent, own):
                shops.setdefault(respondent, clue_id)
            elif keyword:
                shops.setdefault(f"#{clue_id}", clue_id)
        if not said or len(shops) < need:
            continue
        used = sorted(set(shops.values()) | set(said))
        nodes, edges = clue_evidence(world, uscc, used)
        named = sorted(s for s in shops if not s.startswith("#"))
        alerts.append(Alert(
            NAME, ent(uscc), "", float(len(shops)),
            f"{name_of(world, uscc)}: {len(shops)} shops trade under its licence "
            f"({len(said)} clues say so){': ' + ', '.join(named) if named else ''}",
            [uscc], nodes, edges, world.region_of(uscc)))
    return alerts
