"""Fault: the connection is cut right after a mutation committed, before its answer arrives."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from jointsup.config import Settings
from jointsup.graph.store import BaseGraphStore
from tests.e2e.conftest import serve
from tests.faults.clue_checks import REGISTER, ROUTE, TEXT, consistent, post
from tests.faults.cutting_proxy import CuttingProxy

pytestmark = pytest.mark.faults


def test_retry_after_a_cut_answer_is_idempotent(ref_store: BaseGraphStore) -> None:
    """A TCP proxy between the client and the API drops the answer to `registerClue` (and then
    to `routeClue`) and closes the connection: the server committed, the client got a
    transport error. The client retries the same mutation with the same idempotency key.
    Expected: the retry answers 200 with `replayed: true` and the same clue; the store holds
    one clue, one registration and one routing, each audited once, and the audit log and the
    clue agree."""
    # A generous deadline: the first registration builds the linker's gazetteer from the store.
    for live in serve(ref_store, Settings(request_deadline_s=120.0)):
        upstream = urlsplit(live.url).port
        assert upstream is not None
        with CuttingProxy(upstream) as proxy, httpx.Client(
                base_url=proxy.url, headers={"Authorization": f"Bearer {live.token}"},
                timeout=150.0) as http:
            register = {"text": TEXT, "key": "cut-register"}
            proxy.arm()
            with pytest.raises(httpx.TransportError):
                post(http, REGISTER, **register)
            assert proxy.cuts == 1
            first = post(http, REGISTER, **register)
            assert first["replayed"] is True

            route = {"id": first["clue"]["id"], "key": "cut-route"}
            proxy.arm()
            with pytest.raises(httpx.TransportError):
                post(http, ROUTE, **route)
            assert proxy.cuts == 2
            routed = post(http, ROUTE, **route)
            assert (routed["replayed"], routed["status"]) == (True, "ROUTED")
            assert routed["clueId"] == first["clueId"]

    assert ref_store.count_nodes("Clue") == 1
    moves = consistent(ref_store)
    assert moves[first["clueId"]] == [("clue.registerClue", "REGISTERED"),
                                      ("clue.routeClue", "ROUTED")]
