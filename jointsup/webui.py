"""The web graph explorer (图谱探查) at /explore: its page, scripts and locally installed assets.

Everything is served by this server from the package (cytoscape from npm, copied into
static/vendor by `make assets`): no CDN, no inline script, and a strict Content-Security-Policy on
every response under /explore. The page talks only to /graphql, with the bearer token the
investigator signs in with.
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jointsup.model import REL_TYPES

STATIC_DIR = Path(__file__).parent / "static"
EXPLORE_DIR = STATIC_DIR / "explore"
VENDOR_DIR = STATIC_DIR / "vendor"
# The explorer's third-party files, as `make assets` copies them from node_modules.
EXPLORER_VENDOR = ("cytoscape.min.js",)
# Exported images are blob: URLs; cytoscape's canvas needs no other source than our own.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """Adds the explorer's security headers to every response of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                # Scripts change with the package: revalidate rather than run a stale copy.
                headers.setdefault("Cache-Control", "no-cache")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def vendor_missing() -> list[str]:
    """Explorer assets not yet copied from node_modules (`make assets`)."""
    return [name for name in EXPLORER_VENDOR if not (VENDOR_DIR / name).is_file()]


async def page(request: Request) -> Response:
    """The explorer's single page (a 503 naming the fix when the assets are not installed)."""
    if missing := vendor_missing():
        return PlainTextResponse(f"explorer assets missing ({', '.join(missing)}): run "
                                 "`make assets` (npm ci, then copy into jointsup/static/vendor)",
                                 status_code=503)
    return FileResponse(EXPLORE_DIR / "index.html", headers={"Cache-Control": "no-store"})


async def vendor(request: Request) -> Response:
    """One allow-listed third-party script from static/vendor."""
    name = request.path_params["name"]
    if name not in EXPLORER_VENDOR or not (VENDOR_DIR / name).is_file():
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(VENDOR_DIR / name, media_type="text/javascript")


async def model(request: Request) -> Response:
    """The relationship types the explorer can filter by (from jointsup.model, so never stale)."""
    return JSONResponse({"relationshipTypes": [
        {"type": name, "doc": spec.doc, "sources": sorted(spec.sources),
         "targets": sorted(spec.targets)}
        for name, spec in REL_TYPES.items()]})


async def to_page(request: Request) -> Response:
    """/explore → /explore/ (the page's relative links need the slash)."""
    return RedirectResponse("/explore/", status_code=308)


def explorer_app() -> ASGIApp:
    """The explorer's own router, wrapped in the security headers."""
    router = Router(routes=[
        Route("/", page, methods=["GET", "HEAD"]),
        Route("/model.json", model, methods=["GET"]),
        Route("/vendor/{name}", vendor, methods=["GET", "HEAD"]),
        Mount("/static", StaticFiles(directory=EXPLORE_DIR, check_dir=False)),
    ])
    return SecurityHeaders(router)


def routes() -> list[Route | Mount]:
    """Routes that serve the explorer (mounted in every mode, not only --dev)."""
    return [Route("/explore", to_page, methods=["GET", "HEAD"]),
            Mount("/explore", app=explorer_app())]
