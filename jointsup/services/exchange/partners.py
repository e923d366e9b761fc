"""Partners of the clue exchange (`jointsup partners add|list`): stored as `Partner` nodes.

A partner is another jointsup instance: a name, its region and agency (its *party*, the same
`region|agency` a transfer names), its GraphQL endpoint, the bearer token we present to it
(`send_token`; stored as given, since we must present it, and never printed in full) and the
token it presents to us — an ordinary partner `ApiToken` of its region and agency, of which only a
salted hash is stored (`inbound_token_id` names it). Only enabled partners get deliveries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef, Props
from jointsup.services import tokens
from jointsup.services.clues.sharing import party_of
from jointsup.services.policy import Principal, Role

LABEL = "Partner"
EXCHANGE_PREFIX = "exchange."  # token id of the principal a received message acts as
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class Partner:
    """One configured partner instance."""

    name: str
    region: str
    agency: str
    endpoint: str
    send_token: str | None
    inbound_token_id: str | None
    enabled: bool

    @property
    def party(self) -> str:
        """The party string shares and transfers name: `region|agency`."""
        return party_of(self.region, self.agency)

    def acting(self, role: Role) -> Principal:
        """The principal a move received from this partner is made as (never forwarded back)."""
        return Principal(f"{EXCHANGE_PREFIX}{self.name}", role, self.region, self.agency)

    @classmethod
    def from_node(cls, node: Node) -> Partner:
        """The partner a stored node holds."""
        p = node.props
        send, inbound = p.get("send_token"), p.get("inbound_token_id")
        return cls(node.key, str(p.get("region")), str(p.get("agency")), str(p.get("endpoint")),
                   send if isinstance(send, str) else None,
                   inbound if isinstance(inbound, str) else None, p.get("enabled") is True)


def masked(secret: str | None) -> str:
    """A credential as listings show it: its public token id, never the secret."""
    if not secret:
        return "-"
    return f"{secret[:8]}…" if len(secret) > 8 else "****"


def from_exchange(principal: Principal) -> bool:
    """Whether the caller is a move received from a partner (such moves are not sent back)."""
    return principal.token_id.startswith(EXCHANGE_PREFIX)


def sender_of(principal: Principal) -> str | None:
    """The partner a received move came from (it is not sent back there), else None."""
    if not from_exchange(principal):
        return None
    return principal.token_id.removeprefix(EXCHANGE_PREFIX)


def all_partners(tx: GraphTx) -> list[Partner]:
    """Every configured partner, by name (a handful: one page)."""
    return [Partner.from_node(n) for n in tx.list_nodes(LABEL, first=1000).items]


def by_party(tx: GraphTx, party: object) -> Partner | None:
    """The partner whose party is `party`, if one is configured."""
    return next((p for p in all_partners(tx) if p.party == party), None)


def by_name(tx: GraphTx, name: object) -> Partner | None:
    """One partner by name."""
    node = tx.get_node(NodeRef(LABEL, str(name))) if isinstance(name, str) and name else None
    return Partner.from_node(node) if node else None


def for_caller(tx: GraphTx, principal: Principal) -> Partner | None:
    """The enabled partner whose inbound token the caller presented, else None."""
    if principal.role is not Role.PARTNER:
        return None
    return next((p for p in all_partners(tx)
                 if p.enabled and p.inbound_token_id == principal.token_id), None)


def add_partner(store: BaseGraphStore, name: str, region: str, agency: str, endpoint: str,
                send_token: str | None = None, enabled: bool = True) -> tuple[Partner, str | None]:
    """Add or update a partner; the bearer token it must present to us when one was created
    (the first time only: it is shown once, like `jointsup token create`)."""
    _check(name, endpoint, send_token)
    existing = store.read(lambda tx: by_name(tx, name))
    taken = store.read(lambda tx: by_party(tx, party_of(region, agency)))
    if taken is not None and taken.name != name:
        raise InvalidInput(f"the party {taken.party} is already the partner {taken.name!r}")
    bearer: str | None = None
    inbound = existing.inbound_token_id if existing else None
    if inbound is None:
        bearer = tokens.create_token(store, Role.PARTNER, region, agency,
                                     note=f"exchange partner {name}")
        inbound = bearer.removeprefix(tokens.PREFIX).split(".", 1)[0]
    props: Props = {"name": name, "region": region.strip(), "agency": agency.strip(),
             "endpoint": endpoint.strip(), "inbound_token_id": inbound, "enabled": enabled,
             "updated_at": datetime.now(UTC).isoformat(timespec="seconds")}
    if send_token:
        props["send_token"] = send_token.strip()
    try:
        store.upsert_nodes([Node(LABEL, name, props)])
    except Exception:
        if bearer is not None:  # nothing half-written: the new token goes with the partner
            tokens.revoke_token(store, inbound)
        raise
    return store.read(lambda tx: by_name(tx, name)) or Partner.from_node(
        Node(LABEL, name, props)), bearer


def _check(name: str, endpoint: str, send_token: str | None) -> None:
    if not _NAME.match(name):
        raise InvalidInput(f"partner name must be 1-32 letters, digits, '-' or '_', not {name!r}")
    url = urlsplit(endpoint.strip())
    if url.scheme not in ("http", "https") or not url.netloc:
        raise InvalidInput(f"endpoint must be an http(s) URL of the partner's /graphql, "
                           f"not {endpoint!r}")
    if send_token is not None and not send_token.strip().startswith(tokens.PREFIX):
        raise InvalidInput(f"--send-token must be a jointsup bearer token ({tokens.PREFIX}…)")
