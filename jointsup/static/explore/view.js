// The view controls: adding to the canvas, counts, the legend, relationship-type filters and the
// PNG and JSON exports.

import { byId, download, el, replaceChildren, status } from "./dom.js";
import { state } from "./state.js";
import { legend } from "./style.js";

/** Add a subgraph to the canvas around `anchorId`; what was new. */
export function addToGraph(subgraph, anchorId = null) {
  return state.graph.addSubgraph(subgraph, anchorId);
}

let refreshPending = false;
/** Counts, legend and filters, refreshed once per frame however many elements changed. */
export function scheduleRefresh() {
  if (refreshPending) return;
  refreshPending = true;
  requestAnimationFrame(() => {
    refreshPending = false;
    const { nodes, edges } = state.graph.counts();
    byId("graph-stats").textContent = `${nodes} nodes · ${edges} links`;
    renderLegend();
    renderFilters();
  });
}

/** The relationship types of the model (served by /explore/model.json). */
export async function loadModel() {
  try {
    const response = await fetch("/explore/model.json");
    state.relTypes = (await response.json()).relationshipTypes;
  } catch {
    state.relTypes = []; // the filters stay empty; everything else works
  }
}

/** One checkbox per relationship type, those on the canvas first, with their counts. */
function renderFilters() {
  const counts = state.graph.typeCounts();
  const types = [...state.relTypes].sort((a, b) =>
    (counts.get(b.type) ?? 0) - (counts.get(a.type) ?? 0) || a.type.localeCompare(b.type));
  replaceChildren(byId("rel-filters"), types.map((t) => el("label", {
    class: counts.get(t.type) ? "present" : "absent", title: t.doc },
    el("input", { type: "checkbox", value: t.type, checked: !state.hidden.has(t.type),
      onchange: (ev) => toggleType(t.type, ev.target.checked) }),
    ` ${t.type}`, el("span", { class: "count", text: counts.get(t.type) ?? "" }))));
}

function toggleType(type, shown) {
  if (shown) state.hidden.delete(type);
  else state.hidden.add(type);
  state.graph.setHiddenTypes(state.hidden);
}

export function setColourMode(mode) {
  state.graph.setColourMode(mode);
  renderLegend();
}

function renderLegend() {
  const mode = state.graph.colourMode;
  replaceChildren(byId("legend"), legend(mode, state.graph.labels()).map(({ name, colour }) =>
    el("li", { title: name }, el("span", { class: "swatch", "data-colour": colour }), ` ${name}`)));
  // Colours come from our own palette, set through the CSSOM (which the CSP allows).
  byId("legend").querySelectorAll(".swatch").forEach((s) => {
    s.style.backgroundColor = s.dataset.colour;
  });
}

function stamp() {
  return new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
}

export function exportPng() {
  download(state.graph.png(), `jointsup-graph-${stamp()}.png`);
  status("PNG exported");
}

/** The canvas as JSON: ids are the API's global ids, so the file can be looked up again. */
export function exportJson() {
  const doc = {
    format: "jointsup-explorer-graph/1",
    exportedAt: new Date().toISOString(),
    colourMode: state.graph.colourMode,
    hiddenRelationshipTypes: [...state.hidden].sort(),
    path: state.paths[state.currentPath] ?? null,
    ...state.graph.toJSON(),
  };
  download(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }),
    `jointsup-graph-${stamp()}.json`);
  status("JSON exported");
}
