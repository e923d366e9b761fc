"""Load benchmark (issue 9): latency, throughput and errors of the main queries under 1–100 clients,
then an overload phase that must be answered with fast 503s, and the recovery after it.

    python -m bench.load_bench [--store embedded|neo4j] [--data-dir DIR] [--enterprises N]
                               [--clients 1,10,50,100] [--duration S] [--workers W]
                               [--overload-clients C] [--out bench/results/load.json]
    python -m bench.load_bench --refusal-cost N

The kinds: `enterprise` and `jointSupervision` (the documents of bench.api_bench),
`searchEnterprises` (a part of a real enterprise name), `neighbourhood` (an enterprise's depth-1
subgraph, at most 50 nodes) and `registerClue` (a clue mutation: a new idempotency key per request,
so each one is a real write with its NLP linking), plus the trivial `{ __typename }` as the
same-run ceiling every throughput is divided by.

The store: `--store embedded` serves DIR as api_bench prepares it (reused when loaded; a shared
store can be a copy, since the mutations write to it). `--store neo4j` starts a Neo4j of its own
(jointsup.graph.neo4j_server) in DIR/neo4j holding the same store (copied in once by
neo4j-admin's offline importer, bench.neo4j_copy), serves it, and stops it at the end. Server
pinned to CPU 1, this client to CPU 0 (as api_bench); absolute figures on a shared machine are
noise, so compare the ratios.

Overload: `--overload-clients` clients (default 4 × the in-flight limit × workers) send
`enterprise` queries as fast as the server answers; a client answered 503 pauses 50 ms. The
server must refuse quickly (the 503s' latency) rather than queue; then 10 clients run for the same
duration and must see no errors (recovery). Alongside the overload clients, a probe — one raw
keep-alive socket in its own thread, one request every 100 ms — times the answers without the
load generator's own queueing: the overload clients share one asyncio loop, so on a starved
machine their latencies include seconds of waiting for their own turn.

`--refusal-cost N` measures only what one refusal costs the server in CPU: N requests sent
through the app's whole ASGI stack (as `jointsup serve` builds it, logging at INFO into
/dev/null) while its admission gate is full; prints microseconds of CPU per refusal and exits.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import shlex
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import api_bench
from bench.api_bench import Cell, Server, measure, pinning_summary
from bench.store_bench import machine
from jointsup.config import Settings
from jointsup.resolvers.relay import encode_id

TRIVIAL, ENTERPRISE, JOINT = api_bench.TRIVIAL, api_bench.ENTERPRISE, api_bench.JOINT
SEARCH = """query Search($q: String!) {
  searchEnterprises(query: $q, first: 10) { totalCount
    edges { matchedField score node { uscc name status regionCode } } }
}"""
NEIGHBOURHOOD = """query Around($id: ID!) {
  neighbourhood(id: $id, depth: 1, nodeLimit: 50) { truncated
    nodes { id label caption } edges { type source target } }
}"""
REGISTER = """mutation Register($text: String!, $key: String!, $region: String, $name: String) {
  registerClue(text: $text, channel: "12315_hotline", idempotencyKey: $key,
               regionCode: $region, respondentName: $name) { replayed clueId status }
}"""
KINDS = ("enterprise", "jointSupervision", "searchEnterprises", "neighbourhood", "registerClue")
COMPLAINTS = ("消费者投诉{name}销售过期食品，要求退款并依法查处。",
              "举报{name}虚假宣传，价格标示与实际结算不符。",
              "反映{name}无证经营，店内卫生条件差。")
OVERLOAD_PAUSE_S = 0.05
RECOVERY_CLIENTS = 10
PROBE_EVERY_S = 0.1


def _say(message: str) -> None:
    print(f"[load_bench] {message}", file=sys.stderr, flush=True)


def sample_enterprises(dataset: Path, count: int, seed: int) -> list[dict[str, str]]:
    """`count` random rows (uscc, name, region) of the dataset's enterprises.csv (reservoir)."""
    rng = random.Random(seed)
    picked: list[dict[str, str]] = []
    with (dataset / "enterprises.csv").open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            entry = {"uscc": row["uscc"], "name": row["name"],
                     "region": row.get("reg_region_code") or row.get("region_code") or ""}
            if len(picked) < count:
                picked.append(entry)
            elif (j := rng.randrange(i + 1)) < count:
                picked[j] = entry
    if not picked:
        raise SystemExit(f"{dataset / 'enterprises.csv'} holds no enterprises")
    return picked


def search_text(name: str) -> str:
    """A part of a name as a person would type it: four characters from its middle third."""
    start = len(name) // 3
    return name[start:start + 4] or name


def bodies_for(kind: str, rows: Sequence[dict[str, str]], run_id: str,
               count: int) -> list[bytes]:
    """Request bodies of one kind; `registerClue` gets `count` distinct idempotency keys."""
    def post(document: str, **variables: Any) -> bytes:
        return json.dumps({"query": document, "variables": variables},
                          ensure_ascii=False).encode()

    if kind == "trivial":
        return [json.dumps({"query": TRIVIAL}).encode()]
    if kind == "enterprise":
        return [post(ENTERPRISE, uscc=r["uscc"]) for r in rows]
    if kind == "jointSupervision":
        return [post(JOINT, uscc=r["uscc"]) for r in rows]
    if kind == "searchEnterprises":
        return [post(SEARCH, q=search_text(r["name"])) for r in rows]
    if kind == "neighbourhood":
        return [post(NEIGHBOURHOOD, id=encode_id("Enterprise", r["uscc"])) for r in rows]
    if kind == "registerClue":
        return [post(REGISTER, text=COMPLAINTS[i % len(COMPLAINTS)].format(name=r["name"]),
                     key=f"load-{run_id}-{i}", region=r["region"] or None, name=r["name"])
                for i, r in ((i, rows[i % len(rows)]) for i in range(count))]
    raise ValueError(kind)


class Probe(threading.Thread):
    """One raw HTTP/1.1 keep-alive connection posting `body` every PROBE_EVERY_S until `until`
    (perf_counter), timing each answer by status (reconnecting when the server closes)."""

    def __init__(self, url: str, token: str, body: bytes, until: float) -> None:
        super().__init__(daemon=True)
        host, port = url.removeprefix("http://").split(":")
        self.address = (host, int(port))
        self.request = (f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}"
                        f"\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
                        "\r\n\r\n").encode() + body
        self.until = until
        self.ms: dict[int, list[float]] = {}  # status (0: failed) -> latencies

    def exchange(self, sock: socket.socket) -> tuple[int, bool]:
        """Send the request, read one response; its status and whether the connection stays."""
        sock.sendall(self.request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the headers")
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed in the body")
            rest += chunk
        return int(lines[0].split()[1]), headers.get("connection", "") != "close"

    def run(self) -> None:
        sock: socket.socket | None = None
        while time.perf_counter() < self.until:
            started = time.perf_counter()
            try:
                if sock is None:
                    sock = socket.create_connection(self.address, timeout=30)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                status, keep = self.exchange(sock)
            except OSError:
                status, keep = 0, False
            self.ms.setdefault(status, []).append((time.perf_counter() - started) * 1000)
            if not keep and sock is not None:
                sock.close()
                sock = None
            time.sleep(PROBE_EVERY_S)
        if sock is not None:
            sock.close()

    def summary(self) -> dict[str, Any]:
        """Per status: count, p50 and p99 ms."""
        out: dict[str, Any] = {}
        for status, values in sorted(self.ms.items()):
            ordered = sorted(values)
            out[str(status)] = {"count": len(ordered),
                                "p50_ms": api_bench.percentile(ordered, 0.5),
                                "p99_ms": api_bench.percentile(ordered, 0.99)}
        return out


def refusal_cost(n: int) -> float:
    """CPU microseconds per refused request through the app's ASGI stack (gate held full)."""
    import asyncio
    import logging

    from jointsup.server import configure_logging, create_app

    stderr, sys.stderr = sys.stderr, open(os.devnull, "w")  # noqa: SIM115 - restored below
    try:
        configure_logging("INFO")
        app = create_app(Settings(max_in_flight=1))
        sent: list[int] = []

        async def send(message: Any) -> None:
            if message["type"] == "http.response.start":
                sent.append(message["status"])

        async def receive() -> Any:
            return {"type": "http.request", "body": b"", "more_body": False}

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": "/graphql", "raw_path": b"/graphql",
                 "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
                 "server": ("127.0.0.1", 8000),
                 "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                             (b"authorization", b"Bearer jst_x.y"), (b"content-length", b"30")]}

        async def run() -> float:
            await app(dict(scope, path="/healthz"), receive, send)  # builds the middleware stack
            gate: Any = app.middleware_stack
            while not hasattr(gate, "in_flight"):
                gate = gate.app
            gate.in_flight = gate.limit  # full: every request below is refused
            started = time.process_time()
            for _ in range(n):
                await app(dict(scope), receive, send)
            return time.process_time() - started

        cpu = asyncio.run(run())
    finally:
        sys.stderr.close()
        sys.stderr = stderr
        logging.getLogger().handlers[:] = []
    if sent[1:] != [503] * n:
        raise SystemExit(f"expected {n} refusals, got statuses {sorted(set(sent[1:]))}")
    return cpu / n * 1e6


# ---------------------------------------------------------------- the stores

def prepare_neo4j(data_dir: Path, enterprises: int, seed: int) -> tuple[Any, dict[str, Any]]:
    """A running Neo4j of our own holding the generated dataset (N enterprises): loaded into the
    embedded store in DIR as api_bench prepares it, then copied in offline (bench.neo4j_copy)."""
    from bench.neo4j_copy import neo4j_from_embedded
    from bench.store_bench import neo4j_memory
    from jointsup.graph.neo4j_store import Neo4jStore

    embedded = api_bench.prepare_store(str(data_dir), enterprises, seed)
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    server, copy = neo4j_from_embedded(data_dir, *neo4j_memory(enterprises, ram))
    try:
        with Neo4jStore(server.uri, None, timeout_s=600.0) as store:
            stats = store.stats()
    except BaseException:
        server.stop()
        raise
    return server, {"counts": {"nodes": stats.nodes, "relationships": stats.relationships},
                    "embedded": embedded, "copy": copy}


@contextmanager
def serving(args: argparse.Namespace, data_dir: Path) -> Iterator[tuple[Server, dict[str, Any]]]:
    """The prepared store and a server on it; everything started here is stopped on exit."""
    neo4j = None
    env: dict[str, str] = {}
    if args.store == "neo4j":
        _say(f"starting and loading Neo4j in {data_dir}")
        neo4j, store = prepare_neo4j(data_dir, args.enterprises, args.seed)
        env = {"JOINTSUP_STORE": "neo4j", "JOINTSUP_NEO4J_URI": neo4j.uri,
               "JOINTSUP_NEO4J_PASSWORD": ""}
    else:
        store = api_bench.prepare_store(str(data_dir), args.enterprises, args.seed)
    try:
        server = Server(data_dir, args.workers, args.log_level, not args.no_pin,
                        data_dir / "load-bench-server.log", env)
        try:
            yield server, store
        finally:
            server.stop()
    finally:
        if neo4j is not None:
            neo4j.stop()


# ---------------------------------------------------------------- reporting

def _ms(value: float) -> str:
    return "–" if value != value else f"{value:.1f}"  # NaN: no such answer


def render(result: dict[str, Any]) -> str:
    """Markdown tables of one results JSON: the matrix, then the overload and recovery."""
    cells = result["cells"]
    ceiling = {c["clients"]: c["rps"] for c in cells if c["kind"] == "trivial"}
    out = [f"Store: {result['setup']['store_kind']}, "
           f"{result['setup']['store']['counts']['nodes'].get('Enterprise', 0):,} enterprises; "
           f"server `--workers {result['setup']['workers']}`, in-flight limit "
           f"{result['setup']['max_in_flight']} per worker; {result['setup']['duration_s']:g} s "
           "per cell.", "",
           "| clients | query | req/s | /trivial | p50 ms | p95 ms | p99 ms | errors | 503s |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for c in cells:
        if c["phase"] not in ("", "before"):
            continue
        ratio = c["rps"] / ceiling[c["clients"]] if ceiling.get(c["clients"]) else float("nan")
        out.append(f"| {c['clients']} | {c['kind']} | {c['rps']:,.0f} | "
                   f"{'ceiling' if c['kind'] == 'trivial' else f'{ratio:.2f}'} | "
                   f"{_ms(c['p50_ms'])} | {_ms(c.get('p95_ms', float('nan')))} | "
                   f"{_ms(c['p99_ms'])} | {c['error_rate']:.1%} | {c.get('refused', 0):,} |")
    phases = [c for c in cells if c["phase"] in ("overload", "recovery")]
    if phases:
        out += ["", "| phase | clients | answered | ok req/s | 503s | 503 p50 ms | 503 p99 ms | "
                "ok p99 ms | other errors |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for c in phases:
            other = c["errors"] - c.get("refused", 0)
            out.append(f"| {c['phase']} | {c['clients']} | {c['requests']:,} | {c['rps']:,.0f} | "
                       f"{c.get('refused', 0):,} | {_ms(c.get('refused_p50_ms', float('nan')))} | "
                       f"{_ms(c.get('refused_p99_ms', float('nan')))} | {_ms(c['p99_ms'])} | "
                       f"{other:,} |")
    if probe := result.get("overload_probe"):
        out += ["", "Probe during the overload phase (one raw keep-alive connection, a request "
                "every 100 ms): " + "; ".join(
                    f"{v['count']} × {k if k != '0' else 'failed'}, p50 {_ms(v['p50_ms'])} ms, "
                    f"p99 {_ms(v['p99_ms'])} ms" for k, v in probe.items()) + "."]
    out.append("")
    out.append("/trivial: req/s over `{ __typename }`'s at the same concurrency in this run. "
               "errors: share of answers that were not a 200 without GraphQL errors (503s "
               "included). In the overload table, \"ok p99\" is over every answer, 503s "
               "included.")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- main

def main(argv: Sequence[str] | None = None) -> None:
    """Prepare, serve, run the matrix and the overload phase, print, write JSON."""
    p = argparse.ArgumentParser(prog="python -m bench.load_bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", choices=("embedded", "neo4j"), default="embedded")
    p.add_argument("--enterprises", type=int, default=20_000,
                   help="enterprises to generate when the store is prepared")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="store directory (default: TMPDIR/jointsup-load-bench-STORE-N)")
    p.add_argument("--clients", default="1,10,50,100")
    p.add_argument("--kinds", default=",".join(KINDS))
    p.add_argument("--duration", type=float, default=5.0, help="timed seconds per cell")
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--sample", type=int, default=2000, help="enterprises to draw queries from")
    p.add_argument("--overload-clients", type=int, default=0,
                   help="clients of the overload phase (default 4 x limit x workers; 0: default,"
                        " -1: no overload phase)")
    p.add_argument("--max-requests", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--log-level", default="warning")
    p.add_argument("--no-pin", action="store_true")
    p.add_argument("--out", type=Path, default=Path("bench/results/load.json"))
    p.add_argument("--refusal-cost", type=int, default=0, metavar="N",
                   help="only measure the CPU of N refusals in this process, print it, exit")
    args = p.parse_args(argv)
    if args.refusal_cost:
        print(f"{refusal_cost(args.refusal_cost):.1f} µs of CPU per refusal "
              f"({args.refusal_cost:,} refusals, INFO logging)")
        return
    clients = [int(c) for c in args.clients.split(",")]
    kinds = [k for k in args.kinds.split(",") if k]
    if unknown := set(kinds) - set(KINDS):
        p.error(f"unknown kinds: {sorted(unknown)}")
    command = shlex.join(["python", "-m", "bench.load_bench",
                          *(sys.argv[1:] if argv is None else argv)])
    data_dir = (args.data_dir or Path(tempfile.gettempdir())
                / f"jointsup-load-bench-{args.store}-{args.enterprises}").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    limit = Settings.from_env().max_in_flight
    overload = args.overload_clients or 4 * limit * args.workers
    info: dict[str, Any] = machine() | {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "loadavg_start": list(os.getloadavg()),
        **{name: version(name) for name in ("httpx", "uvicorn", "starlette")},
        "strawberry": version("strawberry-graphql")}
    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    cells: list[Cell] = []
    with serving(args, data_dir) as (server, store):
        rows = sample_enterprises(data_dir / "dataset", args.sample, args.seed)
        if not args.no_pin:
            os.sched_setaffinity(0, {api_bench.CLIENT_CPU})
        ready_s = server.wait_ready(900)
        warm_s = server.wait_warm(1800)  # the name index and the linker: minutes at 1M on Neo4j
        settle_s = server.settle(900)
        token = server.cli("token", "create", "--role", "coordinator", "--note",
                           "load_bench").strip().splitlines()[-1]
        pinning = pinning_summary(not args.no_pin, server,
                                  sorted(os.sched_getaffinity(0)) == [api_bench.CLIENT_CPU])
        _say(f"server ready in {ready_s:.1f} s (+{warm_s:.1f} s warm, +{settle_s:.1f} s idle); "
             f"{pinning['summary']}")
        plan = [(n, kind) for n in clients for kind in ("trivial", *kinds)]
        for i, (n, kind) in enumerate(plan):
            expect = int(args.duration * 400) + 2000
            bodies = bodies_for(kind, rows, f"{run_id}-{i}", 2 * expect)
            cell = measure(server.url, token, kind, bodies, n, args.duration, args.warmup,
                           args.max_requests, args.seed + i, "", server,
                           in_turn=kind == "registerClue")
            cells.append(cell)
            _say(f"{kind} x{n}: {cell.rps:,.0f} req/s, p50 {cell.p50_ms:.1f} ms, "
                 f"p99 {cell.p99_ms:.1f} ms, errors {cell.errors} {cell.statuses}")
            if server.proc.poll() is not None:
                raise SystemExit(f"the server died:\n{server.log_tail()}")
        probe: Probe | None = None
        if args.overload_clients >= 0:
            bodies = bodies_for("enterprise", rows, run_id, 0)
            for phase, n in (("overload", overload), ("recovery", RECOVERY_CLIENTS)):
                if phase == "overload":
                    probe = Probe(server.url, token, bodies[0],
                                  time.perf_counter() + args.duration + 1.0)
                    probe.start()
                cell = measure(server.url, token, "enterprise", bodies, n, args.duration, 0,
                               args.max_requests, args.seed, phase, server,
                               refused_pause_s=OVERLOAD_PAUSE_S)
                if phase == "overload" and probe is not None:
                    probe.join(60)
                    _say(f"probe: {probe.summary()}")
                cells.append(cell)
                _say(f"{phase} x{n}: {cell.rps:,.0f} ok/s, 503s {cell.refused:,} "
                     f"(p99 {cell.refused_p99_ms:.1f} ms), statuses {cell.statuses}")
        server.cli("token", "revoke", token.removeprefix("jst_").split(".", 1)[0])
    info["loadavg_end"] = list(os.getloadavg())
    setup = {"store_kind": args.store, "data_dir": str(data_dir), "store": store,
             "workers": args.workers, "max_in_flight": limit, "duration_s": args.duration,
             "warmup_s": args.warmup, "clients": clients, "kinds": kinds,
             "overload_clients": overload, "sample": len(rows), "pinning": pinning,
             "server_ready_s": ready_s, "server_warm_s": warm_s, "server_settle_s": settle_s,
             "queries": {"enterprise": ENTERPRISE, "jointSupervision": JOINT,
                         "searchEnterprises": SEARCH, "neighbourhood": NEIGHBOURHOOD,
                         "registerClue": REGISTER}}
    result = {"bench": "load_bench", "command": command, "machine": info, "date": info["date"],
              "setup": setup, "cells": [asdict(c) for c in cells],
              **({"overload_probe": probe.summary()} if probe is not None else {}),
              "ratios": {k: {str(c.clients): c.rps / statistics.fmean(
                  [t.rps for t in cells if t.kind == "trivial" and t.clients == c.clients])
                  for c in cells if c.kind == k and c.phase == ""} for k in kinds}}
    print(render(result), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    _say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
