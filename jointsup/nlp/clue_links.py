"""What linking a clue adds to its ingest rows: AGAINST, IN_REGION, CONCERNS, MAY_VIOLATE,
ROUTED_TO and unresolved Mention nodes (HAS_MENTION), all committed with the Clue itself."""

from __future__ import annotations

from pathlib import Path

from jointsup.ingest.dataset import Context, Rows
from jointsup.model import NodeRef, Props, Rel, make_node
from jointsup.nlp.linker import Linker
from jointsup.nlp.result import LinkResult

_MEMO_KEY = "nlp_linker"
# Stamped on every linked Clue as `linked_with`; bump it when linking changes what it finds, so
# `jointsup nlp relink --stale` re-links the clues an older linker (or none) linked.
LINKER_VERSION = "nlp-2"


def linker_for(ctx: Context) -> Linker:
    """The run's linker, built on first use from the store (cached under the data dir)."""
    linker = ctx.memo.get(_MEMO_KEY)
    if not isinstance(linker, Linker):
        cache = ctx.memo.get("nlp_cache_dir")
        linker = Linker.from_store(ctx.store, cache_dir=cache if isinstance(cache, Path) else None)
        ctx.memo[_MEMO_KEY] = linker
    return linker


def add_links(rows: Rows, result: LinkResult) -> None:
    """Rels and Mention nodes for one linked clue (its own AGAINST from a code wins)."""
    clue = rows.primary.ref
    clue_id = rows.primary.key
    rels: dict[tuple[str, NodeRef], Props] = {(r.type, r.dst): r.props for r in rows.rels}

    def add(kind: str, dst: NodeRef, props: Props) -> None:
        rels[(kind, dst)] = {**props, **rels.get((kind, dst), {})}  # the source's props win

    for ent in result.enterprises:
        if ent.uscc is not None:
            add("AGAINST", NodeRef("Enterprise", ent.uscc),
                {"start": ent.start, "end": ent.end, "score": round(ent.score, 4),
                 "explanation": ent.explanation})
            continue
        mention = make_node("Mention", {
            "clue_id": clue_id, "start": ent.start, "end": ent.end, "name": ent.name,
            "score": round(ent.score, 4), "explanation": ent.explanation,
            "candidates": list(ent.candidates), "status": "UNRESOLVED"})
        rows.nodes.append(mention)
        add("HAS_MENTION", mention.ref, {})
    for region in result.regions:
        add("IN_REGION", NodeRef("Region", region.code),
            {"start": region.start, "end": region.end, "source": "text"})
    category = make_node("Category", {"name": result.category})
    rows.nodes.append(category)
    rows.primary.props["category"] = result.category
    rows.primary.props["linked_with"] = LINKER_VERSION
    add("CONCERNS", category.ref, {})
    for law in result.laws:
        if law.article_key is not None:
            add("MAY_VIOLATE", NodeRef("Article", law.article_key),
                {"start": law.start, "end": law.end})
    for dept in result.departments:
        add("ROUTED_TO", NodeRef("Department", dept["code"]), {})
    rows.rels = [Rel(kind, clue, dst, props) for (kind, dst), props in rels.items()]
