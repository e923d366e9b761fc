// The explorer page: sign-in, the canvas's events, search and expansion; the path panel, the view
// controls and the details panel live in their own modules.

import { clearToken, getToken, gql, onUnauthenticated, setToken } from "./api.js";
import { clearDetails, refreshProperties, showDetails, showEdgeDetails } from "./details.js";
import { byId, el, replaceChildren, status } from "./dom.js";
import { GraphView } from "./graph.js";
import { clearPaths, findPaths, renderPathEnds, setPathEnd, syncPathFromSelection } from "./paths.js";
import { NEIGHBOURHOOD, SEARCH, WHOAMI } from "./queries.js";
import { caption, report, state, typesArgument } from "./state.js";
import {
  addToGraph, exportJson, exportPng, loadModel, scheduleRefresh, setColourMode,
} from "./view.js";

const details = () => byId("details");

// ------------------------------------------------------------------ sign-in

async function signIn(token) {
  status("checking the token…", "busy");
  try {
    await gql(WHOAMI, {}, token);
  } catch (error) {
    byId("signin-error").textContent = error.code === "UNAUTHENTICATED"
      ? "This token is not valid (expired or revoked?)." : error.message;
    status("not signed in", "error");
    return;
  }
  setToken(token);
  byId("signin-error").textContent = "";
  byId("token").value = "";
  byId("signin").hidden = true;
  byId("workspace").hidden = false;
  byId("signout").hidden = false;
  if (!state.graph) createGraph();
  status("signed in — search for an enterprise to start");
  byId("search-input").focus();
}

/** Forget the token and everything the last investigator put on screen. */
function signOut(message = "signed out") {
  clearToken();
  clearCanvas();
  replaceChildren(byId("search-results"));
  byId("workspace").hidden = true;
  byId("signout").hidden = true;
  byId("signin").hidden = false;
  status(message);
}

// ------------------------------------------------------------------ the canvas

function createGraph() {
  const graph = new GraphView(byId("cy"));
  state.graph = graph;
  // A read-only handle for the browser tests and the console.
  window.jointsupExplorer = { cy: graph.cy, state };
  graph.cy.on("tap", "node", (event) => {
    const node = event.target;
    const mod = event.originalEvent;
    const additive = mod?.shiftKey || mod?.ctrlKey || mod?.metaKey;
    showDetails(details(), node.data(), detailActions);
    if (!additive && !node.data("expanded")) expand(node.id(), 1, 200);
  });
  graph.cy.on("tap", "edge", (event) => {
    const edge = event.target.data();
    showEdgeDetails(details(), edge, caption(edge.source), caption(edge.target), (id) => {
      graph.focus(id);
      showDetails(details(), graph.cy.getElementById(id).data(), detailActions);
    });
  });
  graph.cy.on("select", "node", (event) => {
    const id = event.target.id();
    state.selected = [...state.selected.filter((s) => s !== id), id];
    syncPathFromSelection();
  });
  graph.cy.on("unselect", "node", (event) => {
    state.selected = state.selected.filter((s) => s !== event.target.id());
  });
  graph.cy.on("add remove", scheduleRefresh);
}

function clearCanvas() {
  state.graph?.clear();
  clearPaths(true);
  clearDetails(details());
}

/** Fetch the neighbourhood of `id` and add it around the node. */
async function expand(id, depth, limit) {
  status("expanding…", "busy");
  try {
    const data = await gql(NEIGHBOURHOOD, { id, depth, limit, types: typesArgument() });
    const sub = data.neighbourhood;
    const added = addToGraph(sub, id);
    const node = state.graph.cy.getElementById(id);
    node.data("expanded", true);
    refreshProperties(details(), node.data()); // the server's properties, not the search hit's
    if (added.nodes.length > 30) state.graph.fit(); // a big expansion: show all of it
    status(`added ${added.nodes.length} nodes and ${added.edges.length} links` +
      (sub.truncated ? ` — stopped at the limit of ${limit} nodes` : ""));
  } catch (error) {
    report(error, "could not expand");
  }
}

// ------------------------------------------------------------------ search

async function search(query) {
  if (!query.trim()) return;
  status("searching…", "busy");
  try {
    const data = await gql(SEARCH, { query: query.trim(), first: 10 });
    const conn = data.searchEnterprises;
    replaceChildren(byId("search-results"), conn.edges.map(({ node, matchedField }) => el("li", {},
      el("button", { type: "button", class: "result", "data-uscc": node.uscc,
        onclick: () => openEnterprise(node) },
        el("span", { class: "result-name", text: node.name }),
        el("span", { class: "hint",
          text: `${node.uscc} · ${node.status ?? ""} · matched ${matchedField}` })))));
    status(conn.totalCount ? `${conn.totalCount} found` : "nothing found");
  } catch (error) {
    report(error, "search failed");
  }
}

/** Put a search hit on the canvas, select it and show its details. */
function openEnterprise(ent) {
  const { cy } = state.graph;
  if (cy.getElementById(ent.id).empty()) {
    addToGraph({ nodes: [{
      id: ent.id, label: "Enterprise", caption: ent.name, riskLevel: ent.creditClass,
      properties: { uscc: ent.uscc, name: ent.name, status: ent.status, address: ent.address,
        legal_representative: ent.legalRepresentative },
    }], edges: [] });
  }
  state.graph.focus(ent.id);
  showDetails(details(), cy.getElementById(ent.id).data(), detailActions);
  status("click the node on the canvas to expand it");
}

// What the details panel's buttons do.
const detailActions = {
  expand,
  pathEnd: setPathEnd,
  showEvidence(relation, centreId) {
    const sub = relation.evidence;
    addToGraph(sub, centreId);
    state.graph.highlight([...sub.nodes.map((n) => n.id), ...sub.edges.map((e) => e.id)]);
    status(`evidence for ${relation.enterprise.name}: ${relation.reasons.join("; ")}`);
  },
};

// ------------------------------------------------------------------ wiring

function wire() {
  const on = (id, event, fn) => byId(id).addEventListener(event, fn);
  on("signin-form", "submit", (ev) => {
    ev.preventDefault();
    const token = byId("token").value.trim();
    if (token) signIn(token);
  });
  on("signout", "click", () => signOut());
  on("search-form", "submit", (ev) => {
    ev.preventDefault();
    search(byId("search-input").value);
  });
  on("path-find", "click", findPaths);
  on("path-clear", "click", () => clearPaths());
  on("colour-mode", "change", (ev) => setColourMode(ev.target.value));
  on("relayout", "click", () => state.graph.relayout());
  on("fit", "click", () => state.graph.fit());
  on("clear", "click", clearCanvas);
  on("export-png", "click", exportPng);
  on("export-json", "click", exportJson);
  onUnauthenticated(() => signOut("the server refused the token: sign in again"));
}

async function main() {
  wire();
  clearDetails(details());
  renderPathEnds();
  await loadModel();
  // A link may carry the token as #token=…: fragments never reach the server or its logs.
  const fromFragment = new URLSearchParams(window.location.hash.slice(1)).get("token");
  if (fromFragment) history.replaceState(null, "", window.location.pathname);
  const token = fromFragment || getToken();
  if (token) await signIn(token);
  else status("sign in with an API token");
  document.body.dataset.ready = "true";
}

main();
