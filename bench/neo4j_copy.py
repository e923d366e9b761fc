"""A local Neo4j holding the graph of an embedded store, for the benchmarks that compare stores.

    server, info = neo4j_from_embedded(DIR, heap, page_cache)   # DIR/graph.sqlite -> DIR/neo4j

The first call copies the graph with neo4j-admin's offline importer (jointsup.graph.neo4j_import:
CSV written from the SQLite file, imported into an empty database, the adapter's constraints and
indexes built on first start, then the empty-list properties CSV cannot carry); a marker file
records the timings and later calls reuse the database. Upserting over Bolt instead ran at
4,000–6,000 rows/s here: about an hour per 100,000 enterprises of the generated dataset's graph.
The server is returned running; the caller stops it.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.neo4j_import import apply_empty_lists, export_csv
from jointsup.graph.neo4j_server import Neo4jServer
from jointsup.graph.neo4j_store import Neo4jStore

MARKER = "neo4j-copied.json"


def _say(message: str) -> None:
    print(f"[neo4j_copy] {message}", file=sys.stderr, flush=True)


def neo4j_from_embedded(data_dir: Path, heap: str | None = None, page_cache: str | None = None
                        ) -> tuple[Neo4jServer, dict[str, Any]]:
    """A started Neo4j on DATA_DIR/neo4j with DATA_DIR/graph.sqlite's graph (copied once)."""
    home = data_dir / "neo4j"
    marker = home / MARKER
    server = Neo4jServer(data_dir=home, heap=heap, page_cache=page_cache)
    if marker.exists():
        return server.start(), {"reused": True, **json.loads(marker.read_text(encoding="utf-8"))}
    shutil.rmtree(home, ignore_errors=True)  # a copy cut short: start again from nothing
    csv_dir = data_dir / "neo4j-import"
    shutil.rmtree(csv_dir, ignore_errors=True)
    timings: dict[str, Any] = {}
    t = time.perf_counter()
    with EmbeddedStore(data_dir / "graph.sqlite") as source:
        files = export_csv(source.all_nodes(), source.all_rels(), csv_dir,
                           lambda what, n: _say(f"exported {n:,} {what}"))
    timings["export_s"] = time.perf_counter() - t
    _say(f"importing {files.counts['nodes']:,} nodes and {files.counts['relationships']:,} "
         f"relationships from {len(files.nodes) + len(files.rels)} files")
    t = time.perf_counter()
    server.import_csv(files.admin_args())
    timings["import_s"] = time.perf_counter() - t
    server.start()
    try:
        t = time.perf_counter()
        with Neo4jStore(server.uri, None, timeout_s=600.0) as store:  # builds the schema
            timings["schema_s"] = time.perf_counter() - t
            t = time.perf_counter()
            timings["empty_lists"] = apply_empty_lists(store, csv_dir)
            timings["empty_lists_s"] = time.perf_counter() - t
    except BaseException:
        server.stop()
        raise
    info = {"method": "neo4j-admin database import full (jointsup.graph.neo4j_import)",
            **files.counts, **timings}
    marker.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(csv_dir, ignore_errors=True)
    return server, {"reused": False, **info}



def warm_page_cache(uri: str) -> dict[str, float]:
    """Read every node's and relationship's records and properties, and every key index, once
    through the server (seconds per part): what a server in use for a while holds in its page
    cache. Neo4j Community has no warm-up of its own, and a fresh one faults its first pages in
    from disk inside the measured calls."""
    import neo4j

    timings = {"nodes": 0.0, "relationships": 0.0, "key indexes": 0.0}
    with neo4j.GraphDatabase.driver(uri, auth=None) as driver, driver.session() as session:
        labels = [r["label"] for r in session.run("CALL db.labels() YIELD label RETURN label")]
        passes = [("nodes", "MATCH (n) RETURN sum(size(keys(properties(n))))"),
                  ("relationships", "MATCH ()-[r]->() RETURN sum(size(keys(properties(r))))"),
                  *(("key indexes", f"MATCH (n:`{label}`) WHERE n.key IS NOT NULL "
                                    "RETURN count(n.key)") for label in labels)]
        for part, query in passes:
            t = time.perf_counter()
            session.run(query).consume()
            timings[part] += time.perf_counter() - t
    _say("page cache warmed: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    return timings
