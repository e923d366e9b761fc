// The graph canvas: a cytoscape instance plus what the explorer does to it — add subgraphs in one
// batch (new nodes placed around a node already on the canvas, so nothing jumps and no global
// layout runs), colour modes, relationship-type filters, highlights and exports.

import { colourOf, shapeOf, stylesheet } from "./style.js";

const RING_GAP = 70; // distance between rings of new nodes around their anchor
const NODE_ROOM = 34; // arc length each placed node needs on a ring
const BAND_GAP = 30; // distance between the interleaved sub-rings of a crowded ring
const FAN = 1.25 * Math.PI; // the arc new nodes fill around a node that already has neighbours
const LARGE = 250; // above this many nodes, re-layout radially rather than with cose
const CHEAP_STYLE = 300; // above this many nodes, the cheaper stylesheet

export class GraphView {
  constructor(container) {
    // `cytoscape` is the global of the vendored UMD build that index.html loads first.
    this.cy = window.cytoscape({
      container, style: stylesheet(), minZoom: 0.05, maxZoom: 4,
      boxSelectionEnabled: false, textureOnViewport: false, motionBlur: false,
    });
    this.colourMode = "label";
    this.hiddenTypes = new Set();
    this.large = false;
  }

  /** Switch stylesheets when the graph crosses the size where drawing cost starts to show. */
  restyle() {
    const large = this.cy.nodes().length > CHEAP_STYLE;
    if (large !== this.large) {
      this.large = large;
      this.cy.style(stylesheet(large));
    }
  }

  /** Node data for cytoscape from a GraphNode of the API. */
  nodeData(n) {
    const data = {
      id: n.id, label: n.label, caption: n.caption ?? n.id, risk: n.riskLevel ?? null,
      properties: n.properties ?? {}, shape: shapeOf(n.label),
      short: truncate(n.caption ?? n.label, 18),
    };
    data.color = colourOf(data, this.colourMode);
    return data;
  }

  /** Add (or refresh) the nodes and edges of a subgraph, in one batch; returns what was new. */
  addSubgraph(sub, anchorId = null) {
    const cy = this.cy;
    const fresh = [];
    const newEdges = [];
    const seen = new Set(); // a subgraph may list an element twice
    cy.batch(() => {
      const nodes = [];
      for (const n of sub.nodes ?? []) {
        const existing = cy.getElementById(n.id);
        if (existing.nonempty()) {
          const { id, ...data } = this.nodeData(n);
          existing.data(data); // the server's view replaces what a search hit gave us
        } else if (!seen.has(n.id)) {
          seen.add(n.id);
          fresh.push(n.id);
          nodes.push({ group: "nodes", data: this.nodeData(n), position: { x: 0, y: 0 } });
        }
      }
      cy.add(nodes); // one call: cytoscape indexes and styles the lot once
      const edges = [];
      for (const e of sub.edges ?? []) {
        if (cy.getElementById(e.id).nonempty() || seen.has(e.id)) continue;
        if (cy.getElementById(e.source).empty() || cy.getElementById(e.target).empty()) continue;
        seen.add(e.id);
        newEdges.push(e.id);
        edges.push({ group: "edges", classes: this.hiddenTypes.has(e.type) ? "filtered" : "",
          data: { id: e.id, source: e.source, target: e.target, type: e.type,
            properties: e.properties ?? {} } });
      }
      cy.add(edges);
      this.place(fresh, anchorId);
    });
    this.restyle();
    return { nodes: fresh, edges: newEdges };
  }

  /**
   * Positions for new nodes, a radial tree around the node they hang off: breadth-first from the
   * nodes already drawn (the anchor first), ring k holding the nodes k hops out, each ring ordered
   * by the angle of the node's parent so that a node's children sit next to each other. One pass,
   * no force simulation: 500 nodes are placed in a few milliseconds and nothing already drawn moves.
   */
  place(ids, anchorId) {
    const cy = this.cy;
    const pending = new Set(ids);
    while (pending.size) {
      const trees = this.grow(pending, anchorId);
      if (!trees.size) { // nothing pending touches the drawing: its best-connected node starts
        const seed = [...pending].map((id) => cy.getElementById(id))
          .reduce((best, n) => (n.degree() > best.degree() ? n : best));
        seed.position(this.freeSpot(pending));
        pending.delete(seed.id());
        continue;
      }
      for (const [root, tree] of trees) this.radial(root, tree);
    }
  }

  /** Breadth-first layers of pending nodes under each drawn root: root -> {rings, parent}. */
  grow(pending, anchorId) {
    const cy = this.cy;
    const trees = new Map();
    let frontier = [];
    for (const id of pending) {
      const drawn = cy.getElementById(id).neighborhood("node").filter((n) => !pending.has(n.id()));
      if (drawn.empty()) continue;
      const root = drawn.some((n) => n.id() === anchorId) ? anchorId : drawn[0].id();
      frontier.push([id, root, root]);
    }
    while (frontier.length) {
      const next = [];
      for (const [id, root, parent] of frontier) {
        if (!pending.has(id)) continue; // reached twice in one layer
        pending.delete(id);
        if (!trees.has(root)) trees.set(root, { rings: [], parent: new Map(), depth: new Map() });
        const tree = trees.get(root);
        const depth = parent === root ? 0 : tree.depth.get(parent) + 1;
        tree.depth.set(id, depth);
        tree.parent.set(id, parent);
        (tree.rings[depth] ??= []).push(id);
        cy.getElementById(id).neighborhood("node").forEach((n) => {
          if (pending.has(n.id())) next.push([n.id(), root, id]);
        });
      }
      frontier = next;
    }
    return trees;
  }

  /**
   * Place a tree's rings around its root, each node near its parent's angle. A root that already
   * has drawn neighbours gets a fan facing away from them instead of a full circle, so a second
   * expansion does not land on the first. A ring too crowded for its arc becomes a band of
   * interleaved sub-rings, so 450 nodes stay within a few hundred pixels.
   */
  radial(rootId, tree) {
    const cy = this.cy;
    const root = cy.getElementById(rootId);
    const c = root.position();
    const before = root.neighborhood("node").filter((n) => !tree.depth.has(n.id()));
    let span = 2 * Math.PI;
    let base = 0;
    if (before.nonempty()) {
      const from = before.boundingBox({ includeLabels: false, includeEdges: false });
      const away = Math.atan2(c.y - (from.y1 + from.y2) / 2, c.x - (from.x1 + from.x2) / 2);
      span = FAN;
      base = away - FAN / 2;
    }
    const angle = new Map([[rootId, base]]);
    let outer = 30;
    tree.rings.forEach((ring, k) => {
      const radius = outer + RING_GAP;
      const bands = Math.max(1, Math.ceil((ring.length * NODE_ROOM) / (span * radius)));
      const order = k === 0 ? ring : [...ring].sort((a, b) =>
        angle.get(tree.parent.get(a)) - angle.get(tree.parent.get(b)));
      order.forEach((id, i) => {
        const theta = base + (span * (i + 0.5)) / order.length;
        const r = radius + (i % bands) * BAND_GAP;
        angle.set(id, theta);
        cy.getElementById(id).position({ x: c.x + r * Math.cos(theta), y: c.y + r * Math.sin(theta) });
      });
      outer = radius + (bands - 1) * BAND_GAP;
    });
  }

  /** Somewhere free for an unconnected group: right of what is drawn (the origin if nothing). */
  freeSpot(unplaced) {
    const drawn = this.cy.nodes().filter((n) => !unplaced.has(n.id()));
    if (drawn.empty()) return { x: 0, y: 0 };
    const box = drawn.boundingBox();
    return { x: box.x2 + 200, y: (box.y1 + box.y2) / 2 };
  }

  /**
   * Lay the whole graph out again: force-directed (cose) when small; when large, the radial tree
   * around the selected node (else the best-connected one), which costs next to nothing.
   */
  relayout() {
    const cy = this.cy;
    const n = cy.nodes().length;
    if (!n) return;
    if (n <= LARGE) {
      cy.layout({ name: "cose", animate: false, randomize: false, numIter: 600, fit: true,
        padding: 30, nodeRepulsion: () => 8000 }).run();
      return;
    }
    const root = cy.$("node:selected").first().nonempty() ? cy.$("node:selected").first()
      : cy.nodes().max((node) => node.degree()).ele;
    cy.batch(() => {
      root.position({ x: 0, y: 0 });
      this.place(cy.nodes().not(root).map((node) => node.id()), root.id());
    });
    this.fit();
  }

  setColourMode(mode) {
    this.colourMode = mode;
    this.cy.batch(() => this.cy.nodes().forEach((n) => n.data("color", colourOf(n.data(), mode))));
  }

  /** Hide edges of the types in `hidden` (a Set). */
  setHiddenTypes(hidden) {
    this.hiddenTypes = new Set(hidden);
    this.cy.batch(() => this.cy.edges().forEach((e) => {
      e.toggleClass("filtered", this.hiddenTypes.has(e.data("type")));
    }));
  }

  /** Emphasise these element ids and fade everything else; none clears. */
  highlight(ids = []) {
    const cy = this.cy;
    cy.batch(() => {
      cy.elements().removeClass("highlight faded");
      if (!ids.length) return;
      const keep = cy.collection(ids.map((id) => cy.getElementById(id)).filter((e) => e.nonempty()));
      cy.elements().not(keep).addClass("faded");
      keep.addClass("highlight");
    });
    if (ids.length) this.fit(this.cy.$("node.highlight"), 60);
  }

  focus(id) {
    const node = this.cy.getElementById(id);
    if (node.empty()) return;
    this.cy.$(":selected").unselect();
    node.select();
    this.cy.center(node);
  }

  /**
   * Zoom and pan so that `eles` (default: everything) fill the view. Unlike cy.fit(), leaves the
   * labels out of the bounding box: measuring 500 labels would cost more than drawing them.
   */
  fit(eles = this.cy.nodes(), padding = 30) {
    const cy = this.cy;
    if (eles.empty()) return;
    const box = eles.boundingBox({ includeLabels: false, includeOverlays: false,
      includeEdges: false });
    const w = cy.width() - 2 * padding;
    const h = cy.height() - 2 * padding;
    const zoom = Math.min(1.5, cy.maxZoom(), Math.max(cy.minZoom(),
      Math.min(w / Math.max(box.w, 1), h / Math.max(box.h, 1))));
    cy.viewport({ zoom, pan: {
      x: cy.width() / 2 - (zoom * (box.x1 + box.x2)) / 2,
      y: cy.height() / 2 - (zoom * (box.y1 + box.y2)) / 2,
    } });
  }

  clear() {
    this.cy.elements().remove();
    this.restyle();
  }

  counts() {
    return { nodes: this.cy.nodes().length, edges: this.cy.edges().length };
  }

  labels() {
    return new Set(this.cy.nodes().map((n) => n.data("label")));
  }

  /** Edge counts by relationship type. */
  typeCounts() {
    const counts = new Map();
    this.cy.edges().forEach((e) => counts.set(e.data("type"), (counts.get(e.data("type")) ?? 0) + 1));
    return counts;
  }

  /** The canvas as a PNG blob (the whole graph, white background). */
  png() {
    return this.cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff",
      maxWidth: 6000, maxHeight: 6000 });
  }

  /** The graph as plain data (what the JSON export writes). */
  toJSON() {
    return {
      nodes: this.cy.nodes().map((n) => ({
        id: n.id(), label: n.data("label"), caption: n.data("caption"),
        riskLevel: n.data("risk"), properties: n.data("properties"),
        position: n.position(),
      })),
      edges: this.cy.edges().map((e) => ({
        id: e.id(), type: e.data("type"), source: e.data("source"), target: e.data("target"),
        properties: e.data("properties"),
      })),
    };
  }
}

function truncate(text, n) {
  const s = String(text);
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
