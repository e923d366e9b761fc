"""Idempotency keys (幂等): a repeated call returns the first result; a reused key is refused.

A record is written in the same transaction as the change it remembers, so a retry after a crash
either finds both or neither. Keys are scoped to the calling token, so one caller cannot read
another's result by guessing its key.
"""

from __future__ import annotations

import hashlib
import json

from jointsup.errors import InvalidInput, JointsupError
from jointsup.graph.store import GraphTx
from jointsup.model import Node, NodeRef
from jointsup.services.audit import canonical
from jointsup.services.policy import Principal

LABEL = "IdempotencyRecord"
MAX_KEY = 200


class KeyReused(JointsupError):
    """The idempotency key was already used for a different call."""

    code = "IDEMPOTENCY_KEY_REUSED"


def record_key(principal: Principal, key: str) -> str:
    """The stored key: the caller's token id and its key."""
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        raise InvalidInput(f"idempotencyKey must be 1 to {MAX_KEY} characters")
    return f"{principal.token_id}:{key}"


def fingerprint(operation: str, args: dict[str, object]) -> str:
    """A digest of the call's operation and arguments."""
    return hashlib.sha256(canonical([operation, args]).encode("utf-8")).hexdigest()


def replay(tx: GraphTx, stored_key: str, operation: str, digest: str) -> Node | None:
    """The first result of this call, None when the key is new; KeyReused on a mismatch."""
    node = tx.get_node(NodeRef(LABEL, stored_key))
    if node is None:
        return None
    if node.props.get("fingerprint") != digest:
        raise KeyReused(f"idempotencyKey was already used for a different call "
                        f"({node.props.get('operation')} with other arguments)")
    snapshot = json.loads(str(node.props.get("result")))
    return Node("Clue", str(node.props.get("clue_id")), snapshot)


def remember(tx: GraphTx, stored_key: str, operation: str, digest: str, at: str,
             result: Node) -> None:
    """Store the result under the key (in the caller's transaction)."""
    written = tx.upsert_nodes([Node(LABEL, stored_key, {
        "idem_key": stored_key, "operation": operation, "fingerprint": digest, "at": at,
        "clue_id": result.key, "result": canonical(result.props)})])
    if written.created != 1:
        raise KeyReused("idempotencyKey is being used by a concurrent call")
