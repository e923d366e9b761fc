"""Registering a clue (登记): link its text (jointsup.nlp) and write it with its links at once."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.ingest.dataset import Rows
from jointsup.model import Node, NodeRef, Rel, make_node
from jointsup.nlp.clue_links import add_links
from jointsup.nlp.fresh import FreshLinker, cache_dir_for
from jointsup.nlp.linker import Linker
from jointsup.services import audit
from jointsup.services.clues import idempotency, sharing
from jointsup.services.clues.ops import now, subject
from jointsup.services.policy import Forbidden, Principal

CHANNELS = ("12315_hotline", "12315_web", "12315_app", "report", "partner_transfer",
            "risk_model", "other")
MAX_TEXT = 20_000
OPERATION = "registerClue"

_linkers: dict[int, FreshLinker] = {}
_lock = threading.Lock()


def fresh_linker(store: BaseGraphStore, data_dir: Path | None = None) -> FreshLinker:
    """One linker provider per store per process (the gazetteer comes from the data dir's
    cache when the store's content matches, and is rebuilt in the background after an ingest).
    `data_dir` (the settings') places that cache when the first call makes the provider."""
    with _lock:
        fresh = _linkers.get(id(store))
        if fresh is None or fresh.store is not store:
            fresh = _linkers[id(store)] = FreshLinker(store, cache_dir_for(store, data_dir))
        return fresh


def linker_for(store: BaseGraphStore) -> Linker:
    """The store's current linker (see `fresh_linker`)."""
    return fresh_linker(store).get()


@dataclass(frozen=True)
class NewClue:
    """What `registerClue` receives."""

    text: str
    channel: str
    region_code: str | None = None
    respondent_name: str | None = None
    complainant_name: str | None = None
    complainant_phone: str | None = None

    def args(self) -> dict[str, object]:
        """The arguments as the idempotency fingerprint covers them."""
        return dict(self.__dict__)


def register(store: BaseGraphStore, principal: Principal, clue: NewClue,
             key: str) -> tuple[Node, bool]:
    """Register and link a clue (or replay the first registration under `key`)."""
    if not sharing.is_internal(principal):
        raise Forbidden("only the region's own agencies register clues")
    _check(clue)
    stored_key = idempotency.record_key(principal, key)
    digest = idempotency.fingerprint(OPERATION, clue.args())
    first = store.read(lambda tx: idempotency.replay(tx, stored_key, OPERATION, digest))
    if first is not None:
        return first, True
    at = now()
    ident = f"CL{at:%Y%m%d}{uuid.uuid4().hex[:10].upper()}"
    props = {"id": ident, "channel": clue.channel, "received_at": at.isoformat(timespec="seconds"),
             "text": clue.text, "status": "REGISTERED", "region_code": clue.region_code,
             "respondent_name": clue.respondent_name, "complainant_name": clue.complainant_name,
             "complainant_phone": clue.complainant_phone}
    rows = Rows(primary=make_node("Clue", {k: v for k, v in props.items() if v is not None}))
    if clue.region_code:
        rows.rels.append(Rel("IN_REGION", rows.primary.ref, NodeRef("Region", clue.region_code)))
    # Linking is CPU work outside the transaction; the transaction holds only the writes.
    add_links(rows, linker_for(store).link(clue.text, str(props["received_at"])))

    def write(tx: GraphTx) -> tuple[Node, bool]:
        again = idempotency.replay(tx, stored_key, OPERATION, digest)
        if again is not None:
            return again, True
        tx.upsert_nodes([rows.primary, *rows.nodes])
        tx.upsert_rels(_existing_ends(tx, rows.rels))
        idempotency.remember(tx, stored_key, OPERATION, digest, at.isoformat(), rows.primary)
        audit.append(tx, "clue.registerClue", subject(ident),
                     {"to": "REGISTERED", "by": principal.token_id, "role": principal.role.value,
                      "channel": clue.channel, "links": len(rows.rels)})
        return rows.primary, False

    try:
        return store.transaction(write)
    except idempotency.KeyReused:
        # A retry racing the first call (Neo4j reads before either commits): once the first has
        # committed, its record replays here; a key reused with other arguments still fails.
        again = store.read(lambda tx: idempotency.replay(tx, stored_key, OPERATION, digest))
        if again is None:
            raise
        return again, True


def _check(clue: NewClue) -> None:
    if clue.channel not in CHANNELS:
        raise InvalidInput(f"channel {clue.channel!r} is not one of {', '.join(CHANNELS)}")
    if not clue.text.strip():
        raise InvalidInput("text is empty")
    if len(clue.text) > MAX_TEXT:
        raise InvalidInput(f"text is {len(clue.text)} characters; the limit is {MAX_TEXT}")


def _existing_ends(tx: GraphTx, rels: list[Rel]) -> list[Rel]:
    """Links whose target exists (a region code typed by a caller may not)."""
    by_label: dict[str, set[str]] = {}
    for rel in rels:
        by_label.setdefault(rel.dst.label, set()).add(rel.dst.key)
    present: set[NodeRef] = set()
    for label, keys in by_label.items():
        found = tx.get_nodes(label, sorted(keys))
        present.update(n.ref for n in found if n is not None)
    return [r for r in rels if r.dst in present]

