// workorders.js: open work orders with their clocks (GET /api/workorders),
// one order's history, cycles and the steps it can take now (GET
// /api/workorder), the intake of a phone call, letter or walk-in (repair
// or complaint) and the office's steps (POST /api/workorder). The steps,
// their fields, types, choices and words all come from GET
// /api/workorder/forms, the handheld's verb table (handheld/verbs.c) that
// the API also checks every step with: this file knows no step or field.
import * as api from '../api.js';
import { h, clear, put } from '../dom.js';
import { t, opt, isoText, getLang } from '../i18n.js';
import { table } from '../table.js';
import { field, values } from '../form.js';
import { attachPanel } from '../attach.js';

let formsCache = null;

// The forms in the page's language: { steps, byName, byOp } (byOp: a
// stored field's name, "callback_method", to its words: { title, plain,
// labels }; among the order's fields, one stored under its step's own
// name reads with the step's title, "Callback · How"; in the history,
// beside its step, plain "How").
async function forms() {
  const lang = getLang();
  if (formsCache && formsCache.lang === lang) return formsCache;
  const r = await api.get('/api/workorder/forms', { lang });
  if (!r.ok) return r;
  const steps = r.steps || [];
  const byName = {}, byOp = {};
  for (const s of steps) {
    byName[s.name] = s;
    for (const f of s.fields || []) {
      if (byOp[f.op]) continue;
      byOp[f.op] = { labels: f.labels, plain: f.title, title: f.op ===
        f.name ? f.title : `${s.title} · ${f.title}` };
    }
  }
  formsCache = { ok: true, lang, steps, byName, byOp };
  return formsCache;
}

// A form field of the API's description, with the id prefix's id.
function input(f, prefix) {
  const help = f.help && f.help.toLowerCase() !== f.title.toLowerCase() ?
    f.help : null;
  return field({ name: f.name, label: f.title, help,
    type: f.type === 'switch' ? 'bool' : f.type, required: f.required,
    choices: f.choices, default: f.default, hintDefault: true },
  prefix + f.name, (v) => (f.labels && f.labels[v]) || v);
}

// The fields a form asks (not "by": the signed-in account).
const asked = (step) => (step.fields || []).filter((f) => f.asked);

// A refusal in words: the field at fault by its title, and marked.
function refuse(app, el, r, fs) {
  const bad = r.error && fs.find((x) => x.spec.name === r.error.field);
  for (const x of fs) x.input.removeAttribute('aria-invalid');
  if (bad) {
    bad.input.setAttribute('aria-invalid', 'true');
    bad.input.focus();
    r = Object.assign({}, r, { error: Object.assign({}, r.error,
      { field: bad.spec.label }) });
  }
  app.fail(el, r);
}

export async function show(root, app, params) {
  if (params.id) return detail(root, app, params);
  if (params.new) return intake(root, app);
  const msg = h('p', { id: 'wo-msg', class: 'msg', role: 'alert' });
  const status = h('select', { id: 'wo-status' },
    h('option', { value: 'open' }, t('wo.open')),
    h('option', { value: 'all' }, t('wo.all')));
  status.value = params.status || 'open';
  const q = h('input', { id: 'wo-q', type: 'search', value: params.q || '',
    placeholder: t('wo.q') });
  const list = h('div', { id: 'wo-list' });
  const form = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    app.go('workorders', { status: status.value, q: q.value });
  } }, status, q, h('button', { type: 'submit', class: 'btn',
    id: 'wo-search' }, t('search')));
  put(root, h('div', { class: 'pagehead' }, h('h1', {}, t('nav.workorders')),
    h('span', { class: 'grow' }), h('a', { id: 'wo-new', class: 'btn primary',
      href: '#/workorders?new=1' }, t('wo.new'))), form, msg, list);
  const r = await api.get('/api/workorders', app.q({ status: status.value,
    q: q.value }));
  if (!r.ok) return app.fail(msg, r);
  list.append(table(r.table || r, { id: 'tbl-wo', onRow: (row) =>
    row.id && app.go('workorders', { id: row.id }) }));
}

async function detail(root, app, params) {
  const id = params.id;
  const msg = h('p', { id: 'wo-msg', class: 'msg', role: 'alert' });
  put(root, h('div', { class: 'pagehead' }, h('a', { class: 'btn',
    href: '#/workorders', id: 'wo-back' }, t('back')), h('h1', {},
    t('wo.one'))), msg);
  const fm = await forms();
  if (!fm.ok) return app.fail(msg, fm);
  const r = await api.get('/api/workorder', app.q({ id }));
  if (!r.ok) return app.fail(msg, r);
  const done = fm.byName[params.done];
  if (done) app.say(msg, t('wo.done', { step: done.title }), 'ok');
  // A stored field and its value as the clerk reads them: the field's
  // title, a choice in words, a time as the office's clock shows it.
  const title = (k, plain) => (fm.byOp[k] && fm.byOp[k][plain ? 'plain' :
    'title']) || k;
  const show1 = (k, v) => {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'object') return JSON.stringify(v);
    const labels = fm.byOp[k] && fm.byOp[k].labels;
    if (labels && labels[v] !== undefined) return labels[v];
    if (typeof v === 'boolean') return t(v ? 'yes' : 'no');
    return typeof v === 'string' ? isoText(v) : String(v);
  };
  put(root, h('section', { class: 'panel' }, h('h2', {}, t('wo.fields')),
    h('dl', { id: 'wo-fields', class: 'kv' }, Object.entries(r.fields || {})
      .map(([k, v]) => [h('dt', {}, title(k)), h('dd', {}, show1(k, v))]))),
  attachPanel(r.attachments, app.site, 'wo-att'));

  // The steps the order can take now (the API's answer), each a button
  // opening its form.
  const acts = h('div', { class: 'steps', id: 'wo-acts' });
  const stepBox = h('div', { id: 'wo-step' });
  for (const name of r.steps || []) {
    const step = fm.byName[name];
    if (!step) continue;
    acts.appendChild(h('button', { type: 'button', class: 'btn',
      id: 'wo-act-' + name, title: step.help, onclick: () => open(step) },
    step.title));
  }
  put(root, h('section', { class: 'panel' }, h('h2', {}, t('wo.steps')),
    (r.steps || []).length ? acts : h('p', { class: 'hint' }, t('wo.nosteps')),
    stepBox));
  function open(step) {
    const fs = asked(step).map((f) => input(f, 'wo-s-'));
    const m = h('p', { class: 'msg', role: 'alert', id: 'wo-step-msg' });
    clear(stepBox).append(h('form', { class: 'card inline', id: 'wo-form-' +
      step.name, onsubmit: async (e) => {
      e.preventDefault();
      const w = await api.post('/api/workorder', Object.assign({
        site: app.site, action: step.name, id }, values(fs)));
      if (!w.ok) return refuse(app, m, w, fs);
      app.go('workorders', { id, done: step.name });
    } }, h('h2', {}, step.title), h('p', { class: 'hint' }, step.help),
    h('div', { class: 'grid' }, fs.map((x) => x.el)), m,
    h('div', { class: 'row' }, h('button', { type: 'submit',
      class: 'btn primary', id: 'wo-step-ok' }, t('ok')),
    h('button', { type: 'button', class: 'btn', onclick: () =>
      clear(stepBox) }, t('cancel')))));
    if (fs.length) fs[0].input.focus();
  }

  const hist = (r.history || []).map((x) => ({ cells: [x.at, x.by,
    fm.byName[x.action] ? fm.byName[x.action].title : opt('wo.act', x.action),
    x.action === 'attach' ? attachText(x.fields || {}) :
      Object.entries(x.fields || {}).map(([k, v]) =>
        `${title(k, true)}: ${show1(k, v)}`).join('; ')] }));
  put(root, h('section', { class: 'panel' }, h('h2', {}, t('wo.history')),
    table({ columns: [{ key: 'at', title: t('wo.h.at'), type: 'time' },
      { key: 'by', title: t('wo.h.by') },
      { key: 'action', title: t('wo.h.action') },
      { key: 'fields', title: t('wo.h.fields') }], rows: hist },
    { id: 'tbl-wo-history' })));
  if (r.cycles) {
    put(root, h('section', { class: 'panel' }, h('h2', {}, r.cycles.title ||
      t('wo.cycles')), table(r.cycles, { id: 'tbl-wo-cycles' })));
  }
}

// An attach op in the history: what it put on the order, in words (its
// fields are the op's: att_role, att_type, att_size, att_hash).
function attachText(f) {
  const kb = Math.max(1, Math.round((f.att_size || 0) / 1024));
  return [opt('att.role', f.att_role), f.att_type, kb + ' KB',
    String(f.att_hash || '').slice(0, 12)].filter(Boolean).join(' · ');
}

async function intake(root, app) {
  const msg = h('p', { id: 'wo-msg', class: 'msg', role: 'alert' });
  put(root, h('div', { class: 'pagehead' }, h('a', { class: 'btn',
    href: '#/workorders', id: 'wo-back' }, t('back')), h('h1', {},
    t('wo.new'))), msg);
  const fm = await forms();
  if (!fm.ok) return app.fail(msg, fm);
  const step = fm.steps.find((s) => s.creates);
  if (!step) return;
  const fs = asked(step).map((f) => input(f, 'wo-f-'));
  put(root, h('form', { id: 'wo-intake', class: 'card', onsubmit:
    async (e) => {
      e.preventDefault();
      const r = await api.post('/api/workorder', Object.assign({
        site: app.site, action: step.name }, values(fs)));
      if (!r.ok) return refuse(app, msg, r, fs);
      app.go('workorders', r.id ? { id: r.id, done: step.name } : {});
    } }, h('div', { class: 'grid' }, fs.map((x) => x.el)), msg,
  h('button', { type: 'submit', class: 'btn primary', id: 'wo-create' },
    t('wo.create'))));
}
