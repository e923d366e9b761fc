"""The HTTP server: a Starlette app factory with GraphQL at /graphql, probes, and dev-only GraphiQL.

Status codes (docs/api.md): 401 without a valid bearer token, 413 for a body over the limit,
415 for a POST that is not JSON, 400 for malformed JSON, a batch or a bad request shape, 405 for a
mutation over GET, 504 past the request deadline, 503 when the store is down or the worker is
overloaded (`jointsup.admission`). Everything the
GraphQL engine reports — syntax, validation, the limits of `resolvers.limits`, resolver errors —
is 200 with `errors` — except that a document refused before it runs (syntax, validation, the
document limits) is 400 with no `data`, as GraphQL over HTTP has it for its own media type
application/graphql-response+json; only a legacy client whose Accept names application/json alone
gets 200 for those too. Every error carries `extensions: {code, requestId}`; details stay in the
log.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator, Coroutine, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import strawberry
from anyio import CapacityLimiter, to_thread
from graphql import GraphQLError, GraphQLSyntaxError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from jointsup import admission, collector, webui
from jointsup.admission import OVERLOADED, RETRY_AFTER_S, AdmissionMiddleware
from jointsup.config import Settings
from jointsup.errors import JointsupError, elide
from jointsup.graph import open_store
from jointsup.graph.algorithms import warm_paths
from jointsup.graph.store import BaseGraphStore
from jointsup.resolvers.context import RequestContext
from jointsup.resolvers.limits import DOCUMENT_ERROR_CODES, MAX_VARIABLES, security_extensions
from jointsup.services import jobs, tokens
from jointsup.services.exchange.config import exchange_config
from jointsup.services.exchange.deliver import DeliveryWorker
from jointsup.services.policy import Principal, Unauthenticated
from jointsup.services.search import index_enterprise_names, names_state

log = logging.getLogger("jointsup.server")
T = TypeVar("T")
STATIC_DIR = Path(__file__).parent / "static"
VENDOR_ASSETS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js",
                 "graphiql.min.css")
# Codes whose messages were written for the caller; any other code gets a fixed message.
# Codes whose messages are written for the caller (the others are replaced by a fixed text).
PUBLIC_CODES = frozenset({"FORBIDDEN", "UNAUTHENTICATED", "NOT_FOUND", "INVALID_INPUT",
                          "ILLEGAL_TRANSITION", "IDEMPOTENCY_KEY_REUSED"})
FIXED_MESSAGES = {"STORE_UNAVAILABLE": "the store is unavailable"}
# GraphQL over HTTP's own media type: a client accepting it gets 400 for a document that is not run.
GRAPHQL_RESPONSE = "application/graphql-response+json"

# ---------------------------------------------------------------- structured logs

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "jointsup_request_id", default=None)
_LOG_FIELDS = ("method", "path", "status", "duration_ms", "code", "token_id", "role")


class RequestIdFilter(logging.Filter):
    """Stamps every record with the request id of the request it was logged in (or None)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, request_id, message, fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None),
            "message": record.getMessage(),
        }
        entry.update({k: getattr(record, k) for k in _LOG_FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send every logger (uvicorn's too) to stderr as JSON lines with request ids."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # RequestIdMiddleware writes the access line (with the duration and the request id).
    logging.getLogger("uvicorn.access").propagate = False


_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_INCOMING_ID_BYTES = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives each request an id (the caller's X-Request-Id when sane), logs it, returns it.

    Also the last resort for unexpected exceptions: logged with the traceback, answered with a
    bare INTERNAL error, so no stack trace ever reaches a client.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        reset = request_id_var.set(rid)
        started, status = time.perf_counter(), [0]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"code": "INTERNAL"})
            if status[0] == 0:
                await error_response(500, "INTERNAL", "internal error")(scope, receive,
                                                                         send_with_id)
        finally:
            log.info("request", extra={
                "method": scope["method"], "path": scope["path"], "status": status[0],
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
            request_id_var.reset(reset)


# ---------------------------------------------------------------- errors

def error_body(code: str, message: str) -> dict[str, Any]:
    """The GraphQL-shaped body of a request-level error (the message capped: `elide`)."""
    return {"errors": [{"message": elide(message),
                        "extensions": {"code": code, "requestId": request_id_var.get()}}]}


def error_response(status: int, code: str, message: str,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """A request-level error: the status, and the code and request id in the body."""
    log.info("refused: %s", elide(message), extra={"code": code})
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def error_code(error: GraphQLError) -> str:
    """The stable code of a GraphQL error."""
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    original = error.original_error
    if isinstance(original, JointsupError):
        return original.code
    if original is not None and error.path is not None:
        return "INTERNAL"
    return "GRAPHQL_PARSE_FAILED" if isinstance(error, GraphQLSyntaxError) else \
        "GRAPHQL_VALIDATION_FAILED"


def format_error(error: GraphQLError, dev: bool) -> dict[str, Any]:
    """What a client sees of an error: a safe message (capped: `elide`), where it happened, its
    code, the id."""
    code = error_code(error)
    if isinstance(error.original_error, JointsupError):
        message = error.original_error.message if code in PUBLIC_CODES else \
            FIXED_MESSAGES.get(code, "internal error")
    elif code == "INTERNAL":
        message = "internal error"
    else:
        message = error.message
        if not dev:  # schema hints help attackers map a schema they may not introspect
            message = message.split(" Did you mean", 1)[0]
    out: dict[str, Any] = {"message": elide(message)}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = error.path
    out["extensions"] = {"code": code, "requestId": request_id_var.get()}
    return out


class ServedSchema(strawberry.Schema):
    """The schema with the server's error logging: expected errors briefly, others in full."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            code = error_code(error)
            if code == OVERLOADED:
                continue  # a request refused for waiting for threads: admission logs those
            original = error.original_error
            if code == "INTERNAL" and original is not None:
                log.error("resolver failed: %s", elide(error.message), extra={"code": code},
                          exc_info=(type(original), original, original.__traceback__))
            else:
                log.info("graphql error: %s", elide(error.message), extra={"code": code})


def build_served_schema(dev: bool) -> strawberry.Schema:
    """The schema the server runs: the resolvers' root types plus the security limits.

    Built from the same root types as `resolvers.build_schema()`; a test checks both print the
    same SDL, so the exported schema.graphql describes what is served.
    """
    from jointsup.resolvers import schema as root

    return ServedSchema(query=root.Query, mutation=root.mutation_root(),
                        extensions=security_extensions(dev))


# ---------------------------------------------------------------- /graphql

class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` bytes (declared or not)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _Refused(413, "BODY_TOO_LARGE", f"the request body exceeds {limit} bytes",
                       {"Connection": "close"})
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _Refused(413, "BODY_TOO_LARGE", f"the request body exceeds {limit} bytes",
                           {"Connection": "close"})
        chunks.append(chunk)
    return b"".join(chunks)


def _bad(message: str) -> _Refused:
    return _Refused(400, "BAD_REQUEST", message)


_UNPAIRED = re.compile(r"[\ud800-\udfff]")


def parse_json(text: str | bytes, what: str) -> Any:
    """JSON from a client; 400 when malformed, nested past the parser's depth, or holding a
    string no store should keep: an unpaired surrogate (`\\ud800`, which no store can encode)
    or a NUL character."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise _bad(f"{what} is nested too deeply") from None
    except ValueError:
        raise _bad(f"{what} is not valid JSON") from None
    pending = [value]  # a loop, not recursion: the value may be nested nearly as deep as allowed
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending += [*item.values(), *item.keys()]
        elif isinstance(item, list):
            pending += item
        elif isinstance(item, str) and ("\x00" in item or _UNPAIRED.search(item)):
            raise _bad(f"{what} holds a NUL character or an unpaired surrogate")
    return value


async def graphql_params(request: Request, max_body: int) -> tuple[dict[str, Any], bool]:
    """query, variables and operationName of a request, and whether mutations are allowed."""
    if request.method == "GET":
        raw: dict[str, Any] = dict(request.query_params)
        if "variables" in raw:
            raw["variables"] = parse_json(raw["variables"], "variables")
        mutations = False
    else:
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            raise _Refused(415, "UNSUPPORTED_MEDIA_TYPE", "the body must be application/json")
        with admission.client_time():  # a slow client is not the worker falling behind
            body = await read_body(request, max_body)
        raw = parse_json(body, "the body")
        if isinstance(raw, list):
            raise _Refused(400, "BATCH_NOT_ALLOWED", "batched requests are not accepted")
        if not isinstance(raw, dict):
            raise _bad("the body must be a JSON object")
        mutations = True
    query, variables, name = raw.get("query"), raw.get("variables"), raw.get("operationName")
    if not isinstance(query, str) or not query.strip():
        raise _bad("query must be a non-empty string")
    if variables is not None and not isinstance(variables, dict):
        raise _bad("variables must be an object")
    if variables is not None and len(variables) > MAX_VARIABLES:
        raise _Refused(400, "TOO_MANY_VARIABLES", f"more than {MAX_VARIABLES} variables")
    if name is not None and not isinstance(name, str):
        raise _bad("operationName must be a string")
    return {"query": query, "variable_values": variables, "operation_name": name}, mutations


async def authenticate(request: Request, store: BaseGraphStore, cache_s: float) -> Principal:
    """The caller named by `Authorization: Bearer …`; 401 (or 503) otherwise."""
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not bearer.strip():
        raise _Refused(401, "UNAUTHENTICATED", "a bearer token is required",
                       {"WWW-Authenticate": "Bearer"})
    try:
        principal = await run_in_threadpool(tokens.verify, store, bearer.strip(), cache_s)
    except admission.Overloaded:
        raise  # answered by the endpoint as a refusal (admission.refused_for_queueing)
    except Unauthenticated as exc:
        log.info("token refused: %s", exc.message, extra={"code": exc.code})
        raise _Refused(401, "UNAUTHENTICATED", "invalid or revoked token",
                       {"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    except JointsupError as exc:
        log.warning("token check failed: %s", exc.message, extra={"code": exc.code})
        raise _Refused(503, exc.code, FIXED_MESSAGES.get(exc.code, "internal error")) from None
    log.debug("authenticated", extra={"token_id": principal.token_id, "role": principal.role})
    return principal


_ABANDONED: set[asyncio.Task[Any]] = set()


def _drop(task: asyncio.Task[Any]) -> None:
    _ABANDONED.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved


async def within(deadline: float, work: Coroutine[Any, Any, T]) -> T:
    """`work`'s result, or TimeoutError at the deadline even while `work` waits on a worker
    thread that cannot be interrupted (a store call stuck on a frozen Neo4j): `asyncio.timeout`
    alone would wait for that thread. The task is cancelled and left to end when its thread
    returns; its answer is dropped (a mutation it was making still commits or rolls back whole,
    and a retry with the same idempotency key replays it)."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.wait_for(asyncio.shield(task), deadline)
    except BaseException:
        if not task.done():
            task.cancel()
            _ABANDONED.add(task)
            task.add_done_callback(_drop)
            admission.left_behind()  # its store call may still run: the age limit counts it
        raise


async def graphql_endpoint(request: Request) -> Response:
    """POST (queries and mutations) or GET (queries only) one GraphQL operation."""
    state = request.app.state
    settings: Settings = state.settings
    deadline = settings.request_deadline_s
    admission.limit_queueing()  # refused once it waits too long for worker threads (below)

    async def run() -> ExecutionResult:
        principal = await authenticate(request, state.store, settings.token_cache_s)
        params, mutations = await graphql_params(request, settings.max_body_bytes)
        allowed = {OperationType.QUERY, OperationType.MUTATION} if mutations else \
            {OperationType.QUERY}
        context = RequestContext.create(state.store, principal, request_id_var.get() or "")
        try:
            result: ExecutionResult = await state.schema.execute(
                context_value=context, allowed_operation_types=allowed, **params)
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.MUTATION and not mutations:
                raise _Refused(405, "MUTATION_OVER_GET", "mutations need POST",
                               {"Allow": "POST"}) from None
            raise _bad(f"{exc.operation_type.value} operations are not served") from None
        except CannotGetOperationTypeError as exc:
            raise _bad(exc.as_http_error_reason()) from None
        except MissingQueryError:
            raise _bad("no query to run") from None
        return result

    try:
        result = await within(deadline, run())
    except (_Refused, TimeoutError, admission.Overloaded) as exc:
        if isinstance(exc, admission.Overloaded) or admission.refused_for_queueing():
            return overloaded_response()
        if isinstance(exc, _Refused):
            return error_response(exc.status, exc.code, exc.message, exc.headers)
        return error_response(504, "DEADLINE_EXCEEDED",
                              f"the request took longer than {deadline:g} s")
    finally:
        admission.answered()  # what follows is rendering and sending, not the store's work
    if admission.refused_for_queueing():  # (a resolver's wait for a thread, its error in result)
        return overloaded_response()
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [format_error(e, state.dev) for e in result.errors]
    # A request refused only by the policy is a 403; partial answers stay 200 as GraphQL says.
    codes = [error_code(e) for e in result.errors or ()]
    forbidden = bool(codes) and all(code == "FORBIDDEN" for code in codes)
    if not accepts_graphql_response(request):
        return JSONResponse(body, status_code=403 if forbidden else 200)
    if result.data is None and codes and set(codes) <= DOCUMENT_ERROR_CODES:
        return JSONResponse({"errors": body["errors"]}, status_code=400,
                            media_type=GRAPHQL_RESPONSE)
    return JSONResponse(body, status_code=403 if forbidden else 200, media_type=GRAPHQL_RESPONSE)


def accepts_graphql_response(request: Request) -> bool:
    """Whether to answer in application/graphql-response+json: unless the client's Accept names
    application/json without naming graphql-response+json (a legacy client), yes — also for no
    Accept header or `*/*`, as GraphQL over HTTP allows since 2025-01-01."""
    acceptable = set()
    for media_range in request.headers.get("accept", "").lower().split(","):
        kind, *params = (part.strip() for part in media_range.split(";"))
        q = next((v.strip() for k, _, v in (p.partition("=") for p in params) if k.strip() == "q"),
                 "1")
        if kind and q.strip("0.") != "":
            acceptable.add(kind)
    return GRAPHQL_RESPONSE in acceptable or "application/json" not in acceptable


# ---------------------------------------------------------------- probes and GraphiQL

async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Readiness: the store answers a query. `nlp` says whether registerClue's linker is built
    (`ready`) or building (`warming`), `names` the same of searchEnterprises' name index
    (`ready`, `building`, `cold`); readiness waits for neither (docs/api.md)."""
    try:
        await run_in_threadpool(request.app.state.store.ping)
    except Exception as exc:  # any failure means not ready; the log says which
        code = exc.code if isinstance(exc, JointsupError) else "STORE_UNAVAILABLE"
        log.warning("not ready: %s", exc, extra={"code": code})
        return JSONResponse({"status": "unavailable", "code": code,
                             "requestId": request_id_var.get()}, status_code=503)
    nlp = getattr(request.app.state, "nlp", None)
    return JSONResponse({"status": "ready", "store": request.app.state.store.kind,
                         "nlp": nlp.state if nlp is not None else "cold",
                         "names": names_state(request.app.state.store)})


def vendor_missing() -> list[str]:
    """GraphiQL assets not yet copied from node_modules (`make assets`)."""
    return [name for name in VENDOR_ASSETS if not (STATIC_DIR / "vendor" / name).is_file()]


async def graphiql(request: Request) -> Response:
    """The GraphiQL page (dev only), loading only this server's /static assets."""
    if missing := vendor_missing():
        return PlainTextResponse(f"GraphiQL assets missing ({', '.join(missing)}): run "
                                 "`make assets` (npm ci, then copy into jointsup/static/vendor)",
                                 status_code=503)
    return FileResponse(STATIC_DIR / "graphiql" / "index.html", headers={
        "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                   "img-src 'self' data:; font-src 'self' data:"})


# ---------------------------------------------------------------- the app

OVERLOADED_MESSAGE = "the server is at capacity; retry shortly"
_OVERLOADED_HEAD = (b'{"errors":[{"message":"' + OVERLOADED_MESSAGE.encode() + b'",'
                    b'"extensions":{"code":"' + OVERLOADED.encode() + b'","requestId":"')
_OVERLOADED_HEADERS = [(b"content-type", b"application/json"),
                       (b"retry-after", str(RETRY_AFTER_S).encode())]


async def overloaded(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer past the admission limits (jointsup.admission): 503, OVERLOADED, Retry-After,
    the request id in the body and `X-Request-Id` as every error has them. It runs outside every
    other middleware and costs a few microseconds: bytes written straight to the connection — no
    body read, no parsing, no response object, no thread, no log line."""
    rid = b""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            rid = value
            break
    if not _INCOMING_ID_BYTES.fullmatch(rid):
        rid = uuid.uuid4().hex.encode()
    body = _OVERLOADED_HEAD + rid + b'"}}]}'
    await send({"type": "http.response.start", "status": 503, "headers": [
        *_OVERLOADED_HEADERS, (b"content-length", str(len(body)).encode()),
        (b"x-request-id", rid)]})
    await send({"type": "http.response.body", "body": body})


def overloaded_response() -> Response:
    """`overloaded`'s answer for an admitted request refused for waiting too long for worker
    threads (jointsup.admission): the same status, body and headers."""
    return JSONResponse(error_body(OVERLOADED, OVERLOADED_MESSAGE), status_code=503,
                        headers={"Retry-After": str(RETRY_AFTER_S)})


def _warm_reads(store: BaseGraphStore) -> None:
    """Build the enterprise-name index, then read ahead the hubs path searches pass."""
    index_enterprise_names(store)
    collector.settle("the enterprise-name index")
    if warm_paths(store):
        collector.settle("the hubs' adjacency")


def create_app(settings: Settings, *, store: BaseGraphStore | None = None,
               dev: bool = False) -> Starlette:
    """The ASGI app; given a `store`, the caller owns it, else the lifespan opens and closes one."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        own = store is None
        # Request work runs in this loop's default thread pool: bounded (worker_threads), and a
        # request waiting for a thread past the age limit is refused (admission.ThreadGate).
        admission.gate_worker_threads(settings.worker_threads)
        app.state.store = await run_in_threadpool(open_store, settings) if own else store
        log.info("serving the %s store%s", app.state.store.kind, " in dev mode" if dev else "")
        # What start-up built stays for the server's life: kept out of the collector's walks
        # (jointsup.collector), as are the name index and the linker once the warm-ups built them.
        collector.settle("the app")
        # Build the name index off the request path, in a thread of its own (not one of the
        # requests'); a search before it is ready builds its own. Then, on Neo4j, the hubs'
        # adjacency for path searches (graph.hub_rows); a search before it reads its own.
        warm = asyncio.create_task(to_thread.run_sync(
            _warm_reads, app.state.store, limiter=CapacityLimiter(1)))
        # And registerClue's linker (the provider registerClue uses): a registerClue before it is
        # ready waits for this build rather than starting one; /readyz reports it as `nlp`.
        from jointsup.services.clues.register import fresh_linker

        app.state.nlp = fresh_linker(app.state.store, settings.data_dir)
        if settings.nlp_warm_up:
            app.state.nlp.warm_up(then=lambda: collector.settle("the clue linker"))
        # Background jobs (credit classes, risk models) run in this process's own small pool.
        app.state.jobs = jobs.JobRunner(app.state.store)
        await run_in_threadpool(app.state.jobs.start)
        jobs.register_runner(app.state.jobs)
        # The clue exchange's outbox worker: delivers to partner instances (docs/exchange.md).
        app.state.exchange = DeliveryWorker(app.state.store, exchange_config())
        app.state.exchange.start()
        try:
            yield
        finally:
            await run_in_threadpool(app.state.exchange.stop)
            jobs.unregister_runner(app.state.jobs)
            await run_in_threadpool(app.state.jobs.stop)
            if not warm.done():
                warm.cancel()
            # A warm-up still running is left to end on its own: closing the store under it
            # makes its reads fail with StoreUnavailable (logged), never a crash.
            if own:
                await run_in_threadpool(app.state.store.close)

    routes: list[Route | Mount] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
        *webui.routes(),
    ]
    if dev:
        routes += [Route("/graphiql", graphiql, methods=["GET"]),
                   Mount("/static", StaticFiles(directory=STATIC_DIR), name="static")]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.settings, app.state.dev = settings, dev
    app.state.schema = build_served_schema(dev)
    app.add_middleware(RequestIdMiddleware)
    # Outermost (added last): a refusal costs nothing the other middleware would spend.
    app.add_middleware(AdmissionMiddleware, limit=settings.max_in_flight, refuse=overloaded,
                       max_age_s=settings.overload_age())
    return app


def app_from_env() -> Starlette:
    """The app uvicorn workers build (`factory=True`): settings from JOINTSUP_*, JOINTSUP_DEV."""
    configure_logging(os.environ.get("JOINTSUP_LOG_LEVEL", "INFO"))
    dev = os.environ.get("JOINTSUP_DEV", "") in ("1", "true", "yes")
    return create_app(Settings.from_env(), dev=dev)
