// registers.js: visitors, vehicles, handovers, duty log and incidents
// (GET /api/registers), searched by date, unit, plate and person. Personal
// data is masked by the API; it opens one record's fields only with a
// reason (POST /api/pii/open), and the API logs who opened it and why.
import * as api from '../api.js';
import { h, clear, put } from '../dom.js';
import { t, opt, dayAfter } from '../i18n.js';
import { table } from '../table.js';

const kinds = ['visitors', 'vehicles', 'handovers', 'dutylog', 'incidents'];
const keys = ['from', 'to', 'unit', 'plate', 'person', 'q'];

export async function show(root, app, params) {
  const kind = kinds.includes(params.kind) ? params.kind : 'visitors';
  const tabs = h('div', { class: 'tabs', role: 'tablist' }, kinds.map((k) =>
    h('a', { id: 'reg-kind-' + k, class: 'tab' + (k === kind ? ' on' : ''),
      href: '#/registers?kind=' + k, role: 'tab' }, opt('reg', k))));
  const inputs = {};
  for (const k of keys) {
    inputs[k] = h('input', { id: 'reg-' + k, type: k === 'from' || k === 'to' ?
      'date' : 'search', value: params[k] || '' });
  }
  const msg = h('p', { id: 'reg-msg', class: 'msg', role: 'alert' });
  const out = h('div', { id: 'reg-table' });
  const pii = h('div', { id: 'reg-pii' });
  const form = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const p = { kind };
    for (const k of keys) if (inputs[k].value) p[k] = inputs[k].value;
    app.go('registers', p);
  } }, keys.map((k) => h('label', { class: 'fld small', for: 'reg-' + k },
    h('span', {}, t('reg.' + k)), inputs[k])),
  h('button', { type: 'submit', class: 'btn primary', id: 'reg-search' },
    t('search')));
  put(root, h('h1', {}, t('nav.registers')), tabs, form, msg, pii, out);

  // A date searches the whole day in the office's zone (the API reads a
  // time without a zone in the office's offset; "to" is exclusive).
  const q = { kind };
  for (const k of keys) if (params[k]) q[k] = params[k];
  q.to = dayAfter(q.to);
  const r = await api.get('/api/registers', app.q(q));
  if (!r.ok) return app.fail(msg, r);
  out.append(table(r.table, { id: 'tbl-reg', onRow: (row) =>
    row.id && openPii(row) }));
  if (r.more) out.append(h('p', { class: 'hint', id: 'reg-more' },
    t('reg.more')));
  else out.append(h('p', { class: 'hint' }, t('reg.tap')));

  function openPii(row) {
    const reason = h('input', { id: 'pii-reason', required: true,
      minlength: '2' });
    const m = h('p', { class: 'msg', role: 'alert' });
    const shown = h('dl', { id: 'pii-fields', class: 'kv' });
    clear(pii).append(h('form', { class: 'card inline', onsubmit:
      async (e) => {
        e.preventDefault();
        const w = await api.post('/api/pii/open', { site: app.site,
          id: row.id, reason: reason.value });
        if (!w.ok) return app.fail(m, w);
        app.say(m, t('pii.logged'), 'ok');
        clear(shown).append(...Object.entries(w.fields || {}).flatMap(
          ([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]));
      } }, h('h2', {}, t('pii.title')),
    h('p', { class: 'hint' }, t('pii.hint')),
    h('label', { class: 'fld wide', for: 'pii-reason' },
      h('span', {}, t('pii.reason')), reason), m,
    h('div', { class: 'row' }, h('button', { type: 'submit',
      class: 'btn primary', id: 'pii-open' }, t('pii.open')),
    h('button', { type: 'button', class: 'btn', id: 'pii-close',
      onclick: () => clear(pii) }, t('close'))), shown));
    reason.focus();
  }
}
