"""Headless Chromium for the explorer's browser tests: launching, console watching, screenshots.

The browser is the system's Chromium (Debian's `chromium` package), driven by the `playwright`
package; no browser is ever downloaded. Without Chromium the browser tests are skipped with the
reason, except under CI (`CI=true`), where that is a failure.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Download, Error, Page, sync_playwright

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("JOINTSUP_CHROMIUM", "/usr/bin/chromium"))
UNDER_CI = os.environ.get("CI", "").lower() == "true"
ACTION_TIMEOUT_MS = 15_000


def artifacts_dir() -> Path:
    """Where screenshots and downloads go: $JOINTSUP_TEST_ARTIFACTS, else test-artifacts/."""
    path = Path(os.environ.get("JOINTSUP_TEST_ARTIFACTS") or REPO / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def chromium_path() -> Path:
    """The Chromium binary; skips the test (fails under CI) when there is none."""
    found = CHROMIUM if CHROMIUM.is_file() else None
    if found is None and (which := shutil.which("chromium")):
        found = Path(which)
    if found is None:
        reason = (f"no Chromium at {CHROMIUM} (install the Debian package `chromium`, or set "
                  "JOINTSUP_CHROMIUM)")
        if UNDER_CI:
            pytest.fail(f"browser tests are required under CI: {reason}")
        pytest.skip(reason)
    return found


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless system Chromium for the duration of the block."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Console:
    """Console errors, uncaught exceptions and failed requests of one page."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.append(f"console: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))


@dataclass
class Explorer:
    """The /explore page seen by a test: the actions an investigator takes, and what is shown."""

    page: Page
    url: str
    console: Console
    shots: list[Path] = field(default_factory=list)

    def open(self) -> None:
        self.page.goto(f"{self.url}/explore/")
        self.page.wait_for_selector("body[data-ready=true]")

    def sign_in(self, token: str) -> None:
        self.page.fill("#token", token)
        self.page.click("#signin-button")

    def signed_in(self) -> bool:
        return self.page.is_visible("#workspace") and not self.page.is_visible("#signin")

    def search(self, query: str) -> list[str]:
        """USCCs of the hits, in the order shown."""
        self.page.fill("#search-input", query)
        with self.page.expect_response(lambda r: r.url.endswith("/graphql")):
            self.page.click("#search-button")
        self.wait_idle()
        uscc: list[str] = self.page.eval_on_selector_all(
            "#search-results button.result", "bs => bs.map(b => b.dataset.uscc)")
        return uscc

    def open_result(self, uscc: str) -> None:
        self.page.click(f"#search-results button.result[data-uscc='{uscc}']")
        self.page.wait_for_function("id => jointsupExplorer.cy.getElementById(id).nonempty()",
                                    arg=self.node_id_of(uscc))

    def node_id_of(self, uscc: str) -> str:
        """The global id of the enterprise `uscc` (what the canvas keys its node by)."""
        return base64.b64encode(f"Enterprise:{uscc}".encode()).decode()

    def cy(self, script: str, arg: Any = None) -> Any:
        """Evaluate `script` (a function of `cy` and `arg`) against the page's cytoscape."""
        return self.page.evaluate(f"([arg]) => {{ const cy = jointsupExplorer.cy; "
                                  f"return ({script})(cy, arg); }}", [arg])

    def node_ids(self) -> set[str]:
        return set(self.cy("cy => cy.nodes().map(n => n.id())"))

    def edge_ids(self) -> set[str]:
        return set(self.cy("cy => cy.edges().map(e => e.id())"))

    def click_node(self, node_id: str, *, shift: bool = False) -> None:
        """A real mouse click on the node (centred in the view first, as a user would pan)."""
        x, y = self.cy("""(cy, id) => { const n = cy.getElementById(id);
            if (n.empty()) throw new Error('no node ' + id);
            cy.stop(true, true); cy.center(n); const p = n.renderedPosition();
            return [p.x, p.y]; }""", node_id)
        box = self.page.locator("#cy").bounding_box()
        assert box is not None
        if shift:
            self.page.keyboard.down("Shift")
        try:
            self.page.mouse.click(box["x"] + x, box["y"] + y)
        finally:
            if shift:
                self.page.keyboard.up("Shift")

    def click_edge(self, edge_id: str) -> None:
        """A real mouse click on a link, at a point of it that no node covers."""
        x, y = self.cy("""(cy, id) => { const e = cy.getElementById(id);
            if (e.empty()) throw new Error('no edge ' + id);
            cy.stop(true, true); cy.center(e);
            const a = e.source().renderedPosition(), b = e.target().renderedPosition();
            const points = [e.renderedMidpoint(), ...[0.35, 0.65, 0.25, 0.75].map(t =>
                ({x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y)}))];
            const covered = p => cy.nodes(':visible').some(n => {
                const bb = n.renderedBoundingBox({includeLabels: false});
                return p.x > bb.x1 - 4 && p.x < bb.x2 + 4 && p.y > bb.y1 - 4 && p.y < bb.y2 + 4; });
            const free = points.find(p => !covered(p));
            if (!free) throw new Error('every point of edge ' + id + ' is under a node');
            return [free.x, free.y]; }""", edge_id)
        box = self.page.locator("#cy").bounding_box()
        assert box is not None
        self.page.mouse.click(box["x"] + x, box["y"] + y)

    def wait_idle(self) -> None:
        """Until no request is under way (the status line leaves its busy state)."""
        self.page.wait_for_function(
            "() => document.getElementById('status').dataset.kind !== 'busy'")

    def download(self, button: str, name: str) -> Path:
        """Click an export button and keep the file under the artifacts directory."""
        with self.page.expect_download() as info:
            self.page.click(button)
        got: Download = info.value
        target = artifacts_dir() / name
        got.save_as(target)
        return target

    def shot(self, name: str) -> Path:
        """A screenshot of the page, kept as a test artifact."""
        path = artifacts_dir() / f"{name}.png"
        self.page.screenshot(path=str(path))
        self.shots.append(path)
        return path


@contextmanager
def explorer(browser: Browser, url: str, name: str) -> Iterator[Explorer]:
    """A fresh browser context on the explorer; its last state is kept as `<name>-last.png`.

    (pytest does not hand a test's failure to its fixtures, so the last screenshot is taken
    whatever the outcome: after a failure, it shows the page as the failing step left it.)
    """
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    console = Console()
    console.watch(page)
    view = Explorer(page, url, console)
    try:
        yield view
    finally:
        with suppress(Error):  # the page itself may be what broke
            view.shot(f"{safe(name)}-last")
        context.close()


def safe(name: str) -> str:
    """A test name usable as a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
