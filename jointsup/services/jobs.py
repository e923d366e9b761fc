"""Background jobs (后台任务): credit classes and risk models run off the request path.

A job's state lives in the graph (`Job`), so any worker process can answer for it; the work runs
in a thread of the process that accepted it (`JobRunner`, owned by the app's lifespan). Starting
a job first writes the kind's `JobSlot` node: on SQLite writers are serialised anyway, on Neo4j
that write takes the slot's lock, so two concurrent starts cannot both create a job — the second
one sees the first and returns it. A running job writes a heartbeat; a job whose heartbeat stopped
(its process died or stopped) is marked FAILED ("interrupted") at the next start and by any
runner's heartbeat sweep. Re-running is safe: the services themselves are idempotent.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from jointsup.errors import InvalidInput, JointsupError
from jointsup.graph.store import BaseGraphStore, Filter, GraphTx
from jointsup.model import Node, NodeRef, Props

log = logging.getLogger("jointsup.jobs")
CREDIT, RISK = "credit_classes", "risk_models"
KINDS = (CREDIT, RISK)
ACTIVE = ["QUEUED", "RUNNING"]
HEARTBEAT_S = 2.0
STALE_AFTER = timedelta(seconds=30)  # 15 missed heartbeats: the process is gone
INTERRUPTED = "interrupted"


class JobInterrupted(JointsupError):
    """The server is stopping; the job gives up at its next progress point."""

    code = "INTERRUPTED"


def now() -> datetime:
    """The current instant in UTC."""
    return datetime.now(UTC)


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def start_job(store: BaseGraphStore, kind: str, params: dict[str, Any], by: str,
              owner: str) -> tuple[Node, bool]:
    """The kind's queued or running job, else a new QUEUED one; True when it was created."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown job kind {kind!r}; known: {', '.join(KINDS)}")

    def start(tx: GraphTx) -> tuple[Node, bool]:
        slot = NodeRef("JobSlot", kind)
        # Write first, read second: the write is what serialises concurrent starts (see above).
        tx.upsert_nodes([Node(slot.label, slot.key, {"kind": kind, "lock": uuid.uuid4().hex})])
        held = tx.get_node(slot)
        active = str(held.props.get("active") or "") if held else ""
        current = tx.get_node(NodeRef("Job", active)) if active else None
        if current is not None and current.props.get("status") in ACTIVE:
            if not _stale(current, now()):
                return current, False
            _finish(tx, current, "FAILED", error=INTERRUPTED)
        key, at = uuid.uuid4().hex, _stamp(now())
        job = Node("Job", key, {
            "id": key, "kind": kind, "status": "QUEUED", "params": json.dumps(params),
            "created_at": at, "heartbeat_at": at, "started_by": by, "owner": owner,
            "progress": 0.0})
        tx.upsert_nodes([job, Node(slot.label, slot.key, {"active": job.key, "lock": None})])
        return job, True

    return store.transaction(start)


def get_job(store: BaseGraphStore, job_id: str) -> Node | None:
    """One job by id."""
    return store.get_node(NodeRef("Job", job_id.strip())) if job_id.strip() else None


def _stale(job: Node, at: datetime) -> bool:
    beat = job.props.get("heartbeat_at")
    return not isinstance(beat, str) or datetime.fromisoformat(beat) < at - STALE_AFTER


def _finish(tx: GraphTx, job: Node, status: str, **props: Any) -> None:
    tx.upsert_nodes([Node("Job", job.key, {"status": status, "finished_at": _stamp(now()),
                                           **props})])


def fail_interrupted(store: BaseGraphStore, at: datetime | None = None) -> list[str]:
    """Mark FAILED ("interrupted") every queued or running job whose heartbeat stopped."""
    when = at or now()

    def find(tx: GraphTx) -> list[Node]:
        active = tx.list_nodes("Job", filters=[Filter("status", "in", ACTIVE)], first=1000)
        return [job for job in active.items if _stale(job, when)]

    def sweep(tx: GraphTx) -> list[str]:
        dead = find(tx)  # again under the write lock: a heartbeat may have come meanwhile
        for job in dead:
            _finish(tx, job, "FAILED", error=INTERRUPTED)
        return [job.key for job in dead]

    # Read first: the sweep runs every few seconds and almost never finds anything.
    return store.transaction(sweep) if store.read(find) else []


def _work(store: BaseGraphStore, kind: str, params: dict[str, Any],
          progress: Callable[[str, int, int], None]) -> dict[str, Any]:
    """Run the service behind a kind; its summary as plain JSON data."""
    if kind == CREDIT:
        from jointsup.services.credit import compute_classes

        return asdict(compute_classes(store, str(params.get("month", "")), progress=progress))
    from jointsup.services.risk.runner import run_models

    as_of = params.get("as_of")
    models = [str(params["model"])] if params.get("model") else None
    runs = run_models(store, models, date.fromisoformat(as_of) if as_of else None,
                      progress=progress)
    return {"as_of": as_of, "models": [asdict(r) for r in runs],
            "alerts": sum(r.alerts for r in runs), "created": sum(r.created for r in runs)}


class JobRunner:
    """The app's small executor: runs accepted jobs in threads and keeps their heartbeats."""

    def __init__(self, store: BaseGraphStore, workers: int = len(KINDS)) -> None:
        self.store = store
        self.owner = uuid.uuid4().hex
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="jointsup-job")
        self._stopping = threading.Event()
        self._mine: set[str] = set()
        self._futures: list[Future[None]] = []
        self._progress: dict[str, Props] = {}
        self._lock = threading.Lock()
        self._beat = threading.Thread(target=self._heartbeat, name="jointsup-job-beat",
                                      daemon=True)

    def start(self) -> None:
        """Mark jobs a previous process left behind, then keep heartbeats."""
        failed = fail_interrupted(self.store)
        if failed:
            log.warning("marked %d interrupted job(s) FAILED", len(failed))
        self._beat.start()

    def submit(self, kind: str, params: dict[str, Any], by: str) -> Node:
        """Start a job of `kind` (or return the one queued or running) and run it here."""
        job, created = start_job(self.store, kind, params, by, self.owner)
        if created:
            with self._lock:
                self._mine.add(job.key)
                self._futures = [f for f in self._futures if not f.done()]
                self._futures.append(self._pool.submit(self._run, job))
        return job

    def _run(self, job: Node) -> None:
        def progress(phase: str, done: int, total: int) -> None:
            # Called inside the services' transactions: only noted here, the heartbeat writes it.
            if self._stopping.is_set():
                raise JobInterrupted(INTERRUPTED)
            with self._lock:
                self._progress[job.key] = {
                    "phase": phase, "progress": round(done / total, 4) if total else 0.0}

        try:
            if self._stopping.is_set():
                raise JobInterrupted(INTERRUPTED)
            self.store.transaction(partial(_beat, beats={job.key: {
                "status": "RUNNING", "started_at": _stamp(now()), "heartbeat_at": _stamp(now())}}))
            params = json.loads(str(job.props.get("params") or "{}"))
            summary = _work(self.store, str(job.props["kind"]), params, progress)
            self._close(job, "SUCCEEDED", summary=json.dumps(summary, ensure_ascii=False),
                        progress=1.0)
        except JointsupError as exc:
            log.info("job %s failed: %s", job.key, exc.message, extra={"code": exc.code})
            self._close(job, "FAILED", error=exc.message)
        except Exception:
            log.exception("job %s failed", job.key, extra={"code": "INTERNAL"})
            self._close(job, "FAILED", error="internal error")
        finally:
            with self._lock:
                self._mine.discard(job.key)
                self._progress.pop(job.key, None)

    def _close(self, job: Node, status: str, **props: Any) -> None:
        def close(tx: GraphTx) -> None:
            current = tx.get_node(job.ref)  # a stop may have closed it already
            if current is not None and current.props.get("status") in ACTIVE:
                _finish(tx, current, status, **props)

        self.store.transaction(close)

    def _heartbeat(self) -> None:
        beats_per_sweep = int(STALE_AFTER.total_seconds() / HEARTBEAT_S / 2)
        ticks = 0
        while not self._stopping.wait(HEARTBEAT_S):
            try:
                with self._lock:
                    beats = {key: {**self._progress.get(key, {}), "heartbeat_at": _stamp(now())}
                             for key in self._mine}
                if beats:
                    self.store.transaction(partial(_beat, beats=beats))
                ticks += 1
                if ticks % beats_per_sweep == 0:  # other processes' dead jobs, now and then
                    fail_interrupted(self.store)
            except Exception:  # a store hiccup must not end the heartbeats
                log.warning("job heartbeat failed", exc_info=True)

    def stop(self, wait_s: float = 10.0) -> None:
        """Ask running jobs to stop at their next progress point; mark the leftovers FAILED."""
        self._stopping.set()
        self._pool.shutdown(wait=False, cancel_futures=True)  # a cancelled job never ran
        with self._lock:
            futures = list(self._futures)
        wait(futures, timeout=wait_s)
        if self._beat.is_alive():
            self._beat.join(timeout=wait_s)
        with self._lock:
            left = sorted(self._mine)
        for key in left:
            job = get_job(self.store, key)
            if job is not None:
                self._close(job, "FAILED", error=INTERRUPTED)


def _beat(tx: GraphTx, beats: dict[str, Props]) -> None:
    """Update the jobs still active (a job a stop or a sweep finished stays as it is)."""
    found = tx.get_nodes("Job", sorted(beats))
    tx.upsert_nodes([Node("Job", job.key, beats[job.key]) for job in found
                     if job is not None and job.props.get("status") in ACTIVE])


_RUNNERS: dict[int, JobRunner] = {}


def register_runner(runner: JobRunner) -> None:
    """Make `runner` the one that runs jobs for its store (the app does this at start)."""
    _RUNNERS[id(runner.store)] = runner


def unregister_runner(runner: JobRunner) -> None:
    """Forget `runner` (the app does this at stop)."""
    if _RUNNERS.get(id(runner.store)) is runner:
        del _RUNNERS[id(runner.store)]


def runner_for(store: BaseGraphStore) -> JobRunner:
    """The runner serving `store`; JointsupError when this process runs no jobs."""
    runner = _RUNNERS.get(id(store))
    if runner is None:
        raise JointsupError("background jobs are not served by this process")
    return runner
