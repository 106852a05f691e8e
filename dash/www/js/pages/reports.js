// reports.js: the office's reports as pages (GET /api/reports, GET
// /api/report): summary figures, each section's table, bar charts drawn
// here as SVG from the numbers and the "charts" hints the API gives, and
// the CLI's CSV as a download (format=csv: the bytes `roundsd report N
// --format csv` prints).
import * as api from '../api.js';
import { h, put } from '../dom.js';
import { t, isoText, dayAfter } from '../i18n.js';
import { table, barChart } from '../table.js';

export async function show(root, app, params) {
  const msg = h('p', { id: 'rep-msg', class: 'msg', role: 'alert' });
  put(root, h('h1', {}, t('nav.reports')), msg);
  const list = await api.get('/api/reports', { lang:
    document.documentElement.lang });
  if (!list.ok) return app.fail(msg, list);
  const reports = list.reports || [];
  const name = h('select', { id: 'rep-name' }, reports.map((r) =>
    h('option', { value: r.name }, r.title || r.name)));
  if (params.name) name.value = params.name;
  const from = h('input', { id: 'rep-from', type: 'date',
    value: params.from || '' });
  const to = h('input', { id: 'rep-to', type: 'date', value: params.to || '' });
  const form = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    app.go('reports', { name: name.value, from: from.value, to: to.value });
  } },
  h('label', { class: 'fld small', for: 'rep-name' },
    h('span', {}, t('rep.name')), name),
  h('label', { class: 'fld small', for: 'rep-from' },
    h('span', {}, t('rep.from')), from),
  h('label', { class: 'fld small', for: 'rep-to' },
    h('span', {}, t('rep.to')), to),
  h('button', { type: 'submit', class: 'btn primary', id: 'rep-show' },
    t('rep.show')));
  const out = h('div', { id: 'rep-out' });
  root.insertBefore(form, msg);
  put(root, out);
  if (!params.name) {
    put(out, h('p', { class: 'hint' }, t('rep.pick')));
    return;
  }
  // Dates are whole days in the office's zone: the window [from, to) ends
  // at the end of the "to" day.
  const q = { name: params.name, from: params.from, to: dayAfter(params.to) };
  const r = await api.get('/api/report', app.q(q));
  if (!r.ok) return app.fail(msg, r);
  const csv = '/api/report' + api.qs(Object.assign({ site: app.site },
    q, { format: 'csv' }));
  put(out, h('div', { class: 'pagehead' }, h('h2', { id: 'rep-title' },
    r.title || r.report), h('span', { class: 'dim' }, t('rep.span', {
    from: isoText(r.from), to: isoText(r.to) })), h('span', { class: 'grow' }),
  h('a', { id: 'rep-csv', class: 'btn', href: csv, download: '' },
    t('rep.csv'))));
  if ((r.summary || []).length) {
    put(out, h('div', { class: 'cards', id: 'rep-summary' },
      r.summary.map((s) => h('div', { class: 'figure' }, h('span', {
        class: 'v' }, String(s.value ?? '—')), h('span', { class: 'k' },
      s.title || s.key)))));
  }
  const sections = r.sections || [];
  for (const c of r.charts || []) {
    const tb = sections.find((s) => s.name === c.section);
    if (tb && (tb.rows || []).length) put(out, barChart(c, tb));
  }
  for (const s of sections) {
    // Each table as its own CSV (the CLI's --table NAME).
    put(out, h('section', { class: 'panel' }, h('div', { class: 'pagehead' },
      h('h2', {}, s.title || s.name), h('span', { class: 'grow' }),
      h('a', { id: 'rep-csv-' + s.name, class: 'btn', download: '',
        href: csv + '&table=' + encodeURIComponent(s.name) }, t('rep.csv'))),
    table(s, { id: 'rep-' + s.name })));
  }
  if (!sections.length) put(out, h('p', { class: 'hint' },
    t('table.empty')));
}
