// Colours, shapes and the cytoscape stylesheet. Colours live in each node's data (`color`), so
// switching between "by label" and "by risk" is one batched data update, not a restyle.

export const LABEL_COLOURS = {
  Enterprise: "#1565c0", Person: "#8e24aa", Address: "#00897b", Phone: "#6d4c41",
  Region: "#546e7a", Industry: "#7cb342", Department: "#3949ab", Clue: "#d81b60",
  Inspection: "#f4511e", ListEntry: "#b71c1c", CreditRating: "#f9a825", RiskAlert: "#e53935",
  SupervisionItem: "#00acc1", Article: "#5d4037", Law: "#455a64", Officer: "#78909c",
  Category: "#afb42b", Mention: "#9e9e9e", CheckImplementation: "#26a69a",
};
const OTHER_LABEL = "#90a4ae";

// Credit classes A (low risk) … D (high risk), as riskLevel reports them.
export const RISK_COLOURS = { A: "#2e7d32", B: "#f9a825", C: "#ef6c00", D: "#c62828" };
const RISK_UNKNOWN = "#9e9e9e";
const NOT_RATED = "#dde3e6";

const SHAPES = {
  Enterprise: "round-rectangle", Person: "ellipse", Address: "diamond", Phone: "triangle",
  Region: "hexagon", Industry: "hexagon", Department: "barrel", Clue: "tag",
};

/** The colour of a node (its data) under `mode` ("label" or "risk"). */
export function colourOf(data, mode) {
  if (mode === "risk") {
    if (data.label !== "Enterprise") return NOT_RATED;
    return RISK_COLOURS[data.risk] ?? RISK_UNKNOWN;
  }
  return LABEL_COLOURS[data.label] ?? OTHER_LABEL;
}

export function shapeOf(label) {
  return SHAPES[label] ?? "ellipse";
}

/** Legend entries [{name, colour}] for `mode`, limited to the labels on the canvas. */
export function legend(mode, labels) {
  if (mode === "risk") {
    return [
      ...Object.entries(RISK_COLOURS).map(([cls, colour]) => ({ name: `credit class ${cls}`, colour })),
      { name: "enterprise, class unknown", colour: RISK_UNKNOWN },
      { name: "not an enterprise", colour: NOT_RATED },
    ];
  }
  return [...labels].sort().map((name) => ({ name, colour: LABEL_COLOURS[name] ?? OTHER_LABEL }));
}

/**
 * The cytoscape stylesheet; labels disappear when zoomed out. A `large` graph (hundreds of nodes)
 * is drawn more cheaply — straight edges without arrows, no node borders — except what is
 * selected or highlighted, which keeps its arrows.
 */
export function stylesheet(large = false) {
  const cheapNodes = large ? [
    { selector: "node", style: { "border-width": 0, "min-zoomed-font-size": 9 } },
  ] : [];
  const cheapEdges = large ? [
    { selector: "edge", style: {
      "curve-style": "haystack", "haystack-radius": 0, "target-arrow-shape": "none",
    } },
  ] : [];
  return [
    { selector: "node", style: {
      "background-color": "data(color)", shape: "data(shape)", width: 26, height: 26,
      label: "data(short)", "font-size": 10, color: "#263238", "text-valign": "bottom",
      "text-margin-y": 3, // captions arrive cut to 18 characters: no costly text-wrap here
      "min-zoomed-font-size": 7, "border-width": 1, "border-color": "#ffffff",
    } },
    { selector: "node[label = 'Enterprise']", style: { width: 34, height: 24 } },
    ...cheapNodes,
    { selector: "node[?expanded]", style: { "border-width": 3, "border-color": "#37474f" } },
    { selector: "node:selected", style: {
      "border-width": 4, "border-color": "#ff6f00", "overlay-opacity": 0, "z-index": 10,
    } },
    { selector: "edge", style: {
      width: 1.5, "line-color": "#b0bec5", "target-arrow-color": "#b0bec5",
      "target-arrow-shape": "triangle", "arrow-scale": 0.8, "curve-style": "bezier",
      "font-size": 8, color: "#546e7a", "min-zoomed-font-size": 9,
    } },
    ...cheapEdges,
    { selector: "edge:selected, edge.highlight", style: {
      label: "data(type)", "text-rotation": "autorotate", "text-background-color": "#ffffff",
      "text-background-opacity": 0.8,
    } },
    { selector: ".filtered", style: { display: "none" } },
    { selector: ".faded", style: { opacity: 0.18 } },
    { selector: "node.highlight", style: {
      "border-width": 4, "border-color": "#d50000", "z-index": 20,
    } },
    { selector: "edge.highlight", style: {
      width: 3.5, "line-color": "#d50000", "target-arrow-color": "#d50000", "z-index": 20,
      "curve-style": "bezier", "target-arrow-shape": "triangle",
    } },
  ];
}
