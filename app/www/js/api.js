// api.js: the JSON API of `rounds app` (docs/APP-API.md). Every rule is the
// C library's: this module only carries requests and answers. Errors come
// back as { ok:false, status, error:{code, field, message, ...} }.
let csrf = '';

// The first screen's data, when the page came with it: /open and / carry
// the answers of GET /api/session, /api/now and /api/staff in a
// <script type="application/json" id="boot"> (app/app_boot.c, made by the
// same C code as the API), so the first screen asks for nothing. Each is
// taken once; without the block the page asks the API.
let boot = null;
try {
  const el = document.getElementById('boot');
  if (el) boot = JSON.parse(el.textContent);
} catch (e) {
  console.error(e);
}
function fromBoot(name, quiet) {
  const a = boot && boot[name];
  if (!a || !a.body || !a.status) return null;
  boot[name] = null;
  return settle(a.body, a.status, quiet);
}

// The guard's language and theme ({lang, theme}, each optional): a
// cookie, not localStorage: a cookie is the host's, so every launch's new
// port shares it, and it comes with the page's request, so the first
// screen reads it from the boot block and touches no storage.
export function prefs() {
  if (boot && 'prefs' in boot) return boot.prefs || {};
  const m = /(?:^|;\s*)rounds_prefs=([^;]*)/.exec(document.cookie);
  const [lang, theme] = m ? m[1].split('.') : [];
  return { lang: lang || undefined, theme: theme || undefined };
}
export function savePrefs(p) {
  document.cookie = `rounds_prefs=${p.lang || ''}.${p.theme || ''}; ` +
    'Max-Age=31536000; Path=/; SameSite=Strict';
}

// The first session: the page's (above), else asked for at once (early),
// so it is made while the script starts; later ones are not cached.
let firstSession = true;
export async function session() {
  const s = (firstSession && fromBoot('session', false)) ||
    (firstSession ? await early('/api/session', false)
      : await get('/api/session'));
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
  return settle(body, r.status, quiet);
}

function settle(body, status, quiet) {
  if (!(status >= 200 && status < 300) && body.ok !== false) body.ok = false;
  if (!body.ok && !body.error) body.error = { code: 'EHTTP' };
  body.status = status;
  // Nobody signed in (the session ended, or another tab signed out): the
  // shell goes back to the sign-in screen.
  if (!quiet && status === 401 && body.error.code === 'ESIGNIN')
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

// The first Now and staff list: the page's (boot, above), else asked for
// while the shell starts (beside the session), so the first screen waits
// for no round trip of its own. The Now and sign-in screens take them
// once (takeNow, takeStaff); the shell drops them after the first screen.
let earlyNow = null, earlyStaff = null;
export function prefetch() {
  const n = fromBoot('now', true), s = fromBoot('staff', false);
  earlyNow = n ? Promise.resolve(n) : early('/api/now', true);
  earlyStaff = s ? Promise.resolve(s) : early('/api/staff', false);
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

// POST /api/attach: a file's bytes as the body, the record and the role in
// the query. What the bytes may be and how large is the C library's rule.
export async function attach(record, file, role) {
  // Without a role the library takes photo for an image, document for a PDF.
  const q = new URLSearchParams(role ? { record, role } : { record });
  try {
    return await parse(await fetch('/api/attach?' + q.toString(), {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': file.type || 'application/octet-stream',
        'X-Rounds-CSRF': csrf },
      body: file,
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
