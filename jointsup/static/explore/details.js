// The details panel: a node's properties and, for an enterprise, the legal basis (法律依据) of the
// items that apply to it and its suspected relations (疑似关联) with their evidence.

import { decodeId, gql } from "./api.js";
import { el, replaceChildren } from "./dom.js";
import { ENTERPRISE, SUSPECTED } from "./queries.js";

let shown = null; // the node whose details are on screen (late answers for others are dropped)

/**
 * Show `node` (cytoscape node data) in `panel`. `actions`: expand(id, depth, limit),
 * pathEnd("from"|"to", id), showEvidence(relation, centreId), focus(id).
 */
export function showDetails(panel, node, actions) {
  shown = node.id;
  const depth = el("select", { id: "expand-depth", "aria-label": "expansion depth" },
    [1, 2, 3].map((d) => el("option", { value: d, text: `depth ${d}` })));
  const limit = el("select", { id: "expand-limit", "aria-label": "node limit" },
    [100, 200, 500].map((n) => el("option", { value: n, text: `≤ ${n} nodes`, selected: n === 200 })));
  replaceChildren(panel,
    el("h2", { id: "details-title", text: node.caption }),
    el("p", { class: "badges" },
      el("span", { class: "badge", "data-label": node.label, text: node.label }),
      node.risk ? el("span", { class: `badge risk risk-${node.risk}`, text: `risk ${node.risk}` }) : null),
    el("div", { class: "actions" },
      el("button", { id: "expand-button", type: "button", text: "Expand",
        onclick: () => actions.expand(node.id, Number(depth.value), Number(limit.value)) }),
      depth, limit),
    el("div", { class: "actions" },
      el("button", { id: "path-from-here", type: "button", text: "Path from here",
        onclick: () => actions.pathEnd("from", node.id) }),
      el("button", { id: "path-to-here", type: "button", text: "Path to here",
        onclick: () => actions.pathEnd("to", node.id) })),
    el("h3", { text: "Properties" }),
    propertyTable(node.properties),
  );
  if (node.label === "Enterprise") {
    const uscc = node.properties?.uscc ?? decodeId(node.id)?.key;
    if (uscc) enterpriseSections(panel, node.id, uscc, actions);
  }
}

/** Replace the properties table of `node` if its details are on screen. */
export function refreshProperties(panel, node) {
  if (shown !== node.id) return;
  panel.querySelector("table.props, p.no-props")?.replaceWith(propertyTable(node.properties));
}

/** Show a relationship: its type, its two ends and its properties (share ratio, span …). */
export function showEdgeDetails(panel, edge, sourceCaption, targetCaption, focus) {
  shown = edge.id;
  replaceChildren(panel,
    el("h2", { id: "details-title", text: edge.type }),
    el("p", { class: "badges" }, el("span", { class: "badge", text: "relationship" })),
    el("p", {},
      el("a", { href: "#", text: sourceCaption,
        onclick: (ev) => { ev.preventDefault(); focus(edge.source); } }),
      ` —${edge.type}→ `,
      el("a", { href: "#", text: targetCaption,
        onclick: (ev) => { ev.preventDefault(); focus(edge.target); } })),
    el("h3", { text: "Properties" }),
    propertyTable(edge.properties));
}

export function clearDetails(panel) {
  shown = null;
  replaceChildren(panel, el("p", { class: "hint",
    text: "Click a node to see its details; click it on the canvas to expand it." }));
}

function propertyTable(props) {
  const rows = Object.entries(props ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (!rows.length) return el("p", { class: "hint no-props", text: "no properties" });
  return el("table", { class: "props" }, el("tbody", {}, rows.map(([key, value]) => el("tr", {},
    el("th", { scope: "row", text: key }),
    el("td", { text: typeof value === "string" ? value : JSON.stringify(value) })))));
}

/** Two sections loaded separately, so one failing does not hide the other. */
function enterpriseSections(panel, id, uscc, actions) {
  const suspects = el("section", { id: "suspected", "aria-busy": "true" },
    el("h3", { text: "Suspected relations 疑似关联" }), el("p", { class: "hint", text: "loading…" }));
  const items = el("section", { id: "legal-basis", "aria-busy": "true" },
    el("h3", { text: "Applicable items and legal basis 法律依据" }),
    el("p", { class: "hint", text: "loading…" }));
  panel.append(suspects, items);
  load(suspects, id, () => gql(SUSPECTED, { uscc }),
    (data) => renderSuspects(suspects, data.suspectedRelations, id, actions));
  load(items, id, () => gql(ENTERPRISE, { uscc }), (data) => renderItems(items, data.enterprise));
}

async function load(section, id, fetchData, render) {
  try {
    const data = await fetchData();
    if (shown === id) render(data);
  } catch (error) {
    if (shown === id) {
      section.querySelector(".hint")?.remove();
      section.append(el("p", { class: "error", role: "alert", text: error.message }));
    }
  } finally {
    section.setAttribute("aria-busy", "false");
  }
}

function renderSuspects(section, relations, centreId, actions) {
  section.querySelector(".hint")?.remove();
  if (!relations.length) {
    section.append(el("p", { class: "hint", text: "none found" }));
    return;
  }
  section.append(el("ol", { class: "suspects" }, relations.map((rel) => el("li", {
    class: "suspect", "data-uscc": rel.enterprise.uscc },
    el("div", { class: "suspect-head" },
      el("a", { href: "#", class: "suspect-name", text: rel.enterprise.name,
        onclick: (ev) => { ev.preventDefault(); actions.showEvidence(rel, centreId); } }),
      el("span", { class: "suspect-score", title: "score",
        text: `${Math.round(rel.score * 100)}%` })),
    el("ul", { class: "suspect-reasons" }, rel.reasons.map((r) => el("li", { text: r }))),
    el("button", { type: "button", class: "show-evidence",
      text: `Show evidence (${rel.evidence.nodes.length} nodes, ${rel.evidence.edges.length} links)`,
      onclick: () => actions.showEvidence(rel, centreId) }),
  ))));
}

function renderItems(section, enterprise) {
  section.querySelector(".hint")?.remove();
  const conn = enterprise?.applicableItems;
  if (!conn?.edges.length) {
    section.append(el("p", { class: "hint", text: "no applicable items" }));
    return;
  }
  section.append(
    el("p", { class: "hint", text: `${conn.totalCount ?? conn.edges.length} items apply` +
      (conn.edges.length < (conn.totalCount ?? 0) ? ` (first ${conn.edges.length} shown)` : "") }),
    el("ul", { class: "items" }, conn.edges.map(({ node }) => el("li", { class: "item" },
      el("div", { class: "item-name", text: `${node.item.name} (${node.item.code})` }),
      el("div", { class: "hint", text: `${node.item.departmentSystem ?? ""} · via industry ${node.viaIndustry}` }),
      el("ul", { class: "basis" }, node.item.legalBasis.edges.map(({ node: art }) => el("li", {},
        el("details", {},
          el("summary", { text: `《${art.lawTitle}》(${art.lawVersion}) 第${art.number}条` }),
          el("p", { class: "article-text", text: art.text })))))))));
}
