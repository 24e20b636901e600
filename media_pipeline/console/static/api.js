// HTTP client of the console: bearer token in sessionStorage, errors as {code, message, details}.
const TOKEN_KEY = "mp.token";
const USER_KEY = "mp.user";
const EXPIRES_KEY = "mp.expires";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || "HTTP_ERROR";
    this.details = body?.details || {};
  }
  // Field-level errors of a VALIDATION_ERROR: [{field, message}].
  get fieldErrors() { return Array.isArray(this.details.errors) ? this.details.errors : []; }
}

let onExpired = () => {};
export function setExpiredHandler(handler) { onExpired = handler; }

export function session() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const expires = Number(sessionStorage.getItem(EXPIRES_KEY) || 0);
  if (!token || (expires && Date.now() >= expires)) return null;
  return { token, user: JSON.parse(sessionStorage.getItem(USER_KEY) || "{}") };
}

export function signOut() {
  for (const key of [TOKEN_KEY, USER_KEY, EXPIRES_KEY]) sessionStorage.removeItem(key);
}

// The sign-out button: the server revokes the token (POST /api/auth/logout), then it is forgotten here.
export async function revokeAndSignOut() {
  if (session()) {
    try { await send("POST", "/api/auth/logout", undefined, {}); } catch { /* offline: forget it anyway */ }
  }
  signOut();
}

export async function signIn(username, password) {
  const body = await request("POST", "/api/auth/login", { username, password }, { anonymous: true });
  sessionStorage.setItem(TOKEN_KEY, body.accessToken);
  sessionStorage.setItem(USER_KEY, JSON.stringify(body.user));
  sessionStorage.setItem(EXPIRES_KEY, String(new Date(body.expiresAt).getTime()));
  return body.user;
}

async function send(method, path, body, options) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (!options.anonymous) {
    const current = session();
    if (!current) { onExpired(); throw new ApiError(401, { code: "UNAUTHORIZED", message: "signed out" }); }
    headers.Authorization = `Bearer ${current.token}`;
  }
  const form = body instanceof FormData;  // multipart: the browser sets the type with its boundary
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined || form ? body : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { code: "NETWORK", message: "network error" });
  }
  if (response.status === 401 && !options.anonymous) { signOut(); onExpired(); }
  return response;
}

export async function request(method, path, body, options = {}) {
  const response = await send(method, path, body, options);
  const text = response.status === 204 ? "" : await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: text }; }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A protected file as an object URL (media elements cannot send the Authorization header); ``method`` and
// ``body`` for a file made on request (e.g. a brand kit preview).
export async function blobUrl(path, { method = "GET", body } = {}) {
  const response = await send(method, path, body, { headers: { Accept: "*/*" } });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return URL.createObjectURL(await response.blob());
}

export const api = {
  get: (path) => request("GET", path),
  post: (path, body) => request("POST", path, body ?? {}),
  patch: (path, body) => request("PATCH", path, body),
  put: (path, body) => request("PUT", path, body),
  upload: (path, form) => request("POST", path, form),
  del: (path, body) => request("DELETE", path, body),
};

export function wsUrl(path) {
  const current = session();
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}?access_token=${encodeURIComponent(current ? current.token : "")}`;
}
