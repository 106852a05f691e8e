// api.js: the dashboard's one way to the server (docs/WEB-API.md). Every
// answer is JSON with "ok"; a failure keeps the server's error object
// (code, field, message, tries_left, until_ms) and the HTTP status. Every
// POST carries the session's CSRF token; a 401 ESESSION calls the shell's
// handler, which returns to the login page.
let csrf = '';
let expired = null;

export function setCsrf(token) { csrf = token || ''; }
export function onExpired(fn) { expired = fn; }

// Query string of the non-empty parameters.
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    q.set(k, v === true ? '1' : String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

async function call(method, path, body) {
  const opt = { method, headers: {}, credentials: 'same-origin',
    cache: 'no-store' };
  if (method === 'POST') {
    opt.headers['Content-Type'] = 'application/json';
    if (csrf) opt.headers['X-Rounds-CSRF'] = csrf;
    opt.body = JSON.stringify(body || {});
  }
  let res;
  try {
    res = await fetch(path, opt);
  } catch (e) {
    return { ok: false, status: 0, error: { code: 'ENET',
      message: String(e) } };
  }
  let j;
  try {
    j = await res.json();
  } catch (e) {
    j = { ok: false, error: { code: 'EHTTP', message: 'HTTP ' + res.status } };
  }
  if (!j || typeof j !== 'object') j = { ok: false, error: {} };
  j.status = res.status;
  if (!j.ok && !j.error) j.error = { code: 'EHTTP', message: 'HTTP ' +
    res.status };
  if (!j.ok && j.error.code === 'ESESSION' && expired) expired();
  return j;
}

export const get = (path, params) => call('GET', path + qs(params));
export const post = (path, body) => call('POST', path, body);
