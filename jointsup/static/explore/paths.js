// The path panel (关联路径): its two ends, the search and the paths found.

import { gql } from "./api.js";
import { byId, el, replaceChildren, status } from "./dom.js";
import { PATHS } from "./queries.js";
import { caption, report, state, typesArgument } from "./state.js";
import { addToGraph } from "./view.js";

/** Two nodes selected (Shift-click): the earlier is the start, the later the end. */
export function syncPathFromSelection() {
  if (state.selected.length >= 2) {
    const [from, to] = state.selected.slice(-2);
    state.path = { from, to };
    renderPathEnds();
  }
}

export function setPathEnd(which, id) {
  state.path[which] = id;
  renderPathEnds();
}

export function renderPathEnds() {
  byId("path-from").textContent = state.path.from ? caption(state.path.from) : "—";
  byId("path-to").textContent = state.path.to ? caption(state.path.to) : "—";
  byId("path-find").disabled = !(state.path.from && state.path.to &&
    state.path.from !== state.path.to);
}

export async function findPaths() {
  const { from, to } = state.path;
  status("looking for paths…", "busy");
  try {
    const data = await gql(PATHS, { from, to, maxLength: Number(byId("path-max").value),
      types: typesArgument() });
    state.paths = data.paths;
    state.currentPath = null;
    replaceChildren(byId("path-results"), data.paths.map((path, i) => el("li", {},
      el("button", { type: "button", class: "path", onclick: () => showPath(i) },
        el("span", { class: "path-length", text: `${path.length} hop${path.length === 1 ? "" : "s"}` }),
        " ", describePath(path)))));
    if (data.paths.length) {
      showPath(0);
      status(`${data.paths.length} path${data.paths.length === 1 ? "" : "s"} found`);
    } else {
      state.graph.highlight([]);
      status("no path within that length", "error");
    }
  } catch (error) {
    report(error, "path search failed");
  }
}

/** "A —LEGAL_REP_OF→ B ←… C", following the direction each edge has in the graph. */
function describePath(path) {
  const parts = [path.nodes[0].caption];
  path.edges.forEach((edge, i) => {
    const forward = edge.source === path.nodes[i].id;
    parts.push(forward ? ` —${edge.type}→ ` : ` ←${edge.type}— `, path.nodes[i + 1].caption);
  });
  return parts.join("");
}

/** Put path `index` on the canvas and highlight it. */
function showPath(index) {
  const path = state.paths[index];
  state.currentPath = index;
  addToGraph(path, state.path.from);
  state.graph.highlight([...path.nodes.map((n) => n.id), ...path.edges.map((e) => e.id)]);
  byId("path-results").querySelectorAll("button.path").forEach((b, i) => {
    b.classList.toggle("current", i === index);
  });
}

/** Forget the paths found (and, with `ends`, the two ends). */
export function clearPaths(ends = false) {
  state.paths = [];
  state.currentPath = null;
  replaceChildren(byId("path-results"));
  state.graph?.highlight([]);
  if (ends) {
    state.selected = [];
    state.path = { from: null, to: null };
    renderPathEnds();
  }
}
