"""Lifecycle operations: one transaction per call holding the change, its audit entries and its
idempotency record, so none of them can land without the others."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef, Props, PropValue
from jointsup.services import audit
from jointsup.services.clues import idempotency, sharing
from jointsup.services.clues.config import ClueConfig
from jointsup.services.clues.lifecycle import Move, State, Step, step
from jointsup.services.exchange import outbox
from jointsup.services.policy import Principal

MAX_NOTE = 5_000
MAX_EVIDENCE = 100


@dataclass(frozen=True)
class Call:
    """One lifecycle mutation: the move, the clue and the move's own arguments."""

    move: Move
    clue_id: str
    args: dict[str, str] = field(default_factory=dict)


def subject(clue_id: str) -> str:
    """The audit subject of a clue: its global id."""
    return f"Clue:{clue_id}"


# China Standard Time, the local time of both regions: clue times carry +08:00 like ingested
# ones (the risk models and stats count a clue on its local day), and deadlines count local days.
CST = dt.timezone(dt.timedelta(hours=8), "CST")


def now() -> dt.datetime:
    """The current local time (one place, so tests read the same clock)."""
    return dt.datetime.now(CST)


def today() -> dt.date:
    """Today's local date: the day deadlines and overdue lists count from."""
    return now().date()


def apply(store: BaseGraphStore, principal: Principal, call: Call, key: str,
          config: ClueConfig, today: dt.date | None = None) -> tuple[Node, bool]:
    """Make `call` (or replay it) and return the clue as stored and whether it was a replay."""
    return store.transaction(lambda tx: apply_in(tx, principal, call, key, config, today))


def apply_in(tx: GraphTx, principal: Principal, call: Call, key: str, config: ClueConfig,
             today: dt.date | None = None) -> tuple[Node, bool]:
    """`apply` inside the caller's transaction (the exchange's receive makes moves this way).
    A move on a clue exchanged with a partner also writes its outbox message here."""
    stored_key = idempotency.record_key(principal, key)
    digest = idempotency.fingerprint(call.move.value, {"clue": call.clue_id, **call.args})
    _check_args(call)

    def run(tx: GraphTx) -> tuple[Node, bool]:
        locked = tx.lock_node(NodeRef("Clue", call.clue_id))
        if locked is None:
            raise sharing.not_found(call.clue_id)  # rolls back the stub the lock created
        # Visibility before the key: a key reused on a hidden clue must still read NOT_FOUND.
        node = sharing.require_visible(principal, locked, call.clue_id)
        # After the lock: a concurrent retry with the same key waits, then replays.
        first = idempotency.replay(tx, stored_key, call.move.value, digest)
        if first is not None:
            tx.unlock(locked.ref)
            return first, True
        sharing.require_may(principal, node, call.move)
        move = step(str(node.props.get("status")), call.move)
        at = now()
        changes = _changes(move, node, call.args, config, today or at.date())
        props: Props = {**node.props, **changes, "status": move.after.value, "lock": None,
                        "updated_at": at.isoformat(timespec="seconds")}
        after = Node("Clue", node.key, props)
        tx.upsert_nodes([after])
        idempotency.remember(tx, stored_key, call.move.value, digest, at.isoformat(), after)
        payload = {"move": call.move.value, "from": move.before.value, "to": move.after.value,
                   "by": principal.token_id, "role": principal.role.value, "args": call.args}
        audit.append(tx, f"clue.{call.move.value}", subject(node.key), payload)
        shared = changes.get("shared_with")
        if isinstance(shared, list) and shared != node.props.get("shared_with"):
            sharing.record_share(tx, node.key, [str(shared[-1])])
            audit.append(tx, "clue.share", subject(node.key),
                         {"with": shared[-1], "by": principal.token_id, "move": call.move.value})
        outbox.on_move(tx, principal, call.move, call.args, node, after, config)
        return after, False

    return run(tx)


def _check_args(call: Call) -> None:
    for name, value in call.args.items():
        if len(value) > MAX_NOTE:
            raise InvalidInput(f"{name} is {len(value)} characters; the limit is {MAX_NOTE}")
    needs = {Move.REFUSE: ("reason",), Move.TRANSFER: ("region", "department"),
             Move.REQUEST_ASSISTANCE: ("region", "department"), Move.FEEDBACK: ("result",),
             Move.EXTEND: ("reason",), Move.ATTACH_EVIDENCE: ("evidence",),
             Move.ROUTE: ("department",)}
    for name in needs.get(call.move, ()):
        if not call.args.get(name, "").strip():
            raise InvalidInput(f"{call.move} needs a non-empty {name}")


def _changes(move: Step, node: Node, args: dict[str, str], config: ClueConfig,
             today: dt.date) -> Props:
    """The properties a legal step sets besides the status."""
    cal = config.calendar
    shared = [str(s) for s in node.props.get("shared_with") or []]  # type: ignore[union-attr]
    out: dict[str, PropValue] = {}
    if move.move is Move.ROUTE:
        out["routed_to"] = args["department"].strip()
    elif move.move in (Move.TRANSFER, Move.REQUEST_ASSISTANCE):
        party = sharing.party_of(args["region"], args["department"])
        out["transferred_to" if move.move is Move.TRANSFER else "assistance_from"] = party
        if party not in shared:
            out["shared_with"] = [*shared, party]
        out["shared"] = True
        if move.move is Move.TRANSFER:
            out["accept_due"] = cal.add_working_days(today, config.accept_days).isoformat()
            out["refuse_reason"] = None
    elif move.move is Move.ACCEPT:
        out["accept_due"] = None
        out["accepted_on"] = today.isoformat()
        out["verify_due"] = cal.add_working_days(today, config.verify_days).isoformat()
    elif move.move is Move.REFUSE:
        out["refuse_reason"] = args["reason"].strip()
        out["accept_due"] = None
    elif move.move is Move.EXTEND:
        if node.props.get("extended"):
            raise InvalidInput("the verification deadline was already extended once")
        due = dt.date.fromisoformat(str(node.props.get("verify_due")))
        out["verify_due"] = cal.add_working_days(due, config.extension_days).isoformat()
        out["extended"] = True
    elif move.move is Move.FEEDBACK:
        out["result"] = args["result"].strip()
        out["verify_due"] = None
    elif move.move is Move.ATTACH_EVIDENCE:
        evidence = [str(e) for e in node.props.get("evidence") or []]  # type: ignore[union-attr]
        if len(evidence) >= MAX_EVIDENCE:
            raise InvalidInput(f"a clue holds at most {MAX_EVIDENCE} pieces of evidence")
        out["evidence"] = [*evidence, args["evidence"].strip()]
    elif move.move is Move.CLOSE and move.after is State.CLOSED:
        out["closed_on"] = today.isoformat()
        out["accept_due"] = out["verify_due"] = None
    return out

