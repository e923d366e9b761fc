"""API benchmark: p50, p99 and requests/s of the real server under 1, 10 and 50 clients.

The issue's target: on the embedded store with 1,000,000 generated enterprises, `enterprise` with
nested people, items and inspections and `jointSupervision` answer with p99 <= 100 ms at 50
concurrent clients and at least half the throughput of a trivial query (`{ __typename }`) on the
same server in the same run — the framework's ceiling.

Absolute times on a shared machine are noise, so every throughput is reported as a ratio to the
trivial query at the same concurrency, measured right before and right after the real queries
(their mean is the ceiling; their ratio shows how much the machine drifted meanwhile).

    python -m bench.api_bench [--enterprises N] [--data-dir DIR] [--duration S] [--workers W]
                              [--out bench/results/api.json]

The store: reference data plus `jointsup demo generate`'s dataset of N enterprises, loaded with the
ingest pipeline into DIR (default: TMPDIR/jointsup-api-bench-N). A DIR that already holds a loaded
store is reused as it is (a 1M ingest takes long). The server is `python -m jointsup serve` as a
subprocess on 127.0.0.1, pinned to CPU 1 (taskset); the load generator is an asyncio httpx client
in this process, pinned to CPU 0; the output says whether pinning held. Each (query, clients) cell
warms up, then runs for --duration seconds cycling through random USCCs sampled from the store.
Prints one table; writes the figures, the machine, the date and the exact command as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import random
import shlex
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx

from bench.store_bench import machine

TARGET_P99_MS = 100.0
TARGET_RATIO = 0.5
TARGET_CLIENTS = 50
LOADED_MARKER = "api-bench-loaded.json"
# Labels a loaded store has: reference data, the catalogue, enterprises and the last dataset.
LOADED_LABELS = ("Region", "Industry", "Article", "Department", "SupervisionItem", "Enterprise",
                 "Inspection", "Clue")
SERVER_CPU, CLIENT_CPU = 1, 0

TRIVIAL = "{ __typename }"
# A coordinator's enterprise page: registration, people, applicable items with who answers for
# them and the last inspection under each, and the latest inspections.
ENTERPRISE = """query Enterprise($uscc: String!) {
  enterprise(uscc: $uscc) {
    id uscc name tradeName status entityType established address phone creditClass
    legalRepresentative regionCode industryCode
    region { code name } industry { code name }
    people(first: 20) { totalCount edges { node { role shareRatio
      person { personId name } } } }
    applicableItems(first: 20) { totalCount edges { node { viaIndustry
      item { code name itemType departmentSystem }
      responsible { level department { code name } implementation { code method frequency } }
      lastInspection { inspectionId date result } } } }
    inspections(first: 20) { totalCount edges { node { inspectionId date result officerCount
      item { code name } department { code name } } } }
  }
}"""
# Planning a joint inspection: every department with the items it answers for, its
# implementation and the last inspection of each. (The articles of the legal basis would be an
# 11th level, over the depth limit of 10, so only their count is asked.)
JOINT = """query Joint($uscc: String!) {
  jointSupervision(uscc: $uscc) {
    enterprise { uscc name status regionCode industryCode }
    departments(first: 50) { totalCount edges { node {
      level department { code name system level }
      items(first: 50) { totalCount edges { node {
        viaIndustry item { code name itemType }
        implementation { code method ratio frequency }
        legalBasis(first: 5) { totalCount }
        lastInspection { inspectionId date result } } } } } } }
  }
}"""
QUERIES: dict[str, tuple[str, str | None]] = {  # kind -> (document, root field or None)
    "trivial": (TRIVIAL, None),
    "enterprise": (ENTERPRISE, "enterprise"),
    "jointSupervision": (JOINT, "jointSupervision"),
}


# ---------------------------------------------------------------- the store

def _say(message: str) -> None:
    print(f"[api_bench] {message}", file=sys.stderr, flush=True)


def store_counts(path: Path) -> dict[str, dict[str, int]]:
    """`jointsup stats` of the embedded store at `path` (the file must exist)."""
    from jointsup.graph.embedded import EmbeddedStore

    with EmbeddedStore(path) as store:
        counts = store.stats()
    return {"nodes": counts.nodes, "relationships": counts.relationships}


def looks_loaded(counts: dict[str, dict[str, int]]) -> bool:
    """Whether every dataset, reference data included, left nodes in the store."""
    return all(counts["nodes"].get(label, 0) > 0 for label in LOADED_LABELS)


def prepare_store(data_dir: str, enterprises: int, seed: int) -> dict[str, Any]:
    """Reuse a loaded store in `data_dir`, or generate the dataset and load it (resumably).

    Runs in a child process, so the load generator's process stays small.
    """
    from jointsup.config import Settings
    from jointsup.graph.embedded import EmbeddedStore
    from jointsup.ingest.generate import generate
    from jointsup.ingest.jobs import ingest_dir
    from jointsup.ingest.reference import load_reference

    settings = Settings.from_env(data_dir=Path(data_dir), store="embedded")
    marker = settings.data_dir / LOADED_MARKER
    if settings.embedded_path.exists():
        t = time.perf_counter()
        counts = store_counts(settings.embedded_path)
        stats_s = time.perf_counter() - t
        if marker.exists() or looks_loaded(counts):
            how = "marker" if marker.exists() else "counts"
            return {"reused": True, "reused_by": how, "counts": counts, "stats_s": stats_s,
                    "marker": json.loads(marker.read_text()) if marker.exists() else None}
    timings: dict[str, float] = {}
    folder = settings.data_dir / "dataset"
    if not (folder / "manifest.json").exists():
        _say(f"generating {enterprises:,} enterprises (seed {seed}) in {folder}")
        t = time.perf_counter()
        generate(folder, enterprises, seed)
        timings["generate_s"] = time.perf_counter() - t
    last = [0.0]

    def progress(task: str, done: int, total: int) -> None:
        if time.monotonic() - last[0] >= 15 or done == total:
            last[0] = time.monotonic()
            _say(f"ingest {task}: {done:,}/{total:,}")

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with EmbeddedStore(settings.embedded_path) as store:
        t = time.perf_counter()
        load_reference(store, None, settings.batch_size, progress)
        timings["reference_s"] = time.perf_counter() - t
        t = time.perf_counter()
        summaries = ingest_dir(store, settings, folder, None, progress)
        timings["ingest_s"] = time.perf_counter() - t
    counts = store_counts(settings.embedded_path)
    rejected = sum(s.rejected for s in summaries)
    marker.write_text(json.dumps({"enterprises": enterprises, "seed": seed, "rejected": rejected,
                                  "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                                  **timings}, indent=2) + "\n")
    return {"reused": False, "counts": counts, "rejected": rejected, **timings}


def sample_usccs(path: Path, count: int, seed: int) -> list[str]:
    """`count` random enterprise keys, drawn by random row id (fixed by the seed), read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        low, high = conn.execute(
            "SELECT min(id), max(id) FROM nodes WHERE label = 'Enterprise'").fetchone()
        if low is None:
            raise SystemExit(f"{path} holds no enterprises")
        rng = random.Random(seed)
        found: dict[str, None] = {}
        for _ in range(count * 200):
            row = conn.execute("SELECT key FROM nodes WHERE id = ? AND label = 'Enterprise'",
                               (rng.randint(low, high),)).fetchone()
            if row is not None:
                found[str(row[0])] = None
                if len(found) == count:
                    break
        return list(found)
    finally:
        conn.close()


# ---------------------------------------------------------------- the server

def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, user+system CPU seconds) of every process /proc shows."""
    tick = os.sysconf("SC_CLK_TCK")
    table: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return table


def process_tree(root: int) -> dict[int, float]:
    """pid -> CPU seconds of `root` and all its descendants."""
    table = proc_table()
    tree, frontier = {}, [root]
    while frontier:
        pid = frontier.pop()
        if pid in table:
            tree[pid] = table[pid][1]
            frontier += [child for child, (parent, _) in table.items() if parent == pid]
    return tree


def cpu_busy_ticks() -> dict[int, tuple[int, int]]:
    """cpu -> (busy, total) jiffies since boot, from /proc/stat."""
    out: dict[int, tuple[int, int]] = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name[3:].isdigit():
            v = [int(x) for x in values[:8]]
            total = sum(v)
            out[int(name[3:])] = (total - v[3] - v[4], total)  # minus idle and iowait
    return out


class Server:
    """`python -m jointsup serve` on 127.0.0.1 in its own session, pinned where possible."""

    def __init__(self, data_dir: Path, workers: int, log_level: str, pin: bool,
                 log_path: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "JOINTSUP_STORE": "embedded",
                    "JOINTSUP_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **(env or {})}
        argv = [sys.executable, "-m", "jointsup", "serve", "--host", "127.0.0.1", "--port",
                str(self.port), "--workers", str(workers), "--log-level", log_level]
        self.pinned_with = "none"
        taskset = shutil.which("taskset")
        if pin and taskset:
            argv = [taskset, "-c", str(SERVER_CPU), *argv]
            self.pinned_with = "taskset"
        self.log_path = log_path
        with log_path.open("wb") as sink:
            self.proc = subprocess.Popen(  # noqa: S603 (this interpreter running our CLI)
                argv, env=self.env, stdout=sink, stderr=subprocess.STDOUT,
                start_new_session=True)

    def wait_ready(self, timeout_s: float) -> float:
        """Seconds until /readyz answered 200."""
        start = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited ({self.proc.returncode}); see "
                                 f"{self.log_path}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - start
            except httpx.TransportError:
                pass
            if time.monotonic() - start > timeout_s:
                raise SystemExit(f"the server was not ready within {timeout_s:g} s")
            time.sleep(0.2)

    def wait_warm(self, timeout_s: float, in_a_row: int = 6) -> float:
        """Seconds until /readyz said `nlp` and `names` were `ready` `in_a_row` times running
        (each worker answers for itself, so several answers cover every worker)."""
        start, streak = time.monotonic(), 0
        while streak < in_a_row:
            if time.monotonic() - start > timeout_s:
                raise SystemExit(f"the server's warm-ups did not finish within {timeout_s:g} s")
            try:
                body = httpx.get(f"{self.url}/readyz", timeout=5).json()
            except (httpx.TransportError, ValueError):
                body = {}
            warm = body.get("nlp") == "ready" and body.get("names") == "ready"
            streak = streak + 1 if warm else 0
            time.sleep(0.5)
        return time.monotonic() - start

    def settle(self, timeout_s: float, idle_cores: float = 0.05) -> float:
        """Wait until the server tree idles (workers build a name index on start); seconds."""
        start = time.monotonic()
        quiet = 0
        while quiet < 2 and time.monotonic() - start < timeout_s:
            before = sum(process_tree(self.proc.pid).values())
            time.sleep(1.0)
            quiet = quiet + 1 if sum(process_tree(self.proc.pid).values()) - before \
                < idle_cores else 0
        return time.monotonic() - start

    def affinity(self) -> dict[int, list[int]]:
        """pid -> allowed CPUs of every process of the server."""
        out = {}
        for pid in process_tree(self.proc.pid):
            try:
                out[pid] = sorted(os.sched_getaffinity(pid))
            except OSError:
                continue
        return out

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the server and its workers."""
        return sum(process_tree(self.proc.pid).values())

    def log_tail(self, lines: int = 20) -> str:
        """The end of the server's log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def cli(self, *args: str) -> str:
        """Run `python -m jointsup ARGS` against the same data directory; its stdout."""
        done = subprocess.run([sys.executable, "-m", "jointsup", *args],  # noqa: S603
                              env=self.env, capture_output=True, text=True, timeout=300,
                              check=False)
        if done.returncode != 0:
            raise SystemExit(f"jointsup {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def stop(self) -> None:
        """SIGTERM (uvicorn stops its workers), then SIGKILL to the session if it lingers."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=10)


# ---------------------------------------------------------------- the load generator

@dataclass
class Raw:
    """What one timed run collected."""

    latencies_ns: list[int] = field(default_factory=list)
    ok: int = 0
    errors: int = 0
    bytes: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)  # HTTP status -> responses (0: none)
    refused_ns: list[int] = field(default_factory=list)  # latencies of the 503 answers


def request_bodies(kind: str, usccs: Sequence[str]) -> list[bytes]:
    """The POST bodies of one query kind: one per sampled USCC (one in all for trivial)."""
    document, root = QUERIES[kind]
    if root is None:
        return [json.dumps({"query": document}).encode()]
    return [json.dumps({"query": document, "variables": {"uscc": u}}).encode() for u in usccs]


async def drive(clients: Sequence[httpx.AsyncClient], bodies: Sequence[bytes], seconds: float,
                max_requests: int, seed: int, in_turn: bool = False,
                refused_pause_s: float = 0.0) -> Raw:
    """Closed-loop clients posting random bodies until `seconds` or `max_requests`.

    `in_turn`: the bodies in order instead (each used once while they last: mutations with
    idempotency keys). `refused_pause_s`: a client answered 503 waits this long before its next
    request (a client honouring Retry-After would wait longer).

    One AsyncClient (one keep-alive connection) per client: a single shared pool of 50
    connections costs httpx ~10 ms of CPU per request (~2 ms with a pool each), which would make
    the load generator the bottleneck at 50 clients.
    """
    raw = Raw()
    sent = [0]
    start = time.perf_counter()
    deadline = start + seconds

    async def one(i: int, client: httpx.AsyncClient) -> None:
        rng = random.Random(seed * 1000 + i)
        clock = time.perf_counter_ns
        while time.perf_counter() < deadline and sent[0] < max_requests:
            body = bodies[sent[0] % len(bodies)] if in_turn else bodies[rng.randrange(len(bodies))]
            sent[0] += 1
            t = clock()
            try:
                response = await client.post("/graphql", content=body)
                content = response.content
            except httpx.HTTPError as exc:
                raw.errors += 1
                raw.statuses[0] = raw.statuses.get(0, 0) + 1
                if len(raw.error_samples) < 5:
                    raw.error_samples.append(f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(0.01)
                continue
            took = clock() - t
            raw.latencies_ns.append(took)
            raw.bytes += len(content)
            status = response.status_code
            raw.statuses[status] = raw.statuses.get(status, 0) + 1
            if status == 200 and b'"errors"' not in content:
                raw.ok += 1
            else:
                raw.errors += 1
                if len(raw.error_samples) < 5:
                    raw.error_samples.append(f"{status}: {content[:300]!r}")
                if status == 503:
                    raw.refused_ns.append(took)
                    if refused_pause_s:
                        await asyncio.sleep(refused_pause_s)

    # Bounded twice: each client stops at the deadline; the whole run at deadline + timeouts.
    await asyncio.wait_for(asyncio.gather(*(one(i, c) for i, c in enumerate(clients))),
                           timeout=seconds + 30)
    raw.elapsed_s = time.perf_counter() - start
    return raw


def percentile(sorted_ms: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (as store_bench)."""
    return sorted_ms[min(len(sorted_ms) - 1, round(q * (len(sorted_ms) - 1)))]


@dataclass
class Cell:
    """One (query, clients) measurement."""

    kind: str
    clients: int
    phase: str  # "before"/"after" for the trivial ceiling, "" otherwise
    requests: int
    ok: int
    errors: int
    error_rate: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    mean_bytes: float
    elapsed_s: float
    server_cores: float  # CPU of the server's processes / wall time
    client_cores: float  # CPU of this process / wall time
    cpu_busy: dict[int, float]  # every CPU's busy share during the run (all processes)
    load1: float
    error_samples: list[str]
    p95_ms: float = float("nan")
    statuses: dict[str, int] = field(default_factory=dict)  # HTTP status -> count ("0": none)
    refused: int = 0  # 503 answers (admission control)
    refused_p50_ms: float = float("nan")
    refused_p99_ms: float = float("nan")


def measure(base_url: str, token: str, kind: str, bodies: Sequence[bytes], clients: int,
            duration: float, warmup: float, max_requests: int, seed: int, phase: str,
            server: Server, in_turn: bool = False, refused_pause_s: float = 0.0) -> Cell:
    """Warm up, then time one cell; CPU of server, client and every CPU alongside."""

    async def run() -> tuple[Raw, float, float, dict[int, tuple[int, int]], float]:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        pool = [httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits,
                                  timeout=httpx.Timeout(15.0)) for _ in range(clients)]
        try:
            if warmup > 0:
                await drive(pool, bodies[len(bodies) // 2:] if in_turn else bodies, warmup,
                            max_requests, seed + 1, in_turn, refused_pause_s)
            cpu0, srv0, ticks0, wall0 = (time.process_time(), server.cpu_seconds(),
                                         cpu_busy_ticks(), time.perf_counter())
            raw = await drive(pool, bodies[:len(bodies) // 2] if in_turn else bodies, duration,
                              max_requests, seed, in_turn, refused_pause_s)
            wall = time.perf_counter() - wall0
            return (raw, (time.process_time() - cpu0) / wall,
                    (server.cpu_seconds() - srv0) / wall, ticks0, wall)
        finally:
            await asyncio.gather(*(c.aclose() for c in pool))

    raw, client_cores, server_cores, ticks0, _ = asyncio.run(run())
    ticks1 = cpu_busy_ticks()
    busy = {cpu: (ticks1[cpu][0] - b0) / max(1, ticks1[cpu][1] - t0)
            for cpu, (b0, t0) in ticks0.items() if cpu in ticks1}
    ms = sorted(x / 1e6 for x in raw.latencies_ns) or [float("nan")]
    refused_ms = sorted(x / 1e6 for x in raw.refused_ns) or [float("nan")]
    total = raw.ok + raw.errors
    return Cell(kind=kind, clients=clients, phase=phase, requests=total, ok=raw.ok,
                errors=raw.errors, error_rate=raw.errors / max(1, total),
                rps=raw.ok / raw.elapsed_s, p50_ms=percentile(ms, 0.5),
                p90_ms=percentile(ms, 0.9), p99_ms=percentile(ms, 0.99), max_ms=ms[-1],
                mean_ms=statistics.fmean(ms), mean_bytes=raw.bytes / max(1, len(raw.latencies_ns)),
                elapsed_s=raw.elapsed_s, server_cores=server_cores, client_cores=client_cores,
                cpu_busy=busy, load1=os.getloadavg()[0], error_samples=raw.error_samples,
                p95_ms=percentile(ms, 0.95),
                statuses={str(k): v for k, v in sorted(raw.statuses.items())},
                refused=len(raw.refused_ns), refused_p50_ms=percentile(refused_ms, 0.5),
                refused_p99_ms=percentile(refused_ms, 0.99))


def check_queries(base_url: str, token: str, usccs: Sequence[str]) -> dict[str, Any]:
    """Each query once, in full: no errors, a non-null answer; what an answer holds."""
    shapes: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        for kind, (document, root) in QUERIES.items():
            sizes, counts = [], []
            for uscc in usccs[:20]:
                body: dict[str, Any] = {"query": document}
                if root is not None:
                    body["variables"] = {"uscc": uscc}
                r = client.post("/graphql", json=body)
                answer = r.json()
                if r.status_code != 200 or answer.get("errors") or \
                        (root is not None and not answer["data"][root]):
                    raise SystemExit(f"{kind} for {uscc}: HTTP {r.status_code} {r.text[:500]}")
                sizes.append(len(r.content))
                counts.append(r.text.count('"node"'))
                if root is None:
                    break
            shapes[kind] = {"mean_bytes": statistics.fmean(sizes),
                            "mean_nodes_in_connections": statistics.fmean(counts)}
    return shapes


# ---------------------------------------------------------------- reporting

def render(result: dict[str, Any]) -> str:
    """The markdown of one results JSON: the table, as printed, in a code block."""
    fields = {f for f in Cell.__dataclass_fields__}
    cells = [Cell(**{k: v for k, v in c.items() if k in fields}) for c in result["cells"]]
    info = {"loadavg_start": [0.0], "loadavg_end": [0.0], **result["machine"]}
    info.setdefault("date", result.get("date", "?"))
    for name in ("uvicorn", "starlette", "strawberry", "httpx", "python", "sqlite", "nproc"):
        info.setdefault(name, "?")
    return "```\n" + render_table(cells, info, result["setup"], result["command"]) + "\n```\n"


def render_table(cells: list[Cell], info: dict[str, Any], setup: dict[str, Any],
                 command: str) -> str:
    """The one table."""
    head = ["clients", "query", "requests", "req/s", "p50 ms", "p99 ms", "errors", "/trivial",
            "srv cpu", "cli cpu", "target (50 clients)"]
    body: list[list[str]] = []
    for clients in sorted({c.clients for c in cells}):
        group = [c for c in cells if c.clients == clients]
        triv = [c for c in group if c.kind == "trivial"]
        ceiling = statistics.fmean(c.rps for c in triv)
        drift = (triv[-1].rps / triv[0].rps) if len(triv) == 2 else 1.0
        for c in triv:
            body.append([str(clients), f"trivial ({c.phase})", f"{c.requests:,}",
                         f"{c.rps:,.0f}", f"{c.p50_ms:.1f}", f"{c.p99_ms:.1f}",
                         f"{c.error_rate:.1%}",
                         f"drift {drift:.2f}" if c.phase == "after" else "ceiling",
                         f"{c.server_cores:.2f}", f"{c.client_cores:.2f}", ""])
        for c in group:
            if c.kind == "trivial":
                continue
            ratio = c.rps / ceiling
            target = ""
            if clients == TARGET_CLIENTS:
                met = c.p99_ms <= TARGET_P99_MS and ratio >= TARGET_RATIO and c.errors == 0
                target = (f"p99<={TARGET_P99_MS:g}, >={TARGET_RATIO:g}x: "
                          f"{'yes' if met else 'NO'}")
            body.append([str(clients), c.kind, f"{c.requests:,}", f"{c.rps:,.0f}",
                         f"{c.p50_ms:.1f}", f"{c.p99_ms:.1f}", f"{c.error_rate:.1%}",
                         f"{ratio:.2f}", f"{c.server_cores:.2f}", f"{c.client_cores:.2f}",
                         target])
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

    def line(cells_: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells_, widths, strict=True)).rstrip()

    rule = "-" * len(line(["x" * w for w in widths]))
    nodes = setup["store"]["counts"]["nodes"]
    pin = setup["pinning"]
    title = [
        f"API benchmark  {info['date']}  {info['nproc']} cpu ({info.get('cpu', '?')}), "
        f"{info.get('ram_bytes', 0) / 1024**3:.1f} GiB RAM, Python {info['python']}, "
        f"SQLite {info['sqlite']}, load avg {info['loadavg_start'][0]:.2f} at start, "
        f"{info['loadavg_end'][0]:.2f} at end",
        f"$ {command}",
        f"store: embedded, {nodes.get('Enterprise', 0):,} enterprises, "
        f"{sum(nodes.values()):,} nodes, "
        f"{sum(setup['store']['counts']['relationships'].values()):,} relationships "
        f"({'reused' if setup['store']['reused'] else 'prepared in this run'}; "
        f"{setup['data_dir']})",
        f"server: jointsup serve --workers {setup['workers']} (uvicorn {info['uvicorn']}, "
        f"starlette {info['starlette']}, strawberry {info['strawberry']}), log level "
        f"{setup['log_level']}; client: httpx {info['httpx']}, asyncio, one keep-alive "
        "connection per client",
        f"pinning: {pin['summary']}",
        f"each cell: {setup['warmup_s']:g} s warm-up, {setup['duration_s']:g} s timed, "
        f"{setup['usccs']:,} random USCCs",
    ]
    out = [*title, rule, line(head), rule]
    last = None
    for row in body:
        if last is not None and row[0] != last:
            out.append(rule)
        out.append(line(row))
        last = row[0]
    out.append(rule)
    if cpu := setup.get("cpu_ms_per_request"):
        out.append("CPU per request, in-process without HTTP (100 requests each): " + ", ".join(
            f"{kind} {ms:.1f} ms" for kind, ms in cpu.items()))
    out.append("/trivial: req/s over the mean of the trivial query's req/s before and after, same "
               "clients (drift: after/before). srv/cli cpu: cores used by the server's processes "
               "and by this client during the cell.")
    return "\n".join(out)


def pinning_summary(pin: bool, server: Server, client_ok: bool) -> dict[str, Any]:
    """Which CPUs the server's processes and this client may run on."""
    server_aff = server.affinity()
    server_ok = bool(server_aff) and all(cpus == [SERVER_CPU] for cpus in server_aff.values())
    client_cpus = sorted(os.sched_getaffinity(0))
    if not pin:
        summary = "off (--no-pin)"
    else:
        summary = (f"server {'held' if server_ok else 'FAILED'} (CPU {SERVER_CPU}, "
                   f"{len(server_aff)} processes, via {server.pinned_with}); client "
                   f"{'held' if client_ok else 'FAILED'} (CPUs {client_cpus})")
    return {"requested": pin, "server_ok": server_ok, "client_ok": client_ok,
            "server_affinity": {str(k): v for k, v in server_aff.items()},
            "client_affinity": client_cpus, "summary": summary}


def cpu_per_request(data_dir: Path, usccs: Sequence[str], requests: int) -> dict[str, float]:
    """CPU milliseconds per request of each query kind, executed in this process without HTTP.

    The served schema on the store, one fresh request context per request as the server makes
    it; process CPU time, so other load on the machine matters far less than for wall times.
    """
    from jointsup.graph.embedded import EmbeddedStore
    from jointsup.resolvers.context import RequestContext
    from jointsup.server import build_served_schema
    from jointsup.services.policy import Principal, Role
    from jointsup.services.search import index_enterprise_names

    schema = build_served_schema(False)
    principal = Principal("api-bench", Role.COORDINATOR)
    with EmbeddedStore(data_dir / "graph.sqlite") as store:
        index_enterprise_names(store)

        async def run(kind: str, count: int) -> None:
            document, root = QUERIES[kind]
            for i in range(count):
                variables = {"uscc": usccs[i % len(usccs)]} if root else None
                result = await schema.execute(
                    document, variable_values=variables,
                    context_value=RequestContext.create(store, principal, "api-bench"))
                if result.errors:
                    raise SystemExit(f"{kind}: {result.errors[0]}")

        async def measure_all() -> dict[str, float]:
            out = {}
            for kind in QUERIES:
                await run(kind, max(1, requests // 10))  # warm caches
                start = time.process_time()
                await run(kind, requests)
                out[kind] = (time.process_time() - start) / requests * 1000
            return out

        return asyncio.run(measure_all())


def main(argv: Sequence[str] | None = None) -> None:
    """Prepare or reuse the store, start the server, drive every cell, print, write JSON."""
    p = argparse.ArgumentParser(prog="python -m bench.api_bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--enterprises", type=int, default=20_000,
                   help="enterprises to generate when the store is prepared (default 20,000; "
                        "the issue's figure is 1,000,000)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="store directory; reused when it holds a loaded store "
                        "(default: TMPDIR/jointsup-api-bench-N)")
    p.add_argument("--duration", type=float, default=10.0, help="timed seconds per cell")
    p.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per cell")
    p.add_argument("--workers", type=int, default=2, help="server worker processes")
    p.add_argument("--clients", default="1,10,50", help="concurrencies, comma-separated")
    p.add_argument("--usccs", type=int, default=2000, help="random enterprises to cycle through")
    p.add_argument("--max-requests", type=int, default=1_000_000,
                   help="cap on requests per cell (besides the duration)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--log-level", default="info",
                   help="the server's log level (info, as served, logs one line per request)")
    p.add_argument("--no-pin", action="store_true", help="do not pin server and client to CPUs")
    p.add_argument("--out", type=Path, default=Path("bench/results/api.json"))
    p.add_argument("--cpu-only", type=int, default=0, metavar="N",
                   help="only print the CPU ms per request of each query, N requests each, "
                        "executed in this process without HTTP (the store must exist)")
    args = p.parse_args(argv)
    clients = [int(c) for c in args.clients.split(",")]
    if args.enterprises < 10 or args.duration <= 0 or args.workers < 1 or min(clients) < 1:
        p.error("enterprises >= 10, duration > 0, workers >= 1, clients >= 1")

    if args.cpu_only:
        cpu_dir = (args.data_dir or Path(tempfile.gettempdir())
                   / f"jointsup-api-bench-{args.enterprises}").resolve()
        sample = sample_usccs(cpu_dir / "graph.sqlite", args.usccs, args.seed)
        cpu = cpu_per_request(cpu_dir, sample, args.cpu_only)
        print(json.dumps({kind: round(ms, 2) for kind, ms in cpu.items()}))
        return
    command = shlex.join(["python", "-m", "bench.api_bench",
                          *(sys.argv[1:] if argv is None else argv)])
    data_dir = (args.data_dir or Path(tempfile.gettempdir())
                / f"jointsup-api-bench-{args.enterprises}").resolve()
    info: dict[str, Any] = machine() | {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "loadavg_start": list(os.getloadavg()),
        **{name: version(name) for name in ("httpx", "uvicorn", "starlette")},
        "strawberry": version("strawberry-graphql"), "graphql_core": version("graphql-core")}
    info.pop("neo4j_driver", None)

    # The store, in a child process before pinning (generation and ingest may use both CPUs).
    t = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        store = pool.submit(prepare_store, str(data_dir), args.enterprises, args.seed).result()
    store["wall_s"] = time.perf_counter() - t
    enterprises = store["counts"]["nodes"].get("Enterprise", 0)
    _say(f"store {'reused' if store['reused'] else 'prepared'} in {store['wall_s']:.0f} s: "
         f"{enterprises:,} enterprises in {data_dir}")
    if store["reused"] and enterprises != args.enterprises:
        _say(f"note: --enterprises {args.enterprises:,} ignored; the reused store holds "
             f"{enterprises:,}")
    usccs = sample_usccs(data_dir / "graph.sqlite", args.usccs, args.seed)
    # CPU per request without HTTP, before the server starts: the least noisy figure here.
    cpu_ms = cpu_per_request(data_dir, usccs, 100)
    _say("CPU per request in-process: " + ", ".join(f"{k} {v:.1f} ms" for k, v in cpu_ms.items()))

    pin = not args.no_pin and (os.cpu_count() or 1) > max(SERVER_CPU, CLIENT_CPU)
    client_ok = False
    if pin:
        try:
            os.sched_setaffinity(0, {CLIENT_CPU})
            client_ok = sorted(os.sched_getaffinity(0)) == [CLIENT_CPU]
        except OSError as exc:
            _say(f"could not pin the client: {exc}")
    server = Server(data_dir, args.workers, args.log_level, pin,
                    data_dir / "api-bench-server.log")
    cells: list[Cell] = []
    token_id = ""
    try:
        ready_s = server.wait_ready(600)
        warm_s = server.wait_warm(1800)
        settle_s = server.settle(900)
        _say(f"server ready in {ready_s:.1f} s, warm after {warm_s:.1f} s more, idle after "
             f"{settle_s:.1f} s more")
        token = server.cli("token", "create", "--role", "coordinator", "--note",
                           "api_bench").strip().splitlines()[-1]
        token_id = token.removeprefix("jst_").split(".", 1)[0]
        shapes = check_queries(server.url, token, usccs)
        pinning = pinning_summary(pin, server, client_ok)
        _say(f"pinning: {pinning['summary']}")
        bodies = {kind: request_bodies(kind, usccs) for kind in QUERIES}
        plan = [(n, kind, phase) for n in clients for kind, phase in
                (("trivial", "before"), ("enterprise", ""), ("jointSupervision", ""),
                 ("trivial", "after"))]
        for i, (n, kind, phase) in enumerate(plan):
            cell = measure(server.url, token, kind, bodies[kind], n, args.duration, args.warmup,
                           args.max_requests, args.seed + i, phase, server)
            cells.append(cell)
            _say(f"{kind}{f' ({phase})' if phase else ''} x{n}: {cell.rps:,.0f} req/s, "
                 f"p50 {cell.p50_ms:.1f} ms, p99 {cell.p99_ms:.1f} ms, "
                 f"errors {cell.errors}, server {cell.server_cores:.2f} cores, "
                 f"client {cell.client_cores:.2f} cores")
            if server.proc.poll() is not None:
                raise SystemExit(f"the server died:\n{server.log_tail()}")
    finally:
        if token_id:
            try:
                server.cli("token", "revoke", token_id)
            except SystemExit as exc:
                _say(f"could not revoke the bench token: {exc}")
        server.stop()
    info["loadavg_end"] = list(os.getloadavg())
    setup = {"data_dir": str(data_dir), "store": store, "workers": args.workers,
             "log_level": args.log_level, "duration_s": args.duration, "warmup_s": args.warmup,
             "usccs": len(usccs), "clients": clients, "seed": args.seed, "pinning": pinning,
             "server_ready_s": ready_s, "server_warm_s": warm_s, "server_settle_s": settle_s,
             "answers": shapes,
             "cpu_ms_per_request": cpu_ms,
             "queries": {kind: doc for kind, (doc, _) in QUERIES.items()}}
    print(render_table(cells, info, setup, command), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"bench": "api_bench", "command": command, "machine": info, "date": info["date"],
              "setup": setup,
              "targets": {"p99_ms": TARGET_P99_MS, "ratio_to_trivial": TARGET_RATIO,
                          "clients": TARGET_CLIENTS},
              "cells": [asdict(c) for c in cells],
              "ratios": ratios(cells)}
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    _say(f"wrote {args.out}")


def ratios(cells: Sequence[Cell]) -> dict[str, dict[str, float]]:
    """query -> clients -> req/s over the trivial ceiling (mean of before and after)."""
    out: dict[str, dict[str, float]] = {}
    for c in cells:
        if c.kind == "trivial":
            continue
        ceiling = statistics.fmean(t.rps for t in cells
                                   if t.kind == "trivial" and t.clients == c.clients)
        out.setdefault(c.kind, {})[str(c.clients)] = c.rps / ceiling
    return out


if __name__ == "__main__":
    main()
