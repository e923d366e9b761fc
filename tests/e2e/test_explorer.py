"""The graph explorer at /explore, driven in headless Chromium against a real server.

The server runs on the embedded store holding the reference data and a generated 300-enterprise
dataset; the generator's truth.json names the planted 一人多企 (one person, many companies)
pattern that the investigator's flow follows. What the page shows is checked against the API's own
answers for the same questions, never against hard-coded results.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from jointsup import webui
from jointsup.config import Settings
from jointsup.graph.embedded import EmbeddedStore
from jointsup.ingest.generate import generate
from jointsup.ingest.jobs import ingest_dir
from jointsup.resolvers.relay import encode_id
from tests.e2e.browser import Explorer, artifacts_dir, chromium, explorer
from tests.e2e.conftest import Live, serve

SEED = 7
pytestmark = pytest.mark.timeout(240)


@dataclass
class Demo:
    """The running server and the planted pattern the tests follow."""

    live: Live
    truth: dict[str, Any]

    @property
    def investigator(self) -> str:
        return self.live.token_for("investigator")

    def api(self, query: str, **variables: Any) -> dict[str, Any]:
        """The API's answer to `query` for an investigator (failing on any error)."""
        body = self.live.post(query, self.investigator, variables=variables).json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def crowded(self, limit: int) -> tuple[str, dict[str, Any]]:
        """The first planted company whose depth-3 neighbourhood fills `limit` nodes, and it."""
        for pattern in self.truth["one_person_many_companies"]:
            for uscc in pattern["usccs"]:
                found = self.api(NEIGHBOURHOOD, id=encode_id("Enterprise", uscc), depth=3,
                                 limit=limit)["neighbourhood"]
                if found["truncated"]:
                    assert len(found["nodes"]) == limit
                    return uscc, found
        raise AssertionError(f"no planted company has {limit} nodes within 3 hops")

    def planted(self) -> tuple[str, list[str]]:
        """The person and companies of the first planted one-person-many-companies pattern."""
        first = self.truth["one_person_many_companies"][0]
        return first["person_id"], first["usccs"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, reference_template: Path) -> Iterator[Demo]:
    """A server on an embedded store with the reference data and a generated dataset."""
    root = tmp_path_factory.mktemp("explorer")
    generated = root / "generated"
    generate(generated, 300, seed=SEED)
    shutil.copy(reference_template, root / "graph.sqlite")
    settings = Settings(data_dir=root, hash_key="explorer-tests")
    with EmbeddedStore(root / "graph.sqlite") as store:
        ingest_dir(store, settings, generated)
        truth = json.loads((generated / "truth.json").read_text(encoding="utf-8"))
        with contextmanager(serve)(store, settings) as live:
            yield Demo(live, truth)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def ui(browser: Browser, demo: Demo, request: pytest.FixtureRequest) -> Iterator[Explorer]:
    """The explorer page, opened and not signed in."""
    with explorer(browser, demo.live.url, request.node.name) as view:
        view.open()
        yield view


# ------------------------------------------------------------------ serving (no browser)

def test_page_is_served_with_security_headers_and_no_inline_code(demo: Demo) -> None:
    client = demo.live.client
    assert client.get("/explore", follow_redirects=False).headers["location"] == "/explore/"
    page = client.get("/explore/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    html = page.text
    # Every script is an external file of this server; no inline handlers or styles.
    scripts = [tag for tag in html.split("<script")[1:]]
    assert scripts
    assert all(' src="/explore/' in tag.split(">", 1)[0] for tag in scripts)
    assert all(tag.split(">", 1)[1].startswith("</script>") for tag in scripts)
    assert " onclick=" not in html
    assert " style=" not in html
    assert re.search(r"<style[\s>]", html) is None
    assert "http://" not in html
    assert "https://" not in html
    for asset in ("/explore/static/app.js", "/explore/vendor/cytoscape.min.js",
                  "/explore/static/explorer.css"):
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert served.headers["content-security-policy"] == csp
    assert client.get("/explore/static/app.js").headers["content-type"].startswith(
        "text/javascript")


def test_only_allow_listed_vendor_files_are_served(demo: Demo) -> None:
    client = demo.live.client
    assert client.get("/explore/vendor/graphiql.min.js").status_code == 404
    assert client.get("/explore/vendor/..%2F..%2Fwebui.py").status_code == 404
    assert client.get("/explore/static/../../webui.py").status_code == 404


def test_missing_assets_are_named_with_the_fix(demo: Demo, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webui, "VENDOR_DIR", tmp_path)  # as on a clone before `make assets`
    page = demo.live.client.get("/explore/")
    assert page.status_code == 503
    assert "cytoscape.min.js" in page.text
    assert "make assets" in page.text
    assert demo.live.client.get("/explore/vendor/cytoscape.min.js").status_code == 404


def test_model_lists_every_relationship_type(demo: Demo) -> None:
    from jointsup.model import REL_TYPES

    served = demo.live.client.get("/explore/model.json").json()["relationshipTypes"]
    assert [t["type"] for t in served] == list(REL_TYPES)
    assert all(t["doc"] == REL_TYPES[t["type"]].doc for t in served)


# ------------------------------------------------------------------ in the browser

def test_sign_in_keeps_the_token_for_the_tab_only(ui: Explorer, demo: Demo) -> None:
    ui.sign_in("jst_nobody.not-a-real-token")
    ui.page.wait_for_selector("#signin-error:not(:empty)")
    assert not ui.signed_in()
    ui.sign_in(demo.investigator)
    ui.page.wait_for_selector("#workspace:not([hidden])")
    assert ui.signed_in()
    ui.shot("explorer-01-signed-in")
    ui.page.reload()
    ui.page.wait_for_selector("body[data-ready=true]")
    assert ui.signed_in(), "a reload keeps the session (sessionStorage)"
    ui.page.click("#signout")
    assert not ui.signed_in()
    assert ui.page.evaluate("() => sessionStorage.length") == 0
    # A link carrying the token in its fragment signs in, and the token leaves the address bar.
    ui.page.goto("about:blank")
    ui.page.goto(f"{demo.live.url}/explore/#token={demo.investigator}")
    ui.page.wait_for_selector("body[data-ready=true]")
    assert ui.signed_in()
    assert ui.page.url == f"{demo.live.url}/explore/"
    # The refused token above is the only console error: a 401 the browser logs itself.
    assert all("401" in error for error in ui.console.errors), ui.console.errors


SEARCH = """query($q: String!) { searchEnterprises(query: $q, first: 10) {
  edges { node { uscc } } } }"""


def test_search_by_name_short_name_and_uscc(ui: Explorer, demo: Demo) -> None:
    _, usccs = demo.planted()
    ent = demo.api("query($u: String!) { enterprise(uscc: $u) { name tradeName } }",
                   u=usccs[0])["enterprise"]
    ui.sign_in(demo.investigator)
    ui.page.wait_for_selector("#workspace:not([hidden])")
    for query in (ent["name"], ent["tradeName"], usccs[0]):
        expected = [e["node"]["uscc"] for e in demo.api(SEARCH, q=query)["searchEnterprises"]
                    ["edges"]]
        assert usccs[0] in expected, query
        assert ui.search(query) == expected, query
    ui.open_result(usccs[0])
    assert ui.node_ids() == {ui.node_id_of(usccs[0])}
    assert ui.page.inner_text("#details-title") == ent["name"]
    ui.shot("explorer-02-search")
    assert ui.console.errors == []


def test_investigator_follows_a_planted_one_person_many_companies_pattern(
        ui: Explorer, demo: Demo) -> None:
    person_id, usccs = demo.planted()
    first, second = usccs[0], usccs[1]
    a, b, person = ui.node_id_of(first), ui.node_id_of(second), encode_id("Person", person_id)
    ui.sign_in(demo.investigator)
    ui.page.wait_for_selector("#workspace:not([hidden])")

    # Search the planted company and expand it on the canvas: the shared person appears.
    assert first in ui.search(first)
    ui.open_result(first)
    expected = demo.api(NEIGHBOURHOOD, id=a)["neighbourhood"]
    ui.click_node(a)
    ui.page.wait_for_function("id => jointsupExplorer.cy.getElementById(id).data('expanded')",
                              arg=a)
    assert {n["id"] for n in expected["nodes"]} == ui.node_ids()
    assert {e["id"] for e in expected["edges"]} == ui.edge_ids()
    assert person in ui.node_ids()
    ui.shot("explorer-03-expanded")

    # Select the two companies (the second from a search) and find the path between them.
    assert second in ui.search(second)
    ui.open_result(second)
    ui.click_node(a)
    ui.click_node(b, shift=True)
    assert ui.page.inner_text("#path-from") == caption(ui, a)
    assert ui.page.inner_text("#path-to") == caption(ui, b)
    paths = demo.api(PATHS, f=a, t=b)["paths"]
    assert paths
    assert paths[0]["length"] == 2
    ui.page.click("#path-find")
    ui.page.wait_for_selector("#path-results button.path.current")
    shown = ui.page.eval_on_selector_all("#path-results button.path", "bs => bs.length")
    assert shown == len(paths)
    on_path = {n["id"] for n in paths[0]["nodes"]} | {e["id"] for e in paths[0]["edges"]}
    assert set(ui.cy("cy => cy.$('.highlight').map(e => e.id())")) == on_path
    assert person in on_path
    ui.shot("explorer-04-path")
    link = paths[0]["edges"][-1]
    ui.click_edge(link["id"])
    assert ui.page.inner_text("#details-title") == link["type"]
    shown_props = dict(zip(ui.page.locator("table.props th").all_inner_texts(),
                           ui.page.locator("table.props td").all_inner_texts(), strict=True))
    assert shown_props.keys() == link["properties"].keys()

    # The details panel of the first company: suspected relations with their evidence.
    ui.click_node(a)
    ui.page.wait_for_selector("#suspected[aria-busy=false]")
    relations = demo.api(SUSPECTED, u=first)["suspectedRelations"]
    related = next(r for r in relations if r["enterprise"]["uscc"] == second)
    entry = ui.page.locator(f"#suspected li.suspect[data-uscc='{second}']")
    assert entry.locator(".suspect-reasons li").all_inner_texts() == related["reasons"]
    entry.locator("button.show-evidence").click()
    evidence = ({n["id"] for n in related["evidence"]["nodes"]}
                | {e["id"] for e in related["evidence"]["edges"]})
    assert set(ui.cy("cy => cy.$('.highlight').map(e => e.id())")) == evidence
    assert {a, b, person} <= evidence
    ui.page.wait_for_selector("#legal-basis[aria-busy=false]")
    items = demo.api(ITEMS, u=first)["enterprise"]["applicableItems"]
    assert ui.page.locator("#legal-basis li.item").count() == len(items["edges"])
    ui.shot("explorer-05-evidence")

    # Export: a PNG of the graph and the JSON of what is on the canvas.
    png = ui.download("#export-png", "explorer-export.png").read_bytes()
    width, height = png_size(png)
    assert width > 100
    assert height > 100
    doc = json.loads(ui.download("#export-json", "explorer-export.json").read_text("utf-8"))
    assert {n["id"] for n in doc["nodes"]} == ui.node_ids()
    assert {e["id"] for e in doc["edges"]} == ui.edge_ids()
    assert {a, b, person} <= {n["id"] for n in doc["nodes"]}
    assert doc["path"] is not None
    assert doc["path"] == paths[0]
    assert ui.console.errors == []


def test_a_partner_is_told_the_explorer_is_not_for_their_role(ui: Explorer, demo: Demo) -> None:
    _, usccs = demo.planted()
    region = demo.api("query($u: String!) { enterprise(uscc: $u) { regionCode } }",
                      u=usccs[0])["enterprise"]["regionCode"]
    # A partner agency of the company's province: it may search it, not explore the graph.
    ui.sign_in(demo.live.token_for("partner", region[:2] + "0000"))
    ui.page.wait_for_selector("#workspace:not([hidden])")
    assert usccs[0] in ui.search(usccs[0])
    ui.open_result(usccs[0])
    ui.click_node(ui.node_id_of(usccs[0]))
    ui.page.wait_for_selector("#status[data-kind=error]")
    assert "may not use the explorer" in ui.page.inner_text("#status")
    assert ui.node_ids() == {ui.node_id_of(usccs[0])}
    ui.page.wait_for_selector("#suspected .error")
    assert all("403" in error for error in ui.console.errors), ui.console.errors


NEIGHBOURHOOD = """query($id: ID!, $depth: Int! = 1, $limit: Int! = 200) {
  neighbourhood(id: $id, depth: $depth, nodeLimit: $limit) {
    nodes { id label riskLevel } edges { id type } truncated } }"""
PATHS = """query($f: ID!, $t: ID!) { paths(from: $f, to: $t, maxLength: 4, first: 5) {
  length nodes { id label caption riskLevel properties }
  edges { id type source target properties } } }"""
SUSPECTED = """query($u: String!) { suspectedRelations(uscc: $u, first: 20) {
  enterprise { uscc } reasons evidence { nodes { id } edges { id } } } }"""
ITEMS = """query($u: String!) { enterprise(uscc: $u) { applicableItems(first: 20) {
  edges { node { item { code } } } } } }"""


def caption(ui: Explorer, node_id: str) -> str:
    text: str = ui.cy("(cy, id) => cy.getElementById(id).data('caption')", node_id)
    return text


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (failing when it is not a PNG)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_colours_by_label_and_risk_and_filters_by_type(ui: Explorer, demo: Demo) -> None:
    person_id, usccs = demo.planted()
    a, person = ui.node_id_of(usccs[0]), encode_id("Person", person_id)
    ui.sign_in(demo.investigator)
    ui.page.wait_for_selector("#workspace:not([hidden])")
    ui.search(usccs[0])
    ui.open_result(usccs[0])
    ui.click_node(a)
    ui.page.wait_for_function("id => jointsupExplorer.cy.getElementById(id).nonempty()",
                              arg=person)
    ui.click_node(person)  # the person's other companies join the canvas
    ui.page.wait_for_function("id => jointsupExplorer.cy.getElementById(id).data('expanded')",
                              arg=person)
    expected = {n["id"]: n for n in demo.api(NEIGHBOURHOOD, id=person)["neighbourhood"]["nodes"]}
    nodes = {n["id"]: n for n in ui.cy(NODE_VIEW)}
    assert {ui.node_id_of(u) for u in usccs} <= nodes.keys()
    for node_id, node in expected.items():
        assert nodes[node_id]["risk"] == node["riskLevel"], node_id
    # By label: one colour per label. By risk: one per credit class, one for the unrated.
    assert len(colours_by(nodes, "label")) == len({n["label"] for n in nodes.values()})
    ui.page.select_option("#colour-mode", "risk")
    nodes = {n["id"]: n for n in ui.cy(NODE_VIEW)}
    by_risk = colours_by(nodes, "risk")
    assert len(set(by_risk.values())) == len(by_risk)
    assert {n["risk"] for n in nodes.values() if n["label"] == "Enterprise" and n["risk"]} - {None}
    ui.shot("explorer-06-risk-colours")

    # Filtering LEGAL_REP_OF out hides those links and leaves them out of the next expansion.
    hidden = "LEGAL_REP_OF"
    assert ui.cy(f"cy => cy.edges('[type = \"{hidden}\"]').length") > 0
    ui.page.uncheck(f"#rel-filters input[value='{hidden}']")
    visible = ui.cy("cy => cy.edges().filter(e => e.visible()).map(e => e.data('type'))")
    assert visible
    assert hidden not in visible
    second = ui.node_id_of(usccs[1])
    with ui.page.expect_request(lambda r: r.url.endswith("/graphql")
                                and "Neighbourhood" in (r.post_data or "")) as request:
        ui.click_node(second)
    types = json.loads(request.value.post_data or "{}")["variables"]["types"]
    assert hidden not in types
    assert "SHAREHOLDER_OF" in types
    ui.page.check(f"#rel-filters input[value='{hidden}']")
    assert ui.cy(f"cy => cy.edges('[type = \"{hidden}\"]').every(e => e.visible())")
    ui.wait_idle()
    assert ui.console.errors == []


NODE_VIEW = "cy => cy.nodes().map(n => ({id: n.id(), label: n.data('label'), " \
            "risk: n.data('risk'), colour: n.data('color')}))"


def colours_by(nodes: dict[str, dict[str, Any]], key: str) -> dict[Any, str]:
    """The one colour each value of `key` is drawn in (failing when a value has two)."""
    seen: dict[Any, str] = {}
    for node in nodes.values():
        value = node[key] if node["label"] == "Enterprise" or key == "label" else "not rated"
        assert seen.setdefault(value, node["colour"]) == node["colour"], (key, value)
    return seen


def test_renders_500_nodes_without_errors(ui: Explorer, demo: Demo) -> None:
    uscc, expected = demo.crowded(500)
    ui.sign_in(demo.investigator)
    ui.page.wait_for_selector("#workspace:not([hidden])")
    ui.search(uscc)
    ui.open_result(uscc)
    ui.page.select_option("#expand-depth", "3")
    ui.page.select_option("#expand-limit", "500")
    started = ui.page.evaluate("() => performance.now()")
    ui.page.click("#expand-button")
    ui.page.wait_for_function("() => jointsupExplorer.cy.nodes().length >= 500")
    ui.wait_idle()
    shown_ms = ui.page.evaluate("() => performance.now()") - started
    assert ui.node_ids() == {n["id"] for n in expected["nodes"]}
    assert ui.edge_ids() == {e["id"] for e in expected["edges"]}
    assert ui.page.inner_text("#graph-stats") == f"500 nodes · {len(expected['edges'])} links"
    positions = ui.cy("cy => cy.nodes().map(n => [n.position('x'), n.position('y')])")
    assert all(abs(x) < 1e6 and abs(y) < 1e6 for x, y in positions)
    assert len({(round(x), round(y)) for x, y in positions}) == 500, "nodes drawn on each other"
    ui.shot("explorer-07-500-nodes")
    relayout_ms = ui.page.evaluate("""() => { const t = performance.now();
        document.getElementById('relayout').click(); return performance.now() - t; }""")
    ui.page.evaluate(VIEWPORT_FOR_A_SECOND, "pan")  # warm-up: the first frames cache textures
    pan_fps = ui.page.evaluate(VIEWPORT_FOR_A_SECOND, "pan")
    zoom_fps = ui.page.evaluate(VIEWPORT_FOR_A_SECOND, "zoom")
    ui.shot("explorer-08-500-nodes-relayout")
    assert ui.console.errors == []
    timings = {"nodes": 500, "edges": len(expected["edges"]), "expand_to_drawn_ms": shown_ms,
               "relayout_ms": relayout_ms, "frames_per_second_panning": pan_fps,
               "frames_per_second_zooming": zoom_fps}
    (artifacts_dir() / "explorer-500-nodes.json").write_text(json.dumps(timings, indent=2))


# Pans (or zooms) a little on every animation frame for one second; the frames drawn per second.
VIEWPORT_FOR_A_SECOND = """mode => new Promise(done => {
  const cy = jointsupExplorer.cy; const start = performance.now(); let frames = 0;
  const step = now => {
    frames += 1;
    if (mode === "pan") cy.panBy({x: 3, y: 2});
    else cy.zoom({level: cy.zoom() * 1.003, renderedPosition: {x: 400, y: 300}});
    if (now - start < 1000) requestAnimationFrame(step);
    else done(frames * 1000 / (now - start));
  };
  requestAnimationFrame(step);
})"""
