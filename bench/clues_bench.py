"""Clue read benchmark: what logging a partner's view (one audit write per request) costs.

On an embedded store holding N shared clues, times GraphQL requests executed in-process (no
HTTP): `clue(id)` for a coordinator (a plain read: the baseline) and for the partner it was
shared with (one write transaction reading the clue and appending its `clue.view` entry), and a
request of 10 aliased `clue(id)` fields for both (still one transaction). Ratios are partner /
coordinator p50 measured interleaved in the same run.

    python -m bench.clues_bench [--clues N] [--samples K] [--out bench/results/clues.json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from jointsup.graph.embedded import EmbeddedStore
from jointsup.model import Node
from jointsup.resolvers.context import RequestContext
from jointsup.resolvers.schema import build_schema
from jointsup.services.policy import Principal, Role

PARTY = "500000|CQ-SCJ"


def gid(key: str) -> str:
    return base64.b64encode(f"Clue:{key}".encode()).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clues", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("bench/results/clues.json"))
    args = parser.parse_args()
    schema = build_schema()
    coord = Principal("bench-coord", Role.COORDINATOR, "510000")
    partner = Principal("bench-cq", Role.PARTNER, "500000", "CQ-SCJ")
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(Path(tmp) / "g.sqlite") as store:
        store.upsert_nodes([Node("Clue", f"C{n}", {
            "id": f"C{n}", "status": "TRANSFERRED", "text": "电话13812345678反映问题",
            "received_at": "2026-03-01T09:00:00", "shared_with": [PARTY], "shared": True,
            "transferred_to": PARTY}) for n in range(args.clues)])

        def timed(principal: Principal, query: str) -> float:
            ctx = RequestContext.create(store, principal, uuid.uuid4().hex)
            start = time.perf_counter()
            result = asyncio.run(schema.execute(query, context_value=ctx))
            elapsed = (time.perf_counter() - start) * 1000
            assert not result.errors, result.errors
            return elapsed

        def one(n: int) -> str:
            return f'{{ clue(id: "{gid(f"C{n}")}") {{ clueId status }} }}'

        def aliases(n: int) -> str:
            return "{ " + " ".join(
                f'a{i}: clue(id: "{gid(f"C{(n + i) % args.clues}")}") {{ clueId }}'
                for i in range(10)) + " }"

        cases: dict[str, Callable[[int], str]] = {"one clue": one, "10 aliases": aliases}
        rows: dict[str, dict[str, float]] = {}
        for name, make in cases.items():
            times: dict[str, list[float]] = {"coordinator": [], "partner": []}
            for n in range(args.samples):
                query = make(n % args.clues)
                times["coordinator"].append(timed(coord, query))
                times["partner"].append(timed(partner, query))
            p50 = {k: statistics.median(v) for k, v in times.items()}
            rows[name] = {"coordinator_p50_ms": round(p50["coordinator"], 3),
                          "partner_p50_ms": round(p50["partner"], 3),
                          "ratio": round(p50["partner"] / p50["coordinator"], 2)}
        views = store.count_nodes("AuditEntry")
    print(f"{'request':<12} {'coordinator p50 ms':>20} {'partner p50 ms':>16} {'ratio':>7}")
    for name, row in rows.items():
        print(f"{name:<12} {row['coordinator_p50_ms']:>20} {row['partner_p50_ms']:>16} "
              f"{row['ratio']:>7}")
    print(f"audit entries written: {views}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"clues": args.clues, "samples": args.samples, "rows": rows,
                                    "audit_entries": views}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
