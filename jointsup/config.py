"""Settings read once from the environment; tests pass a plain mapping instead."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from jointsup.errors import ConfigError

StoreKind = Literal["embedded", "neo4j"]


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the defaults a new user needs no server for."""

    store: StoreKind = "embedded"
    data_dir: Path = Path("jointsup-data")
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str | None = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str | None = None
    tx_timeout_s: float = 30.0
    # Neo4j: rows of hubs' first neighbours kept for path searches (graph.hub_rows; about 300
    # bytes each); 0 keeps none
    hub_cache_rows: int = 1_000_000
    # rows per ingest transaction: each commit of a random-key load rewrites every index page
    # its rows touched, so larger batches write less (docs/ingest.md)
    batch_size: int = 10_000
    # an embedded-store bulk load of at least this many rows (and one per 8 nodes already
    # stored) runs with the secondary indexes suspended, built once at its end (docs/ingest.md)
    bulk_min_rows: int = 10_000
    hash_key: str | None = None
    request_deadline_s: float = 10.0
    max_body_bytes: int = 1024 * 1024
    token_cache_s: float = 5.0
    max_in_flight: int = 32  # requests in flight per worker; 503 beyond (jointsup.admission)
    nlp_warm_up: bool = True  # the server builds registerClue's linker at start-up
    # 503 while a worker's oldest unfinished work is older (jointsup.admission); None: half
    # the request deadline
    overload_age_s: float | None = None
    # seconds an idle keep-alive connection stays open: longer than clients keep theirs (httpx
    # 5 s, browsers about 60 s), so a client never sends a request on a connection the server is
    # closing at that moment (it would see the server disconnect without an answer)
    keep_alive_s: float = 75.0
    # threads per worker process running request work (store calls, resolvers): Python runs one
    # at a time, so past a few, more threads only queue for the interpreter lock — and so does
    # the event loop, which then answers everything late (docs/api.md, Worker threads)
    worker_threads: int = 8

    def overload_age(self) -> float:
        """Seconds of age past which a worker refuses new requests (JOINTSUP_OVERLOAD_AGE)."""
        return self.overload_age_s or self.request_deadline_s / 2

    @property
    def embedded_path(self) -> Path:
        """The SQLite file of the embedded store."""
        return self.data_dir / "graph.sqlite"

    def identity_key(self) -> bytes:
        """The key of the identity-number hash: JOINTSUP_HASH_KEY, else one kept in the data dir.

        Losing the file means new hashes no longer match old ones, so it is created once and
        never rewritten.
        """
        if self.hash_key:
            return self.hash_key.encode()
        path = self.data_dir / "identity.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):  # another process made it first
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32))
        return path.read_text().strip().encode()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read JOINTSUP_* variables (from `env`, default os.environ); explicit overrides win."""
        env = os.environ if env is None else env
        store = env.get("JOINTSUP_STORE", "embedded")
        if store not in ("embedded", "neo4j"):
            raise ConfigError(f"JOINTSUP_STORE must be 'embedded' or 'neo4j', not {store!r}")
        values: dict[str, object] = {
            "store": store,
            "data_dir": Path(env.get("JOINTSUP_DATA_DIR", "jointsup-data")),
            "neo4j_uri": env.get("JOINTSUP_NEO4J_URI", cls.neo4j_uri),
            "neo4j_user": env.get("JOINTSUP_NEO4J_USER", "neo4j") or None,
            "neo4j_password": env.get("JOINTSUP_NEO4J_PASSWORD") or None,
            "neo4j_database": env.get("JOINTSUP_NEO4J_DATABASE") or None,
            "tx_timeout_s": _number(env, "JOINTSUP_TX_TIMEOUT", cls.tx_timeout_s),
            "hub_cache_rows": int(_number(env, "JOINTSUP_HUB_CACHE_ROWS", cls.hub_cache_rows)),
            "batch_size": int(_number(env, "JOINTSUP_BATCH_SIZE", cls.batch_size)),
            "bulk_min_rows": int(_number(env, "JOINTSUP_BULK_MIN_ROWS", cls.bulk_min_rows)),
            "hash_key": env.get("JOINTSUP_HASH_KEY") or None,
            "request_deadline_s": _number(env, "JOINTSUP_REQUEST_DEADLINE",
                                          cls.request_deadline_s),
            "max_body_bytes": int(_number(env, "JOINTSUP_MAX_BODY_BYTES", cls.max_body_bytes)),
            "token_cache_s": _number(env, "JOINTSUP_TOKEN_CACHE", cls.token_cache_s),
            "max_in_flight": int(_number(env, "JOINTSUP_MAX_IN_FLIGHT", cls.max_in_flight)),
            "overload_age_s": _number(env, "JOINTSUP_OVERLOAD_AGE", 0.0) or None,
            "worker_threads": int(_number(env, "JOINTSUP_WORKER_THREADS", cls.worker_threads)),
            "keep_alive_s": _number(env, "JOINTSUP_KEEP_ALIVE", cls.keep_alive_s),
            "nlp_warm_up": _flag(env, "JOINTSUP_NLP_WARM_UP", cls.nlp_warm_up),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name, var in (("worker_threads", "JOINTSUP_WORKER_THREADS"),
                          ("max_in_flight", "JOINTSUP_MAX_IN_FLIGHT")):
            if int(values[name]) < 1:  # type: ignore[call-overload]  # (a fraction such as 0.5)
                raise ConfigError(f"{var} must be a whole number of at least 1")
        if values["store"] not in ("embedded", "neo4j"):  # --store is an override too
            raise ConfigError(f"the store must be 'embedded' or 'neo4j', not {values['store']!r}")
        if isinstance(values["data_dir"], str):
            values["data_dir"] = Path(values["data_dir"])
        return cls(**values)  # type: ignore[arg-type]


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1/true/yes/on or 0/false/no/off, not {env[name]!r}")


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {raw!r}")
    return value
