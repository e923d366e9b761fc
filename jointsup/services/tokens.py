"""API bearer tokens: created by the CLI, stored only as salted hashes, revocable.

A bearer string is `jst_<token_id>.<secret>`. The `token_id` is public (it names the token in
logs and in `jointsup token list|revoke`); the 256-bit secret is never stored, only
SHA-256(salt ‖ secret). A slow hash (scrypt) would add nothing: the secret is random, not a
password, so it cannot be guessed from its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef
from jointsup.services.policy import Principal, Role, Unauthenticated

LABEL = "ApiToken"
PREFIX = "jst_"
_BEARER = re.compile(r"^jst_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$")
_CODE = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
# How long a verified token is trusted without asking the store again. A revocation made in
# another process (`jointsup token revoke`) takes effect within this many seconds.
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class TokenInfo:
    """What `jointsup token list` shows: never the secret, never its hash."""

    token_id: str
    role: Role
    region: str | None
    department: str | None
    created_at: str
    revoked_at: str | None
    note: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode()).hexdigest()


def _check_code(name: str, value: str | None) -> str | None:
    if value is not None and not _CODE.match(value):
        raise InvalidInput(f"{name} must be a code of letters, digits, '-' or '_', not {value!r}")
    return value


def create_token(store: BaseGraphStore, role: Role | str, region: str | None = None,
                 department: str | None = None, *, note: str | None = None) -> str:
    """Create a token and return its bearer string (shown once; only a hash is kept).

    `note` says what the token is for (`jointsup demo` marks its own with "demo").
    """
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"role must be one of {', '.join(Role)}, not {role!r}") from None
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    props: dict[str, str | None] = {
        "token_id": token_id, "role": role.value,
        "region": _check_code("region", region),
        "department": _check_code("department", department),
        "salt": salt, "secret_hash": _digest(salt, secret), "created_at": _now(),
        "note": note[:200] if note else None,
    }
    store.upsert_nodes([Node(LABEL, token_id, {k: v for k, v in props.items() if v is not None})])
    return f"{PREFIX}{token_id}.{secret}"


def revoke_token(store: BaseGraphStore, token_id: str) -> bool:
    """Mark a token revoked; False when no such token exists. Idempotent."""
    token_id = token_id.removeprefix(PREFIX).split(".", 1)[0]

    def revoke(tx: GraphTx) -> bool:
        node = tx.get_node(NodeRef(LABEL, token_id))
        if node is None:
            return False
        if node.props.get("revoked_at") is None:
            tx.upsert_nodes([Node(LABEL, token_id, {"revoked_at": _now()})])
        return True

    found = store.transaction(revoke)
    _cache.forget(token_id)
    return found


def list_tokens(store: BaseGraphStore) -> Iterator[TokenInfo]:
    """Every token, ordered by creation time."""
    after: str | None = None
    while True:
        page = store.list_nodes(LABEL, order_by="created_at", first=500, after=after)
        for node in page.items:
            yield _info(node)
        if not page.has_next:
            return
        after = page.end_cursor


def _info(node: Node) -> TokenInfo:
    p = node.props
    return TokenInfo(node.key, Role(str(p["role"])), _opt(p.get("region")),
                     _opt(p.get("department")), str(p.get("created_at", "")),
                     _opt(p.get("revoked_at")), _opt(p.get("note")))


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def verify_uncached(store: BaseGraphStore, bearer: str) -> Principal:
    """The caller a bearer string names, asking the store; raises Unauthenticated."""
    m = _BEARER.match(bearer)
    if m is None:
        raise Unauthenticated("malformed bearer token")
    token_id, secret = m.groups()
    node = store.get_node(NodeRef(LABEL, token_id))
    if node is None:
        raise Unauthenticated("unknown token")
    expected = str(node.props.get("secret_hash", ""))
    if not hmac.compare_digest(_digest(str(node.props["salt"]), secret), expected):
        raise Unauthenticated("wrong token secret")
    info = _info(node)
    if info.revoked_at is not None:
        raise Unauthenticated("revoked token")
    return Principal(token_id, info.role, info.region, info.department)


class _Cache:
    """Verified bearer digests per store, each trusted for `CACHE_SECONDS`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[int, str], tuple[float, Principal]] = {}

    def get(self, store: BaseGraphStore, digest: str, ttl: float) -> Principal | None:
        with self._lock:
            hit = self._entries.get((id(store), digest))
        if hit is None or time.monotonic() - hit[0] > ttl:
            return None
        return hit[1]

    def put(self, store: BaseGraphStore, digest: str, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) > 10_000:  # bounded: drop everything rather than track age
                self._entries.clear()
            self._entries[(id(store), digest)] = (time.monotonic(), principal)

    def forget(self, token_id: str) -> None:
        with self._lock:
            for key in [k for k, (_, p) in self._entries.items() if p.token_id == token_id]:
                del self._entries[key]


_cache = _Cache()


def verify(store: BaseGraphStore, bearer: str, ttl: float = CACHE_SECONDS) -> Principal:
    """The caller a bearer string names, from a per-process cache of at most `ttl` seconds.

    Raises Unauthenticated for a malformed, unknown, wrong or revoked token. Failures are never
    cached, so a new token works at once; a revocation in this process takes effect at once,
    one in another process within `ttl` seconds.
    """
    digest = hashlib.sha256(bearer.encode()).hexdigest()
    if ttl > 0 and (principal := _cache.get(store, digest, ttl)) is not None:
        return principal
    principal = verify_uncached(store, bearer)
    if ttl > 0:
        _cache.put(store, digest, principal)
    return principal
