"""Background jobs over GraphQL: compute credit classes and run the risk models off the request."""

from __future__ import annotations

import datetime
import json
from enum import Enum
from typing import Any, cast

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON

from jointsup.model import Node
from jointsup.resolvers.types import Ctx
from jointsup.services import jobs
from jointsup.services.policy import Principal, Role, require_role


@strawberry.enum(description="Where a job is in its life.")
class JobStatus(Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


def _when(value: Any) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if isinstance(value, str) else None


def _json(value: Any) -> JSON | None:
    return cast(JSON, json.loads(value)) if isinstance(value, str) else None


@strawberry.type(description="A background job (后台任务); poll `job(id)` until it is finished.")
class Job:
    id: strawberry.ID
    kind: str = strawberry.field(description="credit_classes or risk_models.")
    status: JobStatus
    params: JSON = strawberry.field(description="The arguments it was started with.")
    started_by: str = strawberry.field(description="role:token id of the caller who started it.")
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    progress: float = strawberry.field(description="Share of the current phase done, 0–1.")
    phase: str | None = strawberry.field(description="What it is doing now.")
    summary: JSON | None = strawberry.field(
        description="What it did (counts), once SUCCEEDED.")
    error: str | None = strawberry.field(
        description="Why it FAILED; `interrupted` when the server stopped under it.")

    @classmethod
    def of(cls, node: Node) -> Job:
        """The API view of a stored job."""
        p = node.props
        progress = p.get("progress")
        return cls(id=strawberry.ID(node.key), kind=str(p.get("kind")),
                   status=JobStatus(p.get("status")),
                   params=_json(p.get("params")) or cast(JSON, {}),
                   started_by=str(p.get("started_by") or ""),
                   created_at=_when(p.get("created_at")) or datetime.datetime.min,
                   started_at=_when(p.get("started_at")),
                   finished_at=_when(p.get("finished_at")),
                   progress=float(progress) if isinstance(progress, int | float) else 0.0,
                   phase=str(p["phase"]) if p.get("phase") else None,
                   summary=_json(p.get("summary")),
                   error=str(p["error"]) if p.get("error") else None)


def _coordinator(principal: Principal) -> str:
    """Only coordinators (and admins) start or read jobs; who started it, for the record."""
    require_role(principal, Role.COORDINATOR)
    return f"{principal.role}:{principal.token_id}"


async def _submit(info: Ctx, kind: str, params: dict[str, Any]) -> Job:
    by = _coordinator(info.context.principal)
    runner = jobs.runner_for(info.context.store)
    node = await run_in_threadpool(runner.submit, kind, params, by)
    return Job.of(node)


@strawberry.type
class JobQuery:
    """Root query fields for background jobs; merged into `Query`."""

    @strawberry.field(description="One background job by id. Coordinators and admins.")
    async def job(self, info: Ctx, id: strawberry.ID) -> Job | None:
        _coordinator(info.context.principal)
        node = await run_in_threadpool(jobs.get_job, info.context.store, str(id))
        return Job.of(node) if node is not None else None


@strawberry.type
class JobMutation:
    """Root mutations starting background jobs; merged into `Mutation`."""

    @strawberry.mutation(description="Compute every enterprise's credit class for `month` "
                                     "(YYYY-MM) in the background (`jointsup credit compute`). "
                                     "Returns the job at once; while one is queued or running, "
                                     "returns that one. Coordinators and admins.")
    async def compute_credit_classes(self, info: Ctx, month: str) -> Job:
        return await _submit(info, jobs.CREDIT, {"month": month.strip()})

    @strawberry.mutation(description="Run the risk models (all, or `model`) with windows ending "
                                     "`asOf` (default today, UTC) in the background (`jointsup "
                                     "risk run`). Returns the job at once; while one is queued or "
                                     "running, returns that one. Coordinators and admins.")
    async def run_risk_models(self, info: Ctx, model: str | None = None,
                              as_of: datetime.date | None = None) -> Job:
        return await _submit(info, jobs.RISK, {"model": model.strip() if model else None,
                                               "as_of": as_of.isoformat() if as_of else None})
