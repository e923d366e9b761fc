"""Partner isolation (共享范围): which clues a caller sees, which fields, and what it may do.

A partner token carries a region and an agency (department); its *party* is `region|agency`. A
clue is shared with a party by `transferClue` or `requestAssistance` (the clue's `shared_with`
list only grows, so a partner keeps seeing what it was once given). Anything not shared reads as
absent: callers get exactly what they would get for an id that does not exist.

Each share is also a `SHARED_WITH` link from the clue to its `Party` node, written in the share's
transaction: listing one partner's clues follows those links (an indexed read) instead of
scanning every shared clue. `shared_with` stays the authority for `visible`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from jointsup.errors import NotFound
from jointsup.graph.store import BaseGraphStore, Filter, GraphTx
from jointsup.model import Node, NodeRef, Props, Rel
from jointsup.services import visibility
from jointsup.services.clues.config import ClueConfig
from jointsup.services.clues.lifecycle import Move, State
from jointsup.services.policy import Forbidden, Principal, Role, mask_name

INTERNAL = (Role.COORDINATOR, Role.INVESTIGATOR, Role.ADMIN)
# States in which no partner holds the clue: not yet transferred, or refused by the last one.
NOT_HELD = frozenset({State.REGISTERED, State.ROUTED, State.REFUSED})
# What the receiving party (the partner a clue was transferred to) may do with it.
HOLDER_MOVES = frozenset({Move.ACCEPT, Move.REFUSE, Move.REQUEST_ASSISTANCE, Move.FEEDBACK,
                          Move.EXTEND, Move.ATTACH_EVIDENCE})


def party_of(region: str, department: str) -> str:
    """The party string a share names: region and agency."""
    return f"{region.strip()}|{department.strip()}"


def caller_party(principal: Principal) -> str | None:
    """The partner's own party, or None (internal callers, partner tokens without an agency)."""
    if principal.role is not Role.PARTNER or not principal.region or not principal.department:
        return None
    return party_of(principal.region, principal.department)


def record_share(tx: GraphTx, clue_id: str, parties: Sequence[str]) -> None:
    """Link the clue to each party it is shared with (idempotent), in the share's transaction."""
    if not parties:
        return
    tx.upsert_nodes([Node("Party", p, {"party": p}) for p in parties])
    tx.upsert_rels([Rel("SHARED_WITH", NodeRef("Clue", clue_id), NodeRef("Party", p))
                    for p in parties])


@dataclass
class Backfill:
    """What `backfill_shares` did: shared clues looked at, links written, clues they were on."""

    seen: int = 0
    linked: int = 0
    clues: int = 0


def backfill_shares(store: BaseGraphStore, batch: int = 500) -> Backfill:
    """Write the `SHARED_WITH` links missing for clues shared before the links existed (the
    migration of `jointsup partners backfill-shares`). Walks the shared clues (the indexed
    `shared` flag) `batch` at a time; each batch's missing links are written in one transaction.
    Idempotent: a second run finds every link and writes nothing."""
    run = Backfill()
    after: str | None = None
    while True:
        page = store.list_nodes("Clue", filters=[Filter("shared", "eq", True)], first=batch,
                                after=after)
        run.seen += len(page.items)
        missing = store.read(partial(_missing_links, clues=page.items))
        if missing:
            def write(tx: GraphTx, todo: dict[str, list[str]] = missing) -> None:
                for key, parties in todo.items():
                    record_share(tx, key, parties)

            store.transaction(write)
            run.clues += len(missing)
            run.linked += sum(len(p) for p in missing.values())
        if not page.has_next:
            return run
        after = page.end_cursor


def _missing_links(tx: GraphTx, clues: Sequence[Node]) -> dict[str, list[str]]:
    """Per clue key, the parties in its `shared_with` it has no `SHARED_WITH` link to."""
    refs = [c.ref for c in clues]
    found = tx.neighbours(refs, types=["SHARED_WITH"], direction="out", labels=["Party"],
                          props=False) if refs else {}
    out: dict[str, list[str]] = {}
    for clue in clues:
        shared = clue.props.get("shared_with")
        linked = {n.node.key for n in found.get(clue.ref, [])}
        todo = [str(p) for p in shared if str(p) not in linked] if isinstance(shared, list) else []
        if todo:
            out[clue.key] = todo
    return out


def clue_keys_shared_with(tx: GraphTx, party: str) -> list[str]:
    """Keys of the clues linked to `party` (the partner's own list, read through its links)."""
    ref = NodeRef("Party", party)
    found = tx.neighbours([ref], types=["SHARED_WITH"], direction="in", labels=["Clue"],
                          props=False)
    return [n.node.key for n in found[ref]]


def is_internal(principal: Principal) -> bool:
    """Coordinators, investigators and admins see every clue of their own region."""
    return principal.role in INTERNAL


def visible(principal: Principal, node: Node | None) -> bool:
    """Whether the caller may know this clue exists."""
    if node is None or node.label != "Clue":
        return False
    if is_internal(principal):
        return True
    party = caller_party(principal)
    shared = node.props.get("shared_with")
    return party is not None and isinstance(shared, list) and party in shared


def not_found(clue_id: str) -> NotFound:
    """The one error for a clue that does not exist or is not shared with the caller."""
    return NotFound(f"no clue {clue_id!r}")


def require_visible(principal: Principal, node: Node | None, clue_id: str) -> Node:
    """The clue, or the same NotFound a missing clue gives."""
    if node is None or not visible(principal, node):
        raise not_found(clue_id)
    return node


def require_may(principal: Principal, node: Node, move: Move) -> None:
    """Raise Forbidden unless the caller may make `move` on a clue it can see."""
    if is_internal(principal):
        return
    party = caller_party(principal)
    transferred_to = node.props.get("transferred_to")
    # The lifecycle refuses (ILLEGAL_TRANSITION, naming the state) the holder moves a former
    # holder may no longer make; evidence it could still attach there, so that is checked here.
    if move in HOLDER_MOVES and move is not Move.ATTACH_EVIDENCE and party == transferred_to:
        return
    if move is Move.PROVIDE_ASSISTANCE and party == node.props.get("assistance_from"):
        return
    if move is Move.ATTACH_EVIDENCE and (
            party == node.props.get("assistance_from")
            or (party == transferred_to and node.props.get("status") not in NOT_HELD)):
        return
    raise Forbidden(f"a partner may not {move} this clue")


def scoped(principal: Principal, node: Node, config: ClueConfig) -> Node:
    """The clue as the caller may read it: for partners only the sharing scope, masked."""
    if is_internal(principal):
        return node
    props: Props = {k: v for k, v in node.props.items() if k in config.partner_fields}
    for key in ("text", "result", "refuse_reason"):
        value = props.get(key)
        if isinstance(value, str):
            props[key] = visibility.free_text(principal, value)
    name = props.get("complainant_name")
    if isinstance(name, str):
        props["complainant_name"] = mask_name(name)
    phone = props.get("complainant_phone")
    if isinstance(phone, str):
        props["complainant_phone"] = _mask_phone(phone)
    evidence = props.get("evidence")
    if isinstance(evidence, list):
        props["evidence"] = [visibility.free_text(principal, str(e)) or "" for e in evidence]
    return Node(node.label, node.key, props)


def _mask_phone(phone: str) -> str:
    digits = phone.strip()
    return digits[:3] + "*" * max(len(digits) - 7, 1) + digits[-4:] if len(digits) > 7 else "****"
