"""A new company of a serious-violation-list member (失信主体另起炉灶)."""

from __future__ import annotations

from datetime import timedelta

from jointsup.model import NodeRef
from jointsup.services.risk.base import Alert, Context, Edge, register
from jointsup.services.risk.config import number, words
from jointsup.services.risk.models.evidence import as_date, ent, name_of
from jointsup.services.risk.world import World, day

NAME = "serious_new_company"


def _marked(world: World, uscc: str, revoked: bool) -> tuple[str, NodeRef | None] | None:
    """The day an enterprise was put on the serious-violation list (its entry), if ever."""
    entries = sorted((day(e, "date"), e.key) for e in world.lists.get(uscc, [])
                     if e.props.get("list") == "serious_violation")
    if entries:
        return entries[0][0], NodeRef("ListEntry", entries[0][1])
    node = world.enterprises.get(uscc)
    if revoked and node is not None and node.props.get("status") == "吊销":
        return "", None  # revoked without a dated entry: any later company counts
    return None


@register(NAME, "a new company of a serious-violation-list member (失信主体新设企业)")
def run(ctx: Context) -> list[Alert]:
    """Companies set up after (within max_days_after) a person's other company was listed."""
    cfg, world = ctx.settings, ctx.world
    roles = set(words(cfg, "roles"))
    span = timedelta(days=int(number(cfg, "max_days_after")))
    revoked = bool(cfg.get("include_revoked", True))
    found: dict[str, tuple[list[NodeRef], list[Edge], list[str]]] = {}
    for person, links in sorted(world.linked.items()):
        if person.label != "Person":
            continue
        usccs = sorted({u for t, u in links if t in roles})
        marks = {u: m for u in usccs if (m := _marked(world, u, revoked)) is not None}
        for new in usccs:
            born = as_date(day(world.enterprises[new], "established")) \
                if new in world.enterprises else None
            if new in marks or born is None:
                continue
            for old, (listed, entry) in marks.items():
                start = as_date(listed)
                if start is not None and not start <= born <= start + span:
                    continue
                nodes, edges, why = found.setdefault(new, ([ent(new)], [], []))
                nodes += [person, ent(old), *([entry] if entry else [])]
                edges += [(t, person, ent(u)) for t, u in links if u in (old, new) and t in roles]
                if entry:
                    edges.append(("LISTS", entry, ent(old)))
                why.append(f"{person.key} of {name_of(world, old)} (listed {listed or 'revoked'})")
    return [Alert(NAME, ent(new), "", float(len(why)),
                  f"{name_of(world, new)} was set up by {'; '.join(sorted(set(why)))}",
                  [new, *sorted({n.key for n in nodes if n.label == "Enterprise"} - {new})],
                  nodes, edges, world.region_of(new))
            for new, (nodes, edges, why) in sorted(found.items())]
