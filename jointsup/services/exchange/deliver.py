"""Delivery (投递): post pending outbox messages to the partners' GraphQL endpoints.

One round (`deliver_due`, also `jointsup partners deliver --once`) walks the pending messages in
the order they were written. Per partner, order is kept: the first message not yet due (it is
waiting out its backoff) or failing holds back that partner's later ones until the next round.
A receipt is stored with the message and audited (`outbox.record_receipt`); a failed attempt is
counted and the next one scheduled with exponential backoff and jitter, up to the configured
number of attempts (`outbox.record_failure`). All state is in the store, so a restart carries on
where the last process stopped. `DeliveryWorker` runs rounds in a thread of the server.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jointsup.graph.store import BaseGraphStore
from jointsup.services.clues.register import fresh_linker
from jointsup.services.exchange import outbox
from jointsup.services.exchange.config import ExchangeConfig
from jointsup.services.exchange.linking import CopyLinking, LinkerFn
from jointsup.services.exchange.outbox import Message
from jointsup.services.exchange.partners import Partner, all_partners

log = logging.getLogger("jointsup.exchange")
RECEIVE = ("mutation($id: String!, $payload: String!) { receiveClueMessage(messageId: $id, "
           "payload: $payload) { messageId clueId payloadHash receivedAt auditHash outcome "
           "detail } }")
Post = Callable[[Partner, Message, float], dict[str, Any]]


class DeliveryFailed(Exception):
    """One attempt did not get a receipt (network, HTTP status, GraphQL error, bad receipt)."""


@dataclass
class Round:
    """What one round did."""

    delivered: int = 0
    rejected: int = 0
    retrying: int = 0
    failed: int = 0
    held: int = 0


def post_graphql(partner: Partner, message: Message, timeout_s: float) -> dict[str, Any]:
    """POST the message to the partner's endpoint with our credential; the receipt it returns."""
    body = json.dumps({"query": RECEIVE, "variables": {"id": message.id,
                                                       "payload": message.payload}}).encode()
    # The endpoint's scheme is checked to be http(s) when the partner is added.
    request = urllib.request.Request(partner.endpoint, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json", "Authorization": f"Bearer {partner.send_token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code} from {partner.endpoint}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DeliveryFailed(f"{partner.endpoint}: {exc}") from None
    if answer.get("errors"):
        first = answer["errors"][0]
        code = (first.get("extensions") or {}).get("code", "ERROR")
        raise DeliveryFailed(f"{code}: {first.get('message')}")
    receipt = (answer.get("data") or {}).get("receiveClueMessage")
    if not isinstance(receipt, dict):
        raise DeliveryFailed("the answer holds no receipt")
    return receipt


def deliver_due(store: BaseGraphStore, config: ExchangeConfig, post: Post = post_graphql,
                now: Callable[[], datetime] = lambda: datetime.now(UTC),
                stopping: threading.Event | None = None) -> Round:
    """One delivery round over the pending messages (ends early once `stopping` is set)."""
    done = Round()
    found = store.read(outbox.pending)
    if not found:
        return done
    known = {p.name: p for p in store.read(all_partners)}
    held: set[str] = set()
    for message in found:
        if stopping is not None and stopping.is_set():
            break
        partner = known.get(message.partner)
        if message.partner in held or partner is None or not partner.enabled \
                or not partner.send_token or message.next_at > outbox.stamp(now()):
            held.add(message.partner)
            done.held += 1
            continue
        try:
            receipt = post(partner, message, config.timeout_s)
            if receipt.get("messageId") != message.id \
                    or receipt.get("payloadHash") != message.payload_hash:
                raise DeliveryFailed("the receipt does not match the message (id or hash)")
        except DeliveryFailed as exc:
            held.add(message.partner)
            status = outbox.record_failure(store, message, str(exc), config, now())
            log.warning("delivery of %s to %s failed: %s", message.id, message.partner, exc)
            done.failed += status == outbox.FAILED
            done.retrying += status == outbox.PENDING
            continue
        status = outbox.record_receipt(store, message, receipt, now())
        done.delivered += status == outbox.DELIVERED
        done.rejected += status == outbox.REJECTED
    return done


class DeliveryWorker:
    """Runs delivery rounds every `poll_s` in a thread of the server (started in its lifespan);
    after each round it links a bounded batch of received copies (`linking.CopyLinking`)."""

    def __init__(self, store: BaseGraphStore, config: ExchangeConfig,
                 linker: LinkerFn | None = None) -> None:
        self.store, self.config = store, config
        self.linking = CopyLinking()
        # The store's shared linker once built; until then linking waits for later rounds.
        self._linker = linker or (lambda: fresh_linker(store).ready())
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="jointsup-exchange",
                                        daemon=True)

    def start(self) -> None:
        """Start delivering."""
        self._thread.start()

    def _loop(self) -> None:
        while not self._stopping.wait(self.config.poll_s):
            try:
                deliver_due(self.store, self.config, stopping=self._stopping)
            except Exception:  # a store hiccup must not end the deliveries
                log.warning("delivery round failed", exc_info=True)
            if self._stopping.is_set():
                break
            try:
                self.linking.run(self.store, self._linker)
            except Exception:  # nor may linking (it is retried next round)
                log.warning("linking received copies failed", exc_info=True)

    def stop(self) -> None:
        """Stop after the attempt in flight (bounded by the HTTP timeout)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.config.timeout_s + 5)
