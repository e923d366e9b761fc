"""Re-linking stored clues (`jointsup nlp relink`): clues ingested before linking existed, or
linked by an older linker, get the links the current one finds.

A clue's text-derived links are replaced in one transaction per batch: `AGAINST` with a span,
`IN_REGION` with `source: "text"`, `CONCERNS`, `MAY_VIOLATE`, `ROUTED_TO`, and unresolved
`Mention` nodes. What the source stated (a respondent named by code, the clue's own region) and
mentions an investigator resolved stay. Each relinked clue is stamped `linked_with =
LINKER_VERSION`, so `--stale` (the default) skips it next time: re-runs are idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.ingest.batches import ProgressFn, no_progress
from jointsup.ingest.dataset import Rows
from jointsup.model import Node, Rel
from jointsup.nlp.clue_links import LINKER_VERSION, add_links
from jointsup.nlp.linker import Linker

LINKED = ("AGAINST", "IN_REGION", "CONCERNS", "MAY_VIOLATE", "ROUTED_TO", "HAS_MENTION")


@dataclass
class RelinkRun:
    """What a run did."""

    seen: int = 0
    relinked: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)  # "clue id: why", left as they were


def is_stale(clue: Node) -> bool:
    """True when the clue was linked by another linker version, or never."""
    return clue.props.get("linked_with") != LINKER_VERSION


def _from_text(rel: Rel, node: Node) -> bool:
    """True for a link the linker made (and may remake), not one the source stated."""
    if rel.type == "AGAINST":
        return "start" in rel.props
    if rel.type == "IN_REGION":
        return rel.props.get("source") == "text"
    if rel.type == "HAS_MENTION":
        return node.props.get("status", "UNRESOLVED") == "UNRESOLVED"
    return True


def relink(store: BaseGraphStore, linker: Linker, *, everything: bool = False,
           batch: int = 200, progress: ProgressFn = no_progress) -> RelinkRun:
    """Re-link every stale clue (`everything`: every clue), `batch` clues per transaction."""
    run = RelinkRun()
    total = store.count_nodes("Clue")
    after: str | None = None
    while True:
        page = store.list_nodes("Clue", first=batch, after=after)
        todo = [c for c in page.items if everything or is_stale(c)]
        run.seen += len(page.items)
        run.skipped += len(page.items) - len(todo)
        planned = []
        for clue in todo:
            try:
                planned.append(plan_links(clue, linker))
            except InvalidInput as exc:  # e.g. a text over the linker's limit
                run.failed.append(f"{clue.key}: {exc}")
        if planned:
            store.transaction(partial(write_links, planned=planned))
            run.relinked += len(planned)
        progress("relinking clues", run.seen, total)
        if not page.has_next:
            return run
        after = page.end_cursor


def plan_links(clue: Node, linker: Linker) -> Rows:
    """The clue's links as the current linker finds them (CPU work, outside the transaction)."""
    props = clue.props
    rows = Rows(primary=Node("Clue", clue.key, {}))
    received = props.get("received_at")
    add_links(rows, linker.link(str(props.get("text") or ""),
                                str(received) if received else None))
    return rows


def write_links(tx: GraphTx, planned: list[Rows]) -> None:
    """Replace each clue's text-derived links with the planned ones."""
    refs = [rows.primary.ref for rows in planned]
    found = tx.neighbours(refs, types=LINKED, direction="out")
    wanted = {(r.type, r.src, r.dst) for rows in planned for r in rows.rels}
    new_nodes = {n.ref for rows in planned for n in rows.nodes}
    stale_rels, stale_mentions, kept = [], [], set()
    for ref in refs:
        for nb in found[ref]:
            rel = Rel(nb.rel.type, ref, nb.node.ref, dict(nb.rel.props))
            if not _from_text(rel, nb.node):
                kept.add(nb.node.ref)  # e.g. a mention an investigator resolved stays as it is
                continue
            if (rel.type, ref, nb.node.ref) in wanted:
                continue
            stale_rels.append((rel.type, ref, nb.node.ref))
            if rel.type == "HAS_MENTION" and nb.node.ref not in new_nodes:
                stale_mentions.append(nb.node.ref)
    tx.delete_nodes(stale_mentions)
    tx.delete_rels(stale_rels)
    tx.upsert_nodes([n for rows in planned for n in (rows.primary, *rows.nodes)
                     if n.ref not in kept])
    tx.upsert_rels(_present(tx, [r for rows in planned for r in rows.rels]))


def _present(tx: GraphTx, rels: list[Rel]) -> list[Rel]:
    """The rels whose far end exists (a law article or department may be missing)."""
    keys: dict[str, list[str]] = {}
    for rel in rels:
        keys.setdefault(rel.dst.label, []).append(rel.dst.key)
    present = {node.ref for label, wanted in keys.items()
               for node in tx.get_nodes(label, wanted) if node is not None}
    return [rel for rel in rels if rel.dst in present]
