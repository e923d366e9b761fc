// What the page knows between events, shared by its modules, and the small helpers over it.

import { ApiError } from "./api.js";
import { status } from "./dom.js";

export const state = {
  graph: null, // the GraphView, made at the first sign-in
  relTypes: [], // [{type, doc}] from /explore/model.json
  hidden: new Set(), // relationship types filtered out
  selected: [], // node ids in the order they were selected
  path: { from: null, to: null },
  paths: [], // the last paths found
  currentPath: null, // index of the path on show
};

/** The relationship types to ask for: null (all) unless some are filtered out. */
export function typesArgument() {
  if (!state.hidden.size) return null;
  return state.relTypes.map((t) => t.type).filter((t) => !state.hidden.has(t));
}

/** The caption of a node on the canvas ("—" when it is not there). */
export function caption(id) {
  const node = state.graph?.cy.getElementById(id);
  return node?.nonempty() ? node.data("caption") : "—";
}

/** Say in the status line that `what` failed, and why, in the investigator's terms. */
export function report(error, what) {
  if (error instanceof ApiError && error.code === "FORBIDDEN") {
    status(`${what}: your role may not use the explorer (${error.message})`, "error");
  } else {
    status(`${what}: ${error.message}`, "error");
  }
}
