"""Store benchmark: size, load rate, key lookups and bounded neighbourhoods on a synthetic graph.

The foundation target: the embedded store holds 1,000,000 enterprises with 5,000,000
relationships in under 4 GiB of memory, answers a key lookup in under 1 ms and a depth-2
neighbourhood capped at 500 nodes in under 50 ms (medians); the same figures for Neo4j.

Absolute times on a shared machine are noise, so every latency is paired with a raw baseline
measured in the same run on the same data (plain sqlite3 / plain driver calls, interleaved with
ours) and reported as a ratio. Each store runs in its own fresh process so peak-memory figures
are its own. Prints one table; writes the figures and the machine they came from as JSON.

    python -m bench.store_bench [--enterprises N] [--store embedded|neo4j|both]
                                [--neo4j-enterprises M] [--out bench/results/store.json]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import hashlib
import json
import multiprocessing
import os
import platform
import random
import resource
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from jointsup.batching import batched
from jointsup.graph.store import BaseGraphStore, GraphTx, WriteCount
from jointsup.model import Node, NodeRef, Rel, make_node

T = TypeVar("T")
GiB = 1024**3
MiB = 1024**2
TARGET_MEMORY = 4 * GiB
TARGET_LOOKUP_MS = 1.0
TARGET_NBHD_MS = 50.0
DEPTH, NODE_LIMIT = 2, 500
DEFAULT_NEO4J_ENTERPRISES = 400_000  # ~3.4M rows at ~6,000 rows/s: whole run < 15 min on 2 cores
# Neo4j's store takes ~4 KiB per enterprise of this graph (1.6 GB at 400,000): a page cache that
# holds all of it keeps reads off the disk; the heap grows with the transaction state it sorts.
NEO4J_STORE_BYTES_PER_ENTERPRISE = 4096


def neo4j_memory(enterprises: int, ram_bytes: int) -> tuple[str, str]:
    """(heap, page cache) for a Neo4j bench run: the launcher's small defaults up to 100,000
    enterprises, then a page cache for the whole store and a 2 GiB heap, within half the RAM."""
    if enterprises <= 100_000:
        return "1g", "256m"
    want = enterprises * NEO4J_STORE_BYTES_PER_ENTERPRISE * 5 // 4
    page_cache = max(256 * MiB, min(want, ram_bytes // 2 - 2 * GiB))
    return "2g", f"{page_cache // MiB}m"

# ---------------------------------------------------------------- the synthetic graph

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_MASK64 = (1 << 64) - 1
# Shares of fresh (unshared) nodes per enterprise; the rest reuse an earlier one.
FRESH_ADDRESS, FRESH_PHONE, FRESH_PERSON = 0.9, 0.85, 0.8
N_INDUSTRIES = 300
STATUSES = (("存续", 0.82), ("在业", 0.08), ("注销", 0.07), ("吊销", 0.03))
WORDS = tuple("华蜀川渝锦天府巴蓉峨眉嘉陵岷江金沙青城宏鑫盛泰隆兴达源恒信德瑞丰和安康顺发")
TRADES = ("科技", "商贸", "餐饮", "建筑", "物流", "农业", "医药", "食品", "文化", "电子")
ROADS = ("人民南路", "蜀都大道", "天府大道", "解放路", "建设路", "中山路", "长江路", "滨江路",
         "红星路", "光华大道", "沙坪坝正街", "南坪正街", "观音桥步行街", "九龙大道")
SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾")
GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红")


def _mix(seed: int, i: int) -> int:
    """splitmix64 of (seed, i): a per-item pseudo-random value that needs no generator state."""
    z = (seed * 0x9E3779B97F4A7C15 + (i + 1) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _uscc(region_code: str, org_number: int) -> str:
    """A well-formed unified social credit code: '91' + region + organisation code + checks."""
    body = f"{org_number:08d}"
    org_check = 11 - sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    first17 = "91" + region_code + body + ("X" if org_check == 10 else str(org_check % 11))
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    check = 31 - total % 31
    return first17 + ALPHABET[check % 31]


@dataclass
class Chunk:
    """Nodes and relationships of a run of consecutive enterprises."""

    enterprises: int
    nodes: list[Node] = field(default_factory=list)
    rels: list[Rel] = field(default_factory=list)


class SyntheticGraph:
    """A deterministic enterprise graph; the graph of N enterprises is a prefix of any larger one.

    Every enterprise has exactly five relationships: IN_REGION (221 Sichuan/Chongqing county
    codes), IN_INDUSTRY (300 GB/T 4754 classes), LOCATED_AT an Address, HAS_PHONE a Phone, and
    LEGAL_REP_OF from a Person; addresses, phones and people are partly shared.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        ref = resources.files("jointsup") / "data" / "reference"
        with (ref / "regions" / "areas.csv").open(encoding="utf-8") as f:
            self.regions = [(r["code"], r["name"]) for r in csv.DictReader(f)
                            if r["provinceCode"] in ("50", "51")]
        with (ref / "industries" / "gbt4754_2017.csv").open(encoding="utf-8") as f:
            classes = [(r["code"], r["name"]) for r in csv.DictReader(f) if r["level"] == "4"]
        rng = random.Random(seed)
        self.industries = sorted(rng.sample(classes, min(N_INDUSTRIES, len(classes))))
        # Affine bijections of counters look random yet never collide.
        self._org_a, self._org_b = rng.randrange(1, 10**8, 2) | 1, rng.randrange(10**8)
        while self._org_a % 5 == 0:
            self._org_a += 2
        self._phone_a, self._phone_b = rng.randrange(1, 10**10, 2), rng.randrange(10**10)
        while self._phone_a % 5 == 0:
            self._phone_a += 2
        self._person_a, self._person_b = rng.randrange(1, 16**12, 2), rng.randrange(16**12)

    def region_of(self, i: int) -> tuple[str, str]:
        """Region (code, name) of enterprise i."""
        return self.regions[_mix(self.seed, i) % len(self.regions)]

    def enterprise_key(self, i: int) -> str:
        """The key (USCC) of enterprise i, computable without generating the graph."""
        return _uscc(self.region_of(i)[0], (self._org_a * i + self._org_b) % 10**8)

    def enterprise_ref(self, i: int) -> NodeRef:
        """NodeRef of enterprise i."""
        return NodeRef("Enterprise", self.enterprise_key(i))

    def reference_nodes(self) -> list[Node]:
        """Region and Industry nodes (loaded before any enterprise)."""
        return ([make_node("Region", {"code": c, "name": n, "level": "county"})
                 for c, n in self.regions]
                + [make_node("Industry", {"code": c, "name": n, "level": 4})
                   for c, n in self.industries])

    def _address(self, aid: int) -> Node:
        code, area = self.regions[_mix(self.seed + 1, aid) % len(self.regions)]
        road, rest = ROADS[aid % len(ROADS)], aid // len(ROADS)
        text = f"{area}{road}{rest % 500 + 1}号{rest // 500 + 1}室"
        return make_node("Address", {"normalized": text, "region_code": code})

    def _phone(self, pid: int) -> Node:
        number = f"1{(self._phone_a * pid + self._phone_b) % 10**10:010d}"
        return make_node("Phone", {"number": number})

    def _person(self, pid: int) -> Node:
        h = _mix(self.seed + 2, pid)
        name = SURNAMES[h % len(SURNAMES)] + GIVEN[(h >> 8) % len(GIVEN)] + (
            GIVEN[(h >> 16) % len(GIVEN)] if h & 1 << 30 else "")
        person_id = f"P{(self._person_a * pid + self._person_b) % 16**12:012x}"
        return make_node("Person", {"person_id": person_id, "name": name})

    def chunks(self, n: int, size: int) -> Iterator[Chunk]:
        """The graph of enterprises 0..n-1, `size` enterprises at a time."""
        rng = random.Random(self.seed)
        issued = {"address": 0, "phone": 0, "person": 0}

        def pick(kind: str, fresh: float) -> int:
            if issued[kind] == 0 or rng.random() < fresh:
                issued[kind] += 1
                return issued[kind] - 1
            return rng.randrange(issued[kind])

        for start in range(0, n, size):
            chunk = Chunk(min(size, n - start))
            for i in range(start, start + chunk.enterprises):
                region_code, region_name = self.region_of(i)
                industry_code, _ = self.industries[rng.randrange(len(self.industries))]
                u, status = rng.random(), STATUSES[-1][0]
                for name, share in STATUSES:
                    if u < share:
                        status = name
                        break
                    u -= share
                name = (region_name[:2] + rng.choice(WORDS) + rng.choice(WORDS)
                        + rng.choice(TRADES) + "有限公司")
                ent = make_node("Enterprise", {
                    "uscc": self.enterprise_key(i), "name": name, "status": status,
                    "reg_region_code": region_code, "industry_code": industry_code,
                    "established": f"{rng.randrange(1995, 2025)}-{rng.randrange(1, 13):02d}-"
                                   f"{rng.randrange(1, 29):02d}",
                    "reg_capital": rng.randrange(1, 5000) * 10_000})
                address = self._address(pick("address", FRESH_ADDRESS))
                phone = self._phone(pick("phone", FRESH_PHONE))
                person = self._person(pick("person", FRESH_PERSON))
                chunk.nodes += (ent, address, phone, person)
                chunk.rels += (
                    Rel("IN_REGION", ent.ref, NodeRef("Region", region_code)),
                    Rel("IN_INDUSTRY", ent.ref, NodeRef("Industry", industry_code)),
                    Rel("LOCATED_AT", ent.ref, address.ref),
                    Rel("HAS_PHONE", ent.ref, phone.ref),
                    Rel("LEGAL_REP_OF", person.ref, ent.ref, {"since": ent.props["established"]}),
                )
            yield chunk


# ---------------------------------------------------------------- measuring

@dataclass(frozen=True)
class Config:
    """What one store's worker process needs."""

    enterprises: int
    seed: int
    lookups: int
    starts: int
    tx_rows: int
    workdir: str | None
    keep: bool
    neo4j_heap: str | None = None
    neo4j_page_cache: str | None = None
    load_budget_s: float | None = None


class Progress:
    """A progress line on stderr: rewritten in place on a terminal, a line every 15 s otherwise."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.t0 = label, total, time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def show(self, done: int, rows: int, final: bool = False) -> None:
        sample_anon()
        now = time.perf_counter()
        if not final and now - self.last < (1.0 if self.tty else 15.0):
            return
        self.last = now
        rate = rows / max(now - self.t0, 1e-9)
        line = (f"[{self.label}] loaded {done:,}/{self.total:,} enterprises, {rows:,} rows, "
                f"{now - self.t0:,.0f} s, {rate:,.0f} rows/s")
        end = "\n" if final or not self.tty else ""
        print(("\r" if self.tty else "") + line, end=end, file=sys.stderr, flush=True)


def load_graph(store: BaseGraphStore, graph: SyntheticGraph, cfg: Config, label: str
               ) -> dict[str, Any]:
    """Load the graph through the public API: per chunk, node transactions then rel ones."""
    def write_nodes(batch: Sequence[Node]) -> Callable[[GraphTx], WriteCount]:
        return lambda tx: tx.upsert_nodes(batch)

    def write_rels(batch: Sequence[Rel]) -> Callable[[GraphTx], WriteCount]:
        return lambda tx: tx.upsert_rels(batch)

    nodes_w, rels_w = WriteCount(), WriteCount()
    node_s = rel_s = 0.0
    submitted = transactions = 0
    t0 = time.perf_counter()
    nodes_w += store.transaction(write_nodes(graph.reference_nodes()))
    progress = Progress(label, cfg.enterprises)
    done = 0
    # An enterprise makes 4 node rows (shared nodes repeat) and 5 rel rows: 2,000 of them fill
    # two node and two rel transactions of at most tx_rows (5,000) rows.
    for chunk in graph.chunks(cfg.enterprises, max(1, cfg.tx_rows * 2 // 5)):
        t = time.perf_counter()
        for node_batch in batched(chunk.nodes, cfg.tx_rows):
            nodes_w += store.transaction(write_nodes(node_batch))
            transactions += 1
        node_s += time.perf_counter() - t
        t = time.perf_counter()
        for rel_batch in batched(chunk.rels, cfg.tx_rows):
            rels_w += store.transaction(write_rels(rel_batch))
            transactions += 1
        rel_s += time.perf_counter() - t
        submitted += len(chunk.nodes) + len(chunk.rels)
        done += chunk.enterprises
        progress.show(done, nodes_w.created + rels_w.created)
        if cfg.load_budget_s is not None and time.perf_counter() - t0 > cfg.load_budget_s:
            break  # the graph of `done` enterprises is complete: chunks hold whole enterprises
    seconds = time.perf_counter() - t0
    progress.show(done, nodes_w.created + rels_w.created, final=True)
    rows = nodes_w.created + rels_w.created
    # The rate counts time inside store transactions only: generating the rows is ours, not
    # the store's (wall_rows_per_s includes it).
    return {"enterprises": done, "budget_cut": done < cfg.enterprises,
            "seconds": seconds, "rows_created": rows, "rows_per_s": rows / (node_s + rel_s),
            "wall_rows_per_s": rows / seconds,
            "nodes_created": nodes_w.created, "rels_created": rels_w.created,
            "rows_submitted": submitted, "unchanged_on_resubmit": nodes_w.unchanged,
            "transactions": transactions, "node_tx_seconds": node_s, "rel_tx_seconds": rel_s,
            "generate_seconds": seconds - node_s - rel_s}


def summary(ns: Sequence[int]) -> dict[str, float]:
    """Median, p99 and mean of nanosecond timings, in milliseconds."""
    ms = sorted(x / 1e6 for x in ns)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return {"n": len(ms), "median_ms": statistics.median(ms), "p99_ms": p99,
            "mean_ms": statistics.fmean(ms), "max_ms": ms[-1]}


def paired(samples: Sequence[T], ours: Callable[[T], object], raw: Callable[[T], object],
           warmup: int) -> tuple[list[int], list[int]]:
    """Time ours and raw on every sample, alternating which goes first; after a warm-up."""
    for s in samples[:warmup]:
        ours(s)
        raw(s)
    gc.collect()
    ours_ns: list[int] = []
    raw_ns: list[int] = []
    clock = time.perf_counter_ns
    for n, s in enumerate(samples):
        if n % 50 == 0:
            sample_anon()  # outside the timed calls
        for which in ((0, 1) if n % 2 == 0 else (1, 0)):
            t = clock()
            (ours if which == 0 else raw)(s)
            (ours_ns if which == 0 else raw_ns).append(clock() - t)
    return ours_ns, raw_ns


def compare(ours_ns: Sequence[int], raw_ns: Sequence[int]) -> dict[str, Any]:
    """Both summaries and the ratios of medians and of p99s."""
    o, r = summary(ours_ns), summary(raw_ns)
    return {"ours": o, "raw": r, "ratio_median": o["median_ms"] / r["median_ms"],
            "ratio_p99": o["p99_ms"] / r["p99_ms"]}


def sample_indexes(cfg: Config, count: int, salt: int) -> list[int]:
    """Random enterprise indexes for queries (fixed by the seed)."""
    rng = random.Random(cfg.seed * 7919 + salt)
    return [rng.randrange(cfg.enterprises) for _ in range(count)]


def peak_rss_bytes() -> int:
    """This process's peak resident set (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def proc_status(pid: int) -> dict[str, int]:
    """The Vm* and Rss* lines of /proc/<pid>/status, in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name.startswith(("Vm", "Rss")) and value.strip().endswith("kB"):
            out[name] = int(value.split()[0]) * 1024
    return out


_ANON_PEAK = [0]


def sample_anon() -> int:
    """Track the peak anonymous resident memory (heap, SQLite's page cache) of this process.

    ru_maxrss also counts file pages SQLite maps with mmap, once per connection mapping the
    file, so it overstates what holding the graph costs; the file is counted by its size instead.
    """
    _ANON_PEAK[0] = max(_ANON_PEAK[0], proc_status(os.getpid()).get("RssAnon", 0))
    return _ANON_PEAK[0]


def dir_bytes(path: Path) -> int:
    """Total size of the files under `path`."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def code_fingerprint() -> dict[str, Any]:
    """Which store code a worker runs: git HEAD, local edits, and a hash of the sources it loaded.

    Others commit while a long run goes on, so a worker records this as it starts.
    """
    root = Path(__file__).resolve().parents[1]
    paths = ["jointsup/graph", "jointsup/model.py", "jointsup/batching.py"]
    files = sorted(p for p in (root / "jointsup" / "graph").glob("*.py"))
    files += [root / "jointsup" / "model.py", root / "jointsup" / "batching.py"]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.read_bytes())
    out: dict[str, Any] = {"store_sources_sha256": digest.hexdigest()[:16]}
    git = shutil.which("git")
    if git is not None:
        def run(*args: str) -> str:
            done = subprocess.run([git, "--no-optional-locks", "-C", str(root), *args],  # noqa: S603
                                  capture_output=True, text=True, check=False)
            return done.stdout.strip()
        out["git_head"] = run("rev-parse", "--short", "HEAD") or None
        out["store_sources_edited"] = bool(run("status", "--porcelain", "--", *paths))
    return out


def check_ball(size: int, rels: int, enterprises: int) -> None:
    """Sanity: a depth-2 ball from an enterprise reaches past its five neighbours."""
    assert size >= min(6, enterprises), f"ball of only {size} nodes"
    assert rels >= size - 1, f"{rels} rels cannot connect {size} nodes"


# ---------------------------------------------------------------- embedded (SQLite)

RAW_SQL_LOOKUP = "SELECT props FROM nodes WHERE label = ? AND key = ?"
# Two hops in both directions from an enterprise, nearest first, at most ? nodes.
RAW_SQL_BALL = """
WITH start(id) AS (SELECT id FROM nodes WHERE label = 'Enterprise' AND key = ?1),
hop1(id) AS (SELECT r.dst FROM rels r JOIN start s ON r.src = s.id
             UNION SELECT r.src FROM rels r JOIN start s ON r.dst = s.id),
ball(id, d) AS (SELECT id, 0 FROM start UNION ALL SELECT id, 1 FROM hop1
                UNION ALL SELECT r.dst, 2 FROM rels r JOIN hop1 h ON r.src = h.id
                UNION ALL SELECT r.src, 2 FROM rels r JOIN hop1 h ON r.dst = h.id),
near(id, d) AS (SELECT id, min(d) FROM ball GROUP BY id ORDER BY 2, 1 LIMIT ?2)
SELECT n.id, n.label, n.key, n.props FROM near JOIN nodes n ON n.id = near.id ORDER BY near.d
"""


def raw_sql_rels_among(n: int) -> str:
    """Relationships with both ends among n node ids."""
    marks = ", ".join("?" * n)
    return f"SELECT type, src, dst, props FROM rels WHERE src IN ({marks}) AND dst IN ({marks})"  # noqa: S608


def run_embedded(cfg: Config) -> dict[str, Any]:
    """Load, then measure, the embedded store in this (fresh) process."""
    from jointsup.graph import sql
    from jointsup.graph.embedded import EmbeddedStore

    code = code_fingerprint()
    work = Path(tempfile.mkdtemp(prefix="store-bench-embedded-", dir=cfg.workdir))
    path = work / "graph.db"
    graph = SyntheticGraph(cfg.seed)
    store = EmbeddedStore(path)
    try:
        load = load_graph(store, graph, cfg, "embedded")
        stats = store.stats()
        files = {p.name: p.stat().st_size for p in work.iterdir() if p.is_file()}

        raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        for pragma in sql.PRAGMAS:  # the same page cache (and mmap) as the store's connections
            if "cache_size" in pragma or "mmap_size" in pragma:
                raw.execute(pragma)

        def ours_lookup(key: str) -> None:
            assert store.get_nodes("Enterprise", [key])[0] is not None

        def raw_lookup(key: str) -> None:
            assert raw.execute(RAW_SQL_LOOKUP, ("Enterprise", key)).fetchone() is not None

        load_before = os.getloadavg()
        keys = [graph.enterprise_key(i) for i in sample_indexes(cfg, cfg.lookups, 1)]
        lookup = compare(*paired(keys, ours_lookup, raw_lookup, warmup=min(500, len(keys))))

        sizes: list[int] = []

        def ours_ball(ref: NodeRef) -> None:
            sub = store.neighbourhood(ref, depth=DEPTH, node_limit=NODE_LIMIT)
            check_ball(len(sub.nodes), len(sub.rels), cfg.enterprises)
            sizes.append(len(sub.nodes))

        def raw_ball(ref: NodeRef) -> None:
            rows = raw.execute(RAW_SQL_BALL, (ref.key, NODE_LIMIT)).fetchall()
            ids = [r[0] for r in rows]
            rels = raw.execute(raw_sql_rels_among(len(ids)), ids + ids).fetchall()
            check_ball(len(rows), len(rels), cfg.enterprises)

        refs = [graph.enterprise_ref(i) for i in sample_indexes(cfg, cfg.starts, 2)]
        nbhd = compare(*paired(refs, ours_ball, raw_ball, warmup=min(20, len(refs))))
        nbhd["ours_nodes_mean"] = statistics.fmean(sizes)
        raw.close()
        load_after = os.getloadavg()
        anon, rss, status = sample_anon(), peak_rss_bytes(), proc_status(os.getpid())
        for p in work.iterdir():
            if p.is_file():
                files[p.name] = max(files.get(p.name, 0), p.stat().st_size)
        disk = sum(files.values())
        return {
            "store": "embedded", "enterprises": cfg.enterprises, "code": code, "load": load,
            "loadavg_timed_phase": {"before": load_before, "after": load_after},
            "stats": {"nodes": stats.nodes, "relationships": stats.relationships},
            "memory": {"python_peak_anon_bytes": anon, "sqlite_files_bytes": files,
                       "total_bytes": anon + disk, "python_ru_maxrss_bytes": rss,
                       "python_rss_file_bytes_at_end": status.get("RssFile"),
                       "method": "peak anonymous RSS of the Python process (sampled every "
                                 "load chunk and every 50 queries) + largest size of each SQLite "
                                 "file; ru_maxrss also counts mmap'd file pages, per mapping"},
            "key_lookup": lookup, "neighbourhood": nbhd,
            "baselines": {"key_lookup": "sqlite3 on a second connection: " + RAW_SQL_LOOKUP,
                          "neighbourhood": "one SQL two-hop ball (nearest first, LIMIT 500) + "
                                           "one SQL for the rels among its nodes"},
        }
    finally:
        store.close()
        if not cfg.keep:
            shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------- Neo4j

RAW_CYPHER_LOOKUP = "MATCH (n:Enterprise {key: $k}) RETURN n"
RAW_CYPHER_BALL = (
    "MATCH (s:Enterprise {key: $k}) MATCH p = (s)-[*0..2]-(m) "
    "WITH m, min(length(p)) AS d ORDER BY d LIMIT $limit "
    "RETURN elementId(m) AS id, labels(m) AS labels, properties(m) AS props")
RAW_CYPHER_RELS = (
    "MATCH (a)-[r]->(b) WHERE elementId(a) IN $ids AND elementId(b) IN $ids "
    "RETURN type(r) AS type, elementId(a) AS src, elementId(b) AS dst, properties(r) AS props")


def run_neo4j(cfg: Config) -> dict[str, Any]:
    """Start a local Neo4j, load it through our adapter, and measure, in this process."""
    from neo4j import GraphDatabase

    from jointsup.graph.neo4j_server import Neo4jServer
    from jointsup.graph.neo4j_store import Neo4jStore

    code = code_fingerprint()
    graph = SyntheticGraph(cfg.seed)
    data_dir = Path(tempfile.mkdtemp(prefix="store-bench-neo4j-", dir=cfg.workdir))
    server = Neo4jServer(data_dir=data_dir / "db", heap=cfg.neo4j_heap,
                         page_cache=cfg.neo4j_page_cache).start()
    try:
        store = Neo4jStore(server.uri, None, timeout_s=300.0)
        driver = GraphDatabase.driver(server.uri, auth=None)
        try:
            with driver.session() as s:
                comp = s.run("CALL dbms.components() YIELD name, versions, edition "
                             "RETURN name, versions[0] AS version, edition").single(strict=True)
            load = load_graph(store, graph, cfg, "neo4j")
            cfg = replace(cfg, enterprises=load["enterprises"])  # less if the budget ran out
            stats = store.stats()
            session = driver.session()

            def ours_lookup(key: str) -> None:
                assert store.get_nodes("Enterprise", [key])[0] is not None

            def raw_lookup(key: str) -> None:
                assert session.run(RAW_CYPHER_LOOKUP, k=key).single() is not None

            load_before = os.getloadavg()
            keys = [graph.enterprise_key(i) for i in sample_indexes(cfg, cfg.lookups, 1)]
            lookup = compare(*paired(keys, ours_lookup, raw_lookup, warmup=min(500, len(keys))))

            sizes: list[int] = []

            def ours_ball(ref: NodeRef) -> None:
                sub = store.neighbourhood(ref, depth=DEPTH, node_limit=NODE_LIMIT)
                check_ball(len(sub.nodes), len(sub.rels), cfg.enterprises)
                sizes.append(len(sub.nodes))

            def raw_ball(ref: NodeRef) -> None:
                ids = [r["id"] for r in session.run(RAW_CYPHER_BALL, k=ref.key, limit=NODE_LIMIT)]
                rels = list(session.run(RAW_CYPHER_RELS, ids=ids))
                check_ball(len(ids), len(rels), cfg.enterprises)

            refs = [graph.enterprise_ref(i) for i in sample_indexes(cfg, cfg.starts, 2)]
            nbhd = compare(*paired(refs, ours_ball, raw_ball, warmup=min(20, len(refs))))
            nbhd["ours_nodes_mean"] = statistics.fmean(sizes)
            session.close()
            load_after = os.getloadavg()
            jvm = proc_status(server.pid)
        finally:
            driver.close()
            store.close()
        anon, rss = sample_anon(), peak_rss_bytes()
        disk = dir_bytes(data_dir)
        return {
            "store": "neo4j", "enterprises": cfg.enterprises, "code": code, "load": load,
            "loadavg_timed_phase": {"before": load_before, "after": load_after},
            "server": {"name": comp["name"], "version": comp["version"],
                       "edition": comp["edition"], "jvm_flags": server.jvm_flags,
                       "heap_mib": server.heap_mib, "page_cache_mib": server.page_cache_mib},
            "stats": {"nodes": stats.nodes, "relationships": stats.relationships},
            "memory": {"jvm_peak_rss_bytes": jvm["VmHWM"], "jvm_rss_bytes": jvm["VmRSS"],
                       "python_peak_anon_bytes": anon, "python_ru_maxrss_bytes": rss,
                       "total_bytes": jvm["VmHWM"] + anon,
                       "store_dir_bytes": disk,
                       "method": "VmHWM of the JVM (heap, page cache and all) + peak "
                                 "anonymous RSS of the Python process"},
            "key_lookup": lookup, "neighbourhood": nbhd,
            "baselines": {"key_lookup": "driver session.run: " + RAW_CYPHER_LOOKUP,
                          "neighbourhood": "one Cypher two-hop (nearest first, LIMIT 500) + "
                                           "one Cypher for the rels among its nodes"},
        }
    finally:
        server.stop()
        if not cfg.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


# ---------------------------------------------------------------- report

def machine() -> dict[str, Any]:
    """Where the figures came from."""
    info: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(), "loadavg_at_start": os.getloadavg()}
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["ram_bytes"] = int(line.split()[1]) * 1024
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines()
                  if ln.startswith("model name")]
        if models:
            info["cpu"] = models[0]
    try:
        from importlib.metadata import version

        info["neo4j_driver"] = version("neo4j")
    except Exception:  # informational only
        info["neo4j_driver"] = None
    return info


def _ms(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _size(b: float) -> str:
    return f"{b / GiB:.2f} GiB" if b >= GiB else f"{b / MiB:.0f} MiB"


def rows_for(res: dict[str, Any]) -> list[list[str]]:
    """Table rows of one store's results."""
    store, n = res["store"], f"{res['enterprises']:,}"
    if "error" in res:
        return [[store, n, "error", res["error"][:90], "", "", "", ""]]
    load, mem = res["load"], res["memory"]
    in_tx = load["node_tx_seconds"] + load["rel_tx_seconds"]  # time inside store transactions
    py_bytes = mem.get("python_peak_anon_bytes")  # older results lack it
    py = "?" if py_bytes is None else _size(py_bytes)
    if store == "embedded":
        disk = sum(mem["sqlite_files_bytes"].values())
        mem_text = f"{_size(mem['total_bytes'])} = heap {py} + file {_size(disk)}"
    else:
        mem_text = (f"{_size(mem['total_bytes'])} = JVM {_size(mem['jvm_peak_rss_bytes'])}"
                    f" + py {py}")
    rows = [
        [store, n, "load (nodes+rels created)",
         f"{load['rows_created']:,} rows in {in_tx:,.0f} s = {load['rows_created'] / in_tx:,.0f}/s"
         f" (+{load['seconds'] - in_tx:,.0f} s generating)", "", "", "", ""],
        [store, n, "peak memory", mem_text, "", "",
         "< 4 GiB" if store == "embedded" else "",
         ("yes" if mem["total_bytes"] < TARGET_MEMORY else "NO") if store == "embedded" else ""],
    ]
    ball = f"depth-{DEPTH} ball <= {NODE_LIMIT}"
    for key, name, target in (("key_lookup", "key lookup", TARGET_LOOKUP_MS),
                              ("neighbourhood", ball, TARGET_NBHD_MS)):
        m = res[key]
        o, r = m["ours"], m["raw"]
        met = o["median_ms"] < target
        rows.append([
            store, n, f"{name} (n={o['n']:,}) ms",
            f"med {_ms(o['median_ms'])}  p99 {_ms(o['p99_ms'])}",
            f"med {_ms(r['median_ms'])}  p99 {_ms(r['p99_ms'])}",
            f"{m['ratio_median']:.1f}x (p99 {m['ratio_p99']:.1f}x)",
            f"med < {target:g} ms",
            ("yes" if met else "NO") if store == "embedded" else ("(yes)" if met else "(no)"),
        ])
    return rows


def render_text(results: list[dict[str, Any]], info: dict[str, Any], command: str) -> str:
    """The one table, as printed on the terminal."""
    head = ["store", "enterprises", "measure", "ours", "raw baseline", "ours/raw", "target", "met"]
    body = [row for res in results for row in rows_for(res)]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "-" * len(line(["x" * w for w in widths]))
    title = (f"Store benchmark  {info['date']}  {info['nproc']} cpu, "
             f"{info.get('ram_bytes', 0) / GiB:.1f} GiB RAM, Python {info['python']}, "
             f"SQLite {info['sqlite']}, load avg {info['loadavg_at_start'][0]:.1f} at start"
             f"\n$ {command}")
    out = [title, rule, line(head), rule]
    last = None
    for row in body:
        if last is not None and row[0] != last:
            out.append(rule)
        out.append(line(row))
        last = row[0]
    out.append(rule)
    out.append("ours/raw: ratio of medians (and of p99s) against the raw baseline timed "
               "alternately with ours in the same run; targets apply to the embedded store.")
    return "\n".join(out)


def render(result: dict[str, Any]) -> str:
    """The markdown table of one results JSON (older files without some keys render too)."""
    head = ["store", "enterprises", "measure", "ours", "raw baseline", "ours/raw", "target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(c.replace("<=", "≤").replace("|", "/") for c in row) + " |"
              for res in result.get("results", []) for row in rows_for(res)]
    for res in result.get("results", []):
        server = res.get("server", {})
        load = res.get("load", {})
        if "page_cache_mib" in server:
            lines.append(f"\nNeo4j {server.get('version', '')} {server.get('edition', '')}: "
                         f"heap {server['heap_mib']:,} MiB, "
                         f"page cache {server['page_cache_mib']:,} MiB.")
        if load.get("budget_cut"):
            lines.append(f"\n{res['store']}: loading stopped at the time budget after "
                         f"{load['enterprises']:,} enterprises; measured on those.")
    lines.append("\nours/raw: ratio of medians (and of p99s) against the raw baseline timed "
                 "alternately with ours in the same run; targets apply to the embedded store.")
    return "\n".join(lines)


def _work(fn: Callable[[Config], dict[str, Any]], cfg: Config, partial: Path) -> dict[str, Any]:
    """A worker's body: run, and keep the result on disk should the parent be gone by then."""
    result = fn(cfg)
    partial.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return result


def run_isolated(fn: Callable[[Config], dict[str, Any]], cfg: Config, partial: Path
                 ) -> dict[str, Any]:
    """Run one store's benchmark in a fresh interpreter so its peak RSS is its own.

    The worker also writes its result to `partial` (removed once the whole report is written):
    a long run then survives its parent being killed.
    """
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        try:
            return pool.submit(_work, fn, cfg, partial).result()
        except Exception as exc:  # reported in the table; the other store goes on
            return {"store": fn.__name__.removeprefix("run_"), "enterprises": cfg.enterprises,
                    "error": f"{type(exc).__name__}: {exc}"}


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, run the chosen stores, print the table and write the JSON."""
    p = argparse.ArgumentParser(prog="python -m bench.store_bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--enterprises", type=int, default=1_000_000,
                   help="enterprises for the embedded store (default 1,000,000)")
    p.add_argument("--neo4j-enterprises", type=int, default=DEFAULT_NEO4J_ENTERPRISES,
                   help="cap on enterprises for Neo4j, whose MERGE load is slower "
                        f"(default {DEFAULT_NEO4J_ENTERPRISES:,}; its data is a prefix of "
                        "the embedded store's)")
    p.add_argument("--store", choices=("embedded", "neo4j", "both"), default="both")
    p.add_argument("--out", type=Path, default=Path("bench/results/store.json"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lookups", type=int, default=5000, help="key lookups to time")
    p.add_argument("--starts", type=int, default=300, help="neighbourhood starts to time")
    p.add_argument("--tx-rows", type=int, default=5000, help="rows per load transaction")
    p.add_argument("--workdir", default=None, help="where the stores' files go (default: TMPDIR)")
    p.add_argument("--keep", action="store_true", help="keep the stores' files")
    p.add_argument("--load-budget", type=float, default=None, metavar="SECONDS",
                   help="stop loading Neo4j after this long and measure the enterprises loaded")
    p.add_argument("--neo4j-heap", default=None,
                   help="Neo4j JVM heap, e.g. 2g (default: 1g up to 100,000 enterprises, else 2g)")
    p.add_argument("--neo4j-page-cache", default=None,
                   help="Neo4j page cache, e.g. 4g (default: 256m up to 100,000 enterprises, "
                        "else ~5 KiB per enterprise within half the RAM)")
    args = p.parse_args(argv)
    if args.enterprises < 1 or args.neo4j_enterprises < 1:
        p.error("enterprise counts must be positive")

    command = shlex.join(["python", "-m", "bench.store_bench",
                          *(sys.argv[1:] if argv is None else argv)])
    info = machine() | {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    base = Config(args.enterprises, args.seed, args.lookups, args.starts, args.tx_rows,
                  args.workdir, args.keep)
    results: list[dict[str, Any]] = []
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)

    def partial(store: str) -> Path:
        return out.with_name(f"{out.stem}.{store}.partial.json")

    wall: dict[str, float] = {}
    if args.store in ("embedded", "both"):
        t = time.perf_counter()
        results.append(run_isolated(run_embedded, base, partial("embedded")))
        wall["embedded"] = time.perf_counter() - t
    if args.store in ("neo4j", "both"):
        n = min(args.enterprises, args.neo4j_enterprises)
        heap, page_cache = neo4j_memory(n, info.get("ram_bytes", 8 * GiB))
        cfg = Config(**(asdict(base) | {
            "enterprises": n, "neo4j_heap": args.neo4j_heap or heap,
            "load_budget_s": args.load_budget,
            "neo4j_page_cache": args.neo4j_page_cache or page_cache}))
        t = time.perf_counter()
        results.append(run_isolated(run_neo4j, cfg, partial("neo4j")))
        wall["neo4j"] = time.perf_counter() - t

    print(render_text(results, info, command), flush=True)
    report = {"bench": "store_bench", "command": command, "machine": info,
              "date": info["date"], "config": asdict(base),
              "targets": {"memory_bytes": TARGET_MEMORY, "key_lookup_median_ms": TARGET_LOOKUP_MS,
                          "neighbourhood_median_ms": TARGET_NBHD_MS, "depth": DEPTH,
                          "node_limit": NODE_LIMIT},
              "wall_seconds": wall, "results": results}
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    for store in ("embedded", "neo4j"):
        partial(store).unlink(missing_ok=True)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
