"""Countersigned chain heads (链头会签): the partner signs each day's head with Ed25519.

The partner generates a key pair (`keygen`), signs the heads file this instance exported
(`countersign`) and sends back the signatures; this instance checks them against the partner's
public key it was given out of band and stores them (`import_countersignature`), and from then
on `audit.verify` also checks that every countersigned head is still in the chain: rewriting an
entry before a signed head and re-hashing everything after it no longer goes unnoticed.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, Props
from jointsup.services import audit
from jointsup.services.audit_heads import DayHead, parse_heads

SIGNATURE_FORMAT = "jointsup.audit-countersignature/1"
LABEL = "AuditCountersignature"


def keygen(prefix: Path) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair to `prefix`.key (PKCS#8 PEM, mode 600) and `prefix`.pub."""
    private, public = prefix.with_name(prefix.name + ".key"), prefix.with_name(prefix.name + ".pub")
    for path in (private, public):
        if path.exists():
            raise InvalidInput(f"{path}: exists; not overwriting a key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        private.touch(mode=0o600)
        private.write_bytes(pem)
        public.write_text(public_pem(key.public_key()), encoding="ascii")
    except OSError as exc:
        private.unlink(missing_ok=True)  # never leave half a key pair
        raise InvalidInput(f"{prefix}: {exc}") from None
    return private, public


def public_pem(key: Ed25519PublicKey) -> str:
    """The public key as PEM text (SubjectPublicKeyInfo)."""
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def fingerprint(pem: str) -> str:
    """A short name for a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = load_public(pem, "public key").public_bytes(serialization.Encoding.Raw,
                                                       serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_private(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file; errors name the file."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise InvalidInput(f"{path}: not a readable unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{path}: not an Ed25519 key")
    return key


def load_public(pem: str, where: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM text; errors name `where`."""
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise InvalidInput(f"{where}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput(f"{where}: not an Ed25519 public key")
    return key


def countersign(doc: object, key: Ed25519PrivateKey, where: str,
                signer: str | None = None) -> dict[str, Any]:
    """The partner's side: sign every head of a heads document."""
    found = parse_heads(doc, where)
    pem = public_pem(key.public_key())
    return {"format": SIGNATURE_FORMAT, "signer": signer or fingerprint(pem), "public_key": pem,
            "heads": [{**h.to_json(), "signature": _b64(key.sign(h.message()))} for h in found]}


def signature_valid(pem: str, head: DayHead, signature: str) -> bool:
    """Whether `signature` (base64) is `pem`'s signature over `head`."""
    try:
        load_public(pem, "public key").verify(base64.b64decode(signature, validate=True),
                                              head.message())
    except (InvalidSignature, ValueError, InvalidInput):
        return False
    return True


def import_countersignature(store: BaseGraphStore, doc: object, trusted_pem: str,
                            where: str) -> int:
    """Check a countersignature file against the trusted key and the chain, then store it.

    All or nothing: any bad signature, a key other than the trusted one, or a head the chain does
    not hold refuses the whole file. Re-importing is a no-op; a later head of the same day
    replaces an earlier one (it commits to everything the earlier one did). Returns how many
    heads were stored or replaced."""
    if not isinstance(doc, dict) or doc.get("format") != SIGNATURE_FORMAT:
        raise InvalidInput(f"{where}: not a countersignature file (format {SIGNATURE_FORMAT})")
    pem, signer = doc.get("public_key"), doc.get("signer")
    if not isinstance(pem, str) or not isinstance(signer, str) or not signer.strip():
        raise InvalidInput(f"{where}: 'public_key' and 'signer' are required")
    if fingerprint(pem) != fingerprint(trusted_pem):
        raise InvalidInput(f"{where}: signed with key {fingerprint(pem)}, not the trusted key "
                           f"{fingerprint(trusted_pem)}")
    heads = parse_heads(doc, where)
    signed = [(h, str(raw.get("signature", "")))
              for h, raw in zip(heads, doc["heads"], strict=True)]
    for i, (h, sig) in enumerate(signed):
        if not signature_valid(trusted_pem, h, sig):
            raise InvalidInput(f"{where}: heads[{i}] (day {h.day}): the signature does not verify")
    at = datetime.now(UTC).isoformat(timespec="seconds")

    def run(tx: GraphTx) -> int:
        chain = tx.get_nodes("AuditEntry", [str(h.last_seq) for h, _ in signed])
        stored = tx.get_nodes(LABEL, [f"{signer}|{h.day}" for h, _ in signed])
        nodes: list[Node] = []
        for i, ((h, sig), entry, old) in enumerate(zip(signed, chain, stored, strict=True)):
            if entry is None or entry.props.get("hash") != h.hash:
                raise InvalidInput(f"{where}: heads[{i}] (day {h.day}): entry {h.last_seq} of "
                                   "this chain does not have the signed hash")
            old_seq = old.props.get("last_seq") if old else None
            if isinstance(old_seq, int) and old_seq >= h.last_seq:
                continue  # already holds this head or a later one of that day
            props: Props = {"signer": signer, **h.to_json(), "signature": sig,
                            "public_key": trusted_pem, "imported_at": at}
            nodes.append(Node(LABEL, f"{signer}|{h.day}", props))
        tx.upsert_nodes(nodes)
        return len(nodes)

    return store.transaction(run)


def check_countersigned(tx: GraphTx) -> audit.AuditProblem | None:
    """The first countersigned head the chain no longer matches (or whose record was altered).

    Heads are checked oldest first; a mismatch is reported from the entry after the last head
    that still matched, the earliest entry that can have been changed."""
    rows: list[tuple[DayHead, str, str, str]] = []
    for node in audit.iter_nodes(tx, LABEL, order_by=None):
        try:
            rows.append(_stored(node))
        except InvalidInput as exc:
            return audit.AuditProblem(0, f"{exc} (the stored countersignature was altered)")
    rows.sort(key=lambda r: (r[0].last_seq, r[1]))
    entries = tx.get_nodes("AuditEntry", [str(r[0].last_seq) for r in rows])
    good = 0
    for (h, signer, pem, sig), entry in zip(rows, entries, strict=True):
        if not signature_valid(pem, h, sig):
            return audit.AuditProblem(h.last_seq, f"the countersignature of {h.day} by {signer} "
                                                  "does not verify (the stored record was altered)")
        if entry is None or entry.props.get("hash") != h.hash:
            return audit.AuditProblem(good + 1, (
                f"the head of {h.day} that {signer} countersigned (entry {h.last_seq}) is no "
                f"longer in the chain: an entry from {good + 1} to {h.last_seq} was changed and "
                "the chain re-hashed after it"))
        good = max(good, h.last_seq)
    return None


def _stored(node: Node) -> tuple[DayHead, str, str, str]:
    p = node.props
    head = DayHead.from_json(p, f"{LABEL} {node.key}")
    return head, str(p.get("signer")), str(p.get("public_key")), str(p.get("signature"))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
