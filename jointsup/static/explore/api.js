// The GraphQL client: POST /graphql with the bearer token the investigator signed in with.
// The token lives in sessionStorage: it survives a reload but not the closing of the tab.

const TOKEN_KEY = "jointsup.explorer.token";
const listeners = new Set();

/** An error from the server or the network, with the API's stable code. */
export class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Call `fn` whenever the server refuses the token (expired, revoked). */
export function onUnauthenticated(fn) {
  listeners.add(fn);
}

/** Run one GraphQL operation; resolves to `data`, rejects with an ApiError. */
export async function gql(query, variables = {}, token = getToken()) {
  if (!token) throw new ApiError("not signed in", "UNAUTHENTICATED", 401);
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("the server did not answer", "NETWORK", 0);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`the server answered ${response.status} without JSON`, "BAD_RESPONSE",
      response.status);
  }
  const first = body?.errors?.[0];
  if (response.status === 401) {
    listeners.forEach((fn) => fn());
    throw new ApiError(first?.message ?? "invalid or revoked token", "UNAUTHENTICATED", 401);
  }
  if (first) {
    const code = first.extensions?.code ?? "ERROR";
    const id = first.extensions?.requestId;
    throw new ApiError(`${first.message}${id ? ` (request ${id})` : ""}`, code, response.status);
  }
  if (!response.ok || !body?.data) {
    throw new ApiError(`the server answered ${response.status}`, "BAD_RESPONSE", response.status);
  }
  return body.data;
}

/** Label and key of a global id (base64 of `Label:key`, the key in UTF-8). */
export function decodeId(id) {
  try {
    const bytes = Uint8Array.from(atob(id), (c) => c.charCodeAt(0));
    const text = new TextDecoder().decode(bytes);
    const at = text.indexOf(":");
    return at > 0 ? { label: text.slice(0, at), key: text.slice(at + 1) } : null;
  } catch {
    return null; // an opaque id (masked person): nothing to decode
  }
}
