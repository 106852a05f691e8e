// devices.js: the site's handhelds (GET /api/devices); enroll one (POST
// /api/devices/enroll: the API answers with the enrollment payload and its
// QR code, which the handheld app scans or `rounds enroll --payload` reads)
// and revoke one (POST /api/devices/revoke). Both are an admin's.
import * as api from '../api.js';
import { h, clear, put } from '../dom.js';
import { t } from '../i18n.js';
import { table } from '../table.js';

export async function show(root, app) {
  const msg = h('p', { id: 'dev-msg', class: 'msg', role: 'alert' });
  const list = h('div', { id: 'dev-list' });
  const name = h('input', { id: 'dev-name', required: true,
    autocapitalize: 'off', spellcheck: 'false' });
  const result = h('div', { id: 'dev-enrolled' });
  const enroll = h('form', { class: 'card inline', id: 'dev-enroll-form',
    onsubmit: async (e) => {
      e.preventDefault();
      app.say(msg, '');
      const r = await api.post('/api/devices/enroll', { site: app.site,
        name: name.value });
      if (!r.ok) return app.fail(msg, r);
      drawEnrolled(r);
      load();
    } }, h('h2', {}, t('dev.enroll')),
  h('p', { class: 'hint' }, t('dev.enroll.hint')),
  h('div', { class: 'row' }, h('label', { class: 'fld', for: 'dev-name' },
    h('span', {}, t('dev.name')), name),
  h('button', { type: 'submit', class: 'btn primary', id: 'dev-enroll' },
    t('dev.enroll.go')),
  h('button', { type: 'button', class: 'btn danger', id: 'dev-revoke',
    onclick: revoke }, t('dev.revoke'))));
  put(root, h('h1', {}, t('nav.devices')), msg, enroll, result, list);

  function drawEnrolled(r) {
    const payload = h('textarea', { id: 'enroll-payload', readonly: true,
      rows: '3', class: 'mono' });
    payload.value = r.payload || '';
    clear(result).append(h('section', { class: 'panel enrolled' },
      h('h2', {}, t('dev.enrolled', { name: r.name || name.value })),
      h('div', { class: 'row start' },
        h('img', { id: 'enroll-qr', class: 'qr', src: r.qr || '',
          alt: t('dev.qr') }),
        h('div', { class: 'grow' }, h('p', {}, t('dev.scan')),
          h('label', { class: 'fld wide', for: 'enroll-payload' },
            h('span', {}, t('dev.payload')), payload),
          h('p', { class: 'hint' }, t('dev.cli', { payload: '' })),
          h('code', { class: 'mono block' }, 'rounds enroll --payload \'' +
            (r.payload || '') + '\''),
          h('button', { type: 'button', class: 'btn', id: 'enroll-copy',
            onclick: async () => {
              payload.select();
              try { await navigator.clipboard.writeText(payload.value); }
              catch (x) { document.execCommand('copy'); }
            } }, t('dev.copy'))))));
  }

  async function revoke() {
    app.say(msg, '');
    if (!name.value) {
      app.say(msg, t('dev.revoke.which'), 'err');
      name.focus();
      return;
    }
    if (!window.confirm(t('dev.revoke.sure', { name: name.value }))) return;
    const r = await api.post('/api/devices/revoke', { site: app.site,
      name: name.value });
    if (!r.ok) return app.fail(msg, r);
    app.say(msg, t('dev.revoked', { name: name.value }), 'ok');
    load();
  }

  async function load() {
    const r = await api.get('/api/devices', app.q());
    if (!r.ok) return app.fail(msg, r);
    const cols = (r.table && r.table.columns) || [];
    const ni = Math.max(cols.findIndex((c) => c.key === 'name' ||
      c.key === 'device'), 0);
    clear(list).append(table(r.table, { id: 'tbl-devices', onRow: (row) => {
      name.value = row.cells ? String(row.cells[ni] ?? '') : '';
      name.focus();
    } }));
  }
  await load();
}
