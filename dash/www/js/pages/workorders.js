// workorders.js: open work orders with their clocks (GET /api/workorders),
// one order's history and cycles (GET /api/workorder), the intake of a
// phone call, letter or walk-in (repair or complaint) and the office's
// steps (POST /api/workorder: dispatch, feedback, reply, callback, close,
// cancel, reopen). The steps' fields are the handheld's verb table's
// (handheld/verbs.c); the API validates them with that same table.
import * as api from '../api.js';
import { h, clear, put } from '../dom.js';
import { t, opt, isoText } from '../i18n.js';
import { table } from '../table.js';
import { field, values } from '../form.js';

const E = (name, choices, extra) => Object.assign({ name, type: 'enum',
  choices }, extra);
const categories = ['plumbing', 'electrical', 'elevator', 'structure',
  'door_window', 'heating', 'public_facility', 'public_lighting', 'other'];
const urgent = ['elevator_trapped', 'structural_danger', 'wiring_fault',
  'pump_pipe_leak', 'heating_riser_leak', 'stairs_railings', 'falling_parts',
  'other_danger'];
// The office's steps and their fields (the verb table's names).
const steps = {
  dispatch: [{ name: 'assignee', required: true },
    { name: 'appointment', type: 'time' }],
  feedback: [E('method', ['phone', 'visit', 'letter', 'online']),
    { name: 'note', type: 'text' }],
  reply: [{ name: 'text', type: 'text', required: true },
    E('method', ['spot', 'phone', 'letter', 'visit']),
    { name: 'answer_by', type: 'time' }],
  callback: [E('satisfaction', ['satisfied', 'unsatisfied'],
    { required: true }), E('method', ['door', 'phone', 'letter']),
  { name: 'result', type: 'text' }, { name: 'signature' },
  { name: 'note', type: 'text' }],
  close: [{ name: 'note', type: 'text' }],
  cancel: [{ name: 'reason', type: 'text', required: true }],
  reopen: [{ name: 'reason', type: 'text', required: true }],
};

function label(spec) {
  return Object.assign({}, spec, { label: t('wo.f.' + spec.name) });
}
const choice = (name) => (v) => opt('wo.' + name, v);
// A field's value as the clerk reads it: a choice in words, a time as
// the office's clock shows it.
function show1(k, v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return typeof v === 'string' ? isoText(opt('wo.' + k, v)) : String(v);
}

export async function show(root, app, params) {
  if (params.id) return detail(root, app, params.id);
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

async function detail(root, app, id) {
  const msg = h('p', { id: 'wo-msg', class: 'msg', role: 'alert' });
  put(root, h('div', { class: 'pagehead' }, h('a', { class: 'btn',
    href: '#/workorders', id: 'wo-back' }, t('back')), h('h1', {},
    t('wo.one'))), msg);
  const r = await api.get('/api/workorder', app.q({ id }));
  if (!r.ok) return app.fail(msg, r);
  const f = r.fields || {};
  put(root, h('section', { class: 'panel' }, h('h2', {}, t('wo.fields')),
    h('dl', { id: 'wo-fields', class: 'kv' }, Object.entries(f).map(([k, v]) =>
      [h('dt', {}, opt('wo.f', k)), h('dd', {}, show1(k, v))]))));
  const acts = h('div', { class: 'steps' });
  const stepBox = h('div', { id: 'wo-step' });
  for (const name of Object.keys(steps)) {
    acts.appendChild(h('button', { type: 'button', class: 'btn',
      id: 'wo-act-' + name, onclick: () => openStep(name) },
    t('wo.act.' + name)));
  }
  put(root, h('section', { class: 'panel' }, h('h2', {}, t('wo.steps')),
    acts, stepBox));
  function openStep(name) {
    const fs = steps[name].map((s) => field(label(s), 'wo-s-' + s.name,
      s.type === 'enum' ? choice(s.name) : null));
    const m = h('p', { class: 'msg', role: 'alert' });
    clear(stepBox).append(h('form', { class: 'card inline', onsubmit:
      async (e) => {
        e.preventDefault();
        const w = await api.post('/api/workorder', Object.assign({
          site: app.site, action: name, id }, values(fs)));
        if (!w.ok) return app.fail(m, w);
        app.go('workorders', { id, done: name });
      } }, h('h2', {}, t('wo.act.' + name)),
    h('div', { class: 'grid' }, fs.map((x) => x.el)), m,
    h('div', { class: 'row' }, h('button', { type: 'submit',
      class: 'btn primary', id: 'wo-step-ok' }, t('ok')),
    h('button', { type: 'button', class: 'btn', onclick: () =>
      clear(stepBox) }, t('cancel')))));
  }
  const hist = (r.history || []).map((x) => ({ cells: [x.at, x.by,
    opt('wo.act', x.action), Object.entries(x.fields || {}).map(([k, v]) =>
      `${opt('wo.f', k)}: ${show1(k, v)}`).join('; ')] }));
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

function intake(root, app) {
  const kind = h('select', { id: 'wo-kind' },
    h('option', { value: 'repair' }, t('wo.kind.repair')),
    h('option', { value: 'complaint' }, t('wo.kind.complaint')));
  const specs = [E('channel', ['phone', 'letter', 'visit', 'desk', 'online'],
    { required: true, default: 'phone' }), { name: 'place', required: true },
  E('category', categories, { required: true }),
  { name: 'description', type: 'text', required: true },
  { name: 'contact' }, E('priority', ['normal', 'urgent']),
  E('urgent_reason', urgent),
  E('severity', ['general', 'difficult', 'major', 'serious', 'simple',
    'complex']), { name: 'appointment', type: 'time' },
  { name: 'called_at', type: 'time' }, { name: 'anonymous', type: 'bool' }];
  const fs = specs.map((s) => field(label(s), 'wo-f-' + s.name,
    s.type === 'enum' ? choice(s.name) : null));
  const cat = fs.find((x) => x.spec.name === 'category');
  kind.addEventListener('change', () => {
    const c = kind.value === 'complaint';
    cat.el.classList.toggle('hidden', c);
    cat.input.required = !c;
  });
  const msg = h('p', { id: 'wo-msg', class: 'msg', role: 'alert' });
  put(root, h('div', { class: 'pagehead' }, h('a', { class: 'btn',
    href: '#/workorders', id: 'wo-back' }, t('back')), h('h1', {},
    t('wo.new'))),
  h('form', { id: 'wo-intake', class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    const v = values(fs);
    if (kind.value === 'complaint') v.category = 'complaint';
    const r = await api.post('/api/workorder', Object.assign({
      site: app.site, action: 'create' }, v));
    if (!r.ok) return app.fail(msg, r);
    app.go('workorders', r.id ? { id: r.id } : {});
  } }, h('div', { class: 'grid' }, h('label', { class: 'fld',
    for: 'wo-kind' }, h('span', {}, t('wo.f.kind')), kind),
  fs.map((x) => x.el)), msg,
  h('button', { type: 'submit', class: 'btn primary', id: 'wo-create' },
    t('wo.create'))));
}
