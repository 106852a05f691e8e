// api.js: the JSON API of `rounds app` (docs/APP-API.md). Every rule is the
// C library's: this module only carries requests and answers. Errors come
// back as { ok:false, status, error:{code, field, message, ...} }.
let csrf = '';

// The first session is fetched as index.html's <link rel="preload"> asks
// for it (early: the same request, so the browser hands over the preload),
// so it is made while the modules load; later ones are not cached.
let firstSession = true;
export async function session() {
  const s = firstSession ? await early('/api/session', false)
    : await get('/api/session');
  firstSession = false;
  if (s.ok) csrf = s.csrf;
  return s;
}

function early(path, quiet) {
  return fetch(path, { credentials: 'same-origin' })
    .then((r) => parse(r, quiet), offline);
}

async function parse(r, quiet) {
  let body;
  try {
    body = await r.json();
  } catch (e) {
    body = { ok: false, error: { code: 'EHTTP', message: String(r.status) } };
  }
  if (!r.ok && body.ok !== false) body.ok = false;
  if (!body.ok && !body.error) body.error = { code: 'EHTTP' };
  body.status = r.status;
  // Nobody signed in (the session ended, or another tab signed out): the
  // shell goes back to the sign-in screen.
  if (!quiet && r.status === 401 && body.error.code === 'ESIGNIN')
    window.dispatchEvent(new Event('rounds:signin'));
  return body;
}

function offline(e) {
  return { ok: false, status: 0, error: { code: 'EOFFLINE',
    message: String(e) } };
}

export async function get(path) {
  try {
    return await parse(await fetch(path, { credentials: 'same-origin',
      cache: 'no-store' }));
  } catch (e) {
    return offline(e);
  }
}

// The first Now and staff list, asked for while the shell starts (beside
// the session), as index.html preloads them, so the first screen waits
// for no round trip of its own. The Now and sign-in screens take them
// once (takeNow, takeStaff); the shell drops them after the first screen.
let earlyNow = null, earlyStaff = null;
export function prefetch() {
  earlyNow = early('/api/now', true);
  earlyStaff = early('/api/staff', false);
}
export function takeNow() {
  const p = earlyNow;
  earlyNow = null;
  return p;
}
export function takeStaff() {
  const p = earlyStaff;
  earlyStaff = null;
  return p;
}

export async function post(path, body) {
  try {
    return await parse(await fetch(path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-Rounds-CSRF': csrf },
      body: JSON.stringify(body || {}),
    }));
  } catch (e) {
    return offline(e);
  }
}

// POST /api/record: fields are sent as text values (the library parses
// them by the verb table).
export function record(verb, fields, target) {
  const f = {};
  for (const [k, v] of Object.entries(fields || {})) {
    if (v === undefined || v === null || v === '') continue;
    f[k] = String(v);
  }
  const b = { verb, fields: f };
  if (target) b.target = target;
  return post('/api/record', b);
}

export function records(kind, q) {
  const p = new URLSearchParams({ kind, ...(q || {}) });
  return get('/api/records?' + p.toString());
}

// Staff id -> name, for showing people (the active staff list).
export async function staffNames() {
  const r = await (takeStaff() || get('/api/staff'));
  const m = {};
  for (const s of (r.ok && r.staff) || []) m[s.staff] = s.name || s.staff;
  return m;
}
