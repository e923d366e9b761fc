"""Clue read benchmark: what logging a partner's views costs, and listing a partner's clues.

On a store (embedded, or `--store neo4j`: a server started here) holding N shared clues
(`--mine` of them shared with the partner, the rest with another agency), times GraphQL requests
executed in-process (no HTTP):

- `clue(id)` and a request of 10 aliased `clue(id)` fields, for a coordinator (a plain read: the
  baseline) and for the partner (one write transaction reading the clues and appending their
  `clue.view` entries in one batch). Ratio = partner / coordinator p50, measured interleaved.
- the partner's list behind `sharedClues` (`reads.shared_clues`: its `SHARED_WITH` links, an
  indexed read) against the scan it replaced (every shared clue read and filtered), both in this
  run. Ratio = scan / links.
- the lock point: `--threads` threads each making `clue(id)` requests at once, partner against
  coordinator; every partner request appends to the one chain head. Ratio = coordinator /
  partner requests per second.
- isolation timing (docs/clues.md, "Partner isolation"): the partner's `clue(id)` and `node(id)`
  for a clue that exists but is shared with another agency (hidden) against an id never stored
  (missing), interleaved, through the real resolver path; the answers must be identical. Ratio =
  hidden / missing p50: near 1 means the timing does not tell them apart by orders of magnitude.

    python -m bench.clues_bench [--store embedded|neo4j] [--clues N] [--mine M] [--samples K]
                                [--threads T] [--out bench/results/clues.json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.store_bench import machine
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import BaseGraphStore, Filter, GraphTx
from jointsup.model import Node
from jointsup.resolvers.context import RequestContext
from jointsup.resolvers.schema import build_schema
from jointsup.services.clues import shared_clues, sharing
from jointsup.services.policy import Principal, Role

PARTY, OTHER = "500000|CQ-SCJ", "500000|CQ-YJJ"
SCHEMA = build_schema()
COORD = Principal("bench-coord", Role.COORDINATOR, "510000")
PARTNER = Principal("bench-cq", Role.PARTNER, "500000", "CQ-SCJ")


def gid(key: str) -> str:
    return base64.b64encode(f"Clue:{key}".encode()).decode()


def render(result: dict[str, Any]) -> str:
    """The markdown tables of one results JSON (older files have only `rows`)."""
    lines = ["| request | coordinator p50 | partner p50 | partner / coordinator |",
             "|---|---|---|---|"]
    for name, row in result["rows"].items():
        lines.append(f"| {name} | {row['coordinator_p50_ms']:.1f} ms | "
                     f"{row['partner_p50_ms']:.1f} ms | {row['ratio']:.2f} |")
    lines += ["", f"{result.get('store', 'embedded')} store, "
              f"{result['clues']:,} shared clues, {result['samples']:,} samples per cell; "
              f"{result['audit_entries']:,} audit entries written."]
    listing = result.get("listing")
    if listing:
        lines += ["", "| partner's `sharedClues` | p50 | scan / links |", "|---|---|---|",
                  f"| through its SHARED_WITH links | {listing['links_p50_ms']:.1f} ms | "
                  f"{listing['ratio']:.1f} |",
                  f"| scanning every shared clue (before) | {listing['scan_p50_ms']:.1f} ms | |",
                  "", f"The partner has {listing['mine']:,} of the {result['clues']:,} clues."]
    lock = result.get("lock_point")
    if lock:
        lines += ["", "| concurrent `clue(id)` | requests/s | coordinator / partner |",
                  "|---|---|---|",
                  f"| {lock['threads']} coordinator threads | {lock['coordinator_rps']:.0f} | |",
                  f"| {lock['threads']} partner threads (each appends to the chain head) | "
                  f"{lock['partner_rps']:.0f} | {lock['ratio']:.2f} |"]
    iso = result.get("isolation")
    if iso:
        lines += ["", "| partner's request | hidden clue p50 | missing clue p50 | "
                  "hidden / missing |", "|---|---|---|---|"]
        for name, row in iso["rows"].items():
            lines.append(f"| `{name}` | {row['hidden_p50_ms']:.2f} ms | "
                         f"{row['missing_p50_ms']:.2f} ms | {row['ratio']:.2f} |")
        lines += ["", f"{iso['samples']:,} interleaved samples per cell; a hidden clue is one "
                  "shared with another agency; every answer was the same as for the missing id."]
    return "\n".join(lines)


def fill(store: BaseGraphStore, clues: int, mine: int) -> None:
    """N shared clues: the first `mine` with the partner, the rest with another agency."""
    def party(n: int) -> str:
        return PARTY if n < mine else OTHER

    store.upsert_nodes([Node("Clue", f"C{n}", {
        "id": f"C{n}", "status": "TRANSFERRED", "text": "电话13812345678反映问题",
        "received_at": f"2026-03-01T09:{n % 60:02d}:00", "shared_with": [party(n)],
        "shared": True, "transferred_to": party(n)}) for n in range(clues)])

    def links(tx: GraphTx) -> None:
        for n in range(clues):
            sharing.record_share(tx, f"C{n}", [party(n)])

    store.transaction(links)


def timed(store: BaseGraphStore, principal: Principal, query: str) -> float:
    ctx = RequestContext.create(store, principal, uuid.uuid4().hex)
    start = time.perf_counter()
    result = asyncio.run(SCHEMA.execute(query, context_value=ctx))
    elapsed = (time.perf_counter() - start) * 1000
    if result.errors:
        raise RuntimeError(str(result.errors))
    return elapsed


def scan(store: BaseGraphStore) -> list[Node]:
    """The read `sharedClues` made before the links: every shared clue, filtered afterwards."""
    def run(tx: GraphTx) -> list[Node]:
        nodes: list[Node] = []
        after: str | None = None
        while True:
            page = tx.list_nodes("Clue", filters=[Filter("shared", "eq", True)],
                                 order_by="received_at", descending=True, first=1000, after=after)
            nodes.extend(n for n in page.items if sharing.visible(PARTNER, n))
            if not page.has_next:
                return nodes
            after = page.end_cursor

    return store.read(run)


def requests(store: BaseGraphStore, mine: int, samples: int) -> dict[str, dict[str, float]]:
    """p50 of `clue(id)` and of 10 aliases over the partner's own clues, both callers."""
    def one(n: int) -> str:
        return f'{{ clue(id: "{gid(f"C{n}")}") {{ clueId status }} }}'

    def aliases(n: int) -> str:
        return "{ " + " ".join(f'a{i}: clue(id: "{gid(f"C{(n + i) % mine}")}") {{ clueId }}'
                               for i in range(10)) + " }"

    cases: dict[str, Callable[[int], str]] = {"one clue": one, "10 aliases": aliases}
    rows: dict[str, dict[str, float]] = {}
    for name, make in cases.items():
        times: dict[str, list[float]] = {"coordinator": [], "partner": []}
        for n in range(samples):
            query = make(n % mine)
            times["coordinator"].append(timed(store, COORD, query))
            times["partner"].append(timed(store, PARTNER, query))
        p50 = {k: statistics.median(v) for k, v in times.items()}
        rows[name] = {"coordinator_p50_ms": round(p50["coordinator"], 3),
                      "partner_p50_ms": round(p50["partner"], 3),
                      "ratio": round(p50["partner"] / p50["coordinator"], 2)}
    return rows


def listing(store: BaseGraphStore, mine: int, samples: int) -> dict[str, float]:
    """The partner's list as `sharedClues` reads it (its links) against the scan it replaced."""
    links: list[float] = []
    scanned: list[float] = []
    reads: list[tuple[Callable[[], list[Node]], list[float]]] = [
        (lambda: shared_clues(store, PARTNER), links), (lambda: scan(store), scanned)]
    for _ in range(samples):
        for read, times in reads:
            start = time.perf_counter()
            if len(read()) != mine:
                raise RuntimeError("the two reads found different clues")
            times.append((time.perf_counter() - start) * 1000)
    a, b = statistics.median(links), statistics.median(scanned)
    return {"mine": mine, "links_p50_ms": round(a, 3), "scan_p50_ms": round(b, 3),
            "ratio": round(b / a, 2)}


def lock_point(store: BaseGraphStore, mine: int, threads: int,
               per_thread: int) -> dict[str, float]:
    def rate(principal: Principal) -> float:
        failures: list[BaseException] = []

        def work(t: int) -> None:
            try:
                for i in range(per_thread):
                    key = f"C{(t * per_thread + i) % mine}"
                    timed(store, principal, f'{{ clue(id: "{gid(key)}") {{ clueId }} }}')
            except BaseException as exc:  # reported below
                failures.append(exc)

        pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        start = time.perf_counter()
        for th in pool:
            th.start()
        for th in pool:
            th.join(timeout=600)
        if failures:
            raise RuntimeError(failures[0])
        return threads * per_thread / (time.perf_counter() - start)

    coordinator, partner = rate(COORD), rate(PARTNER)
    return {"threads": threads, "requests_per_thread": per_thread,
            "coordinator_rps": round(coordinator, 1), "partner_rps": round(partner, 1),
            "ratio": round(coordinator / partner, 2)}


def isolation(store: BaseGraphStore, hidden: str, samples: int) -> dict[str, Any]:
    """The partner's `clue(id)` / `node(id)` for a hidden clue against a missing one: p50 of
    each, interleaved, through the real resolver path; raises when any answer differs."""
    missing = "CL-NEVER-STORED"
    queries: dict[str, Callable[[str], str]] = {
        "clue(id)": lambda key: f'{{ clue(id: "{gid(key)}") {{ clueId status clue {{ text }} }} }}',
        "node(id)": lambda key: f'{{ node(id: "{gid(key)}") {{ id ... on Clue {{ clueId }} }} }}'}
    rows: dict[str, dict[str, float]] = {}
    for name, make in queries.items():
        seen: dict[str, list[float]] = {"hidden": [], "missing": []}
        for n in range(samples):
            order = (("hidden", hidden), ("missing", missing))
            for label, key in order if n % 2 else order[::-1]:
                elapsed, answer = answered(store, PARTNER, make(key))
                if answer != {"data": {name.split("(")[0]: None}, "errors": []}:
                    raise RuntimeError(f"{name} of a {label} clue answered {answer}")
                seen[label].append(elapsed)
        a, b = statistics.median(seen["hidden"]), statistics.median(seen["missing"])
        rows[name] = {"hidden_p50_ms": round(a, 3), "missing_p50_ms": round(b, 3),
                      "ratio": round(a / b, 2)}
    return {"samples": samples, "rows": rows}


def answered(store: BaseGraphStore, principal: Principal, query: str) -> tuple[float, Any]:
    """Milliseconds of one request and its answer (data and error messages)."""
    ctx = RequestContext.create(store, principal, uuid.uuid4().hex)
    start = time.perf_counter()
    result = asyncio.run(SCHEMA.execute(query, context_value=ctx))
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, {"data": result.data, "errors": [e.message for e in result.errors or []]}


@contextmanager
def opened(kind: str, tmp: Path) -> Iterator[BaseGraphStore]:
    """A fresh store of `kind`: embedded in `tmp`, or a Neo4j server started (and stopped) here."""
    if kind == "embedded":
        with EmbeddedStore(tmp / "g.sqlite") as store:
            yield store
        return
    from jointsup.graph.neo4j_server import Neo4jServer
    from jointsup.graph.neo4j_store import Neo4jStore

    server = Neo4jServer(data_dir=tmp / "neo4j").start()
    try:
        neo = Neo4jStore(server.uri, None, timeout_s=300.0)
        try:
            yield neo
        finally:
            neo.close()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=("embedded", "neo4j"), default="embedded")
    parser.add_argument("--clues", type=int, default=2000)
    parser.add_argument("--mine", type=int, default=50)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--out", type=Path, default=None,
                        help="default bench/results/clues.json (clues-neo4j.json for Neo4j)")
    args = parser.parse_args()
    out = args.out or Path("bench/results/clues.json" if args.store == "embedded"
                           else "bench/results/clues-neo4j.json")
    mine = max(min(args.mine, args.clues), 10)
    with tempfile.TemporaryDirectory() as tmp, opened(args.store, Path(tmp)) as store:
        fill(store, args.clues, mine)
        rows = requests(store, mine, args.samples)
        listed = listing(store, mine, max(args.samples // 5, 10))
        lock = lock_point(store, mine, args.threads, max(args.samples // 5, 10))
        hidden = isolation(store, f"C{args.clues - 1}", args.samples) \
            if args.clues > mine else None  # C{clues - 1}: shared with another agency
        views = store.count_nodes("AuditEntry")
    result = {"bench": "clues_bench", "command": "python -m bench.clues_bench " +
              " ".join(sys.argv[1:]), "machine": machine(),
              "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "store": args.store, "clues": args.clues, "samples": args.samples, "rows": rows,
              "listing": listed, "lock_point": lock, "isolation": hidden,
              "audit_entries": views}
    print(render(result))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
