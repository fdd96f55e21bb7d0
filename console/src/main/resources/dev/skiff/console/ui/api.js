// The REST API as the console uses it: the same endpoints as the skiff CLI, with the token the
// person gave, kept in this tab's sessionStorage and sent only as an Authorization header.
const KEY = 'skiff.token';

export class ApiError extends Error {
  constructor(status, message, hint) {
    super(message);
    this.status = status;
    this.hint = hint;
  }
}

export function token() {
  return sessionStorage.getItem(KEY);
}

export function remember(t) {
  sessionStorage.setItem(KEY, t.trim());
}

export function forget() {
  sessionStorage.removeItem(KEY);
}

async function call(method, path, body) {
  const headers = { Authorization: 'Bearer ' + token() };
  const init = { method, headers, credentials: 'omit', cache: 'no-store', redirect: 'error' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  let json = null;
  try {
    json = await resp.json();
  } catch (e) {
    json = null;
  }
  if (!resp.ok) {
    const message = json && json.error ? json.error : `${method} ${path}: HTTP ${resp.status}`;
    throw new ApiError(resp.status, message, json && json.hint);
  }
  return json;
}

export const get = (path) => call('GET', path);

/** GET that answers null when the API has no such endpoint (404/405): a feature not here yet. */
export async function optional(path) {
  try {
    return await get(path);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 403)) {
      return null;
    }
    throw e;
  }
}

export function putTraffic(namespace, service, traffic) {
  const path = `/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(service)}/traffic`;
  return call('PUT', path, { traffic });
}
