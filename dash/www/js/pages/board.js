// board.js: the shift-change board (GET /api/board), live: an EventSource
// on /api/events reloads it on each landed sync of this site (no polling).
// Handhelds, who is inside, tonight's patrol, open work orders with their
// clocks counting down, conflicts waiting (a manager resolves one here
// through POST /api/resolve).
import * as api from '../api.js';
import { h, clear, put } from '../dom.js';
import { t, isoText, when } from '../i18n.js';
import { panel } from '../table.js';

const parts = ['devices', 'inside', 'patrol', 'workorders', 'conflicts'];
// Ids not drawn where a row has words (a handheld's name, who is inside,
// an order's place): a clerk reads those; the row keeps its id for the
// click. A conflict has no other name, so its id stays.
const hide = { devices: ['device_id'], inside: ['id'], workorders: ['id'] };
let es = null;

export function leave() {
  if (es) es.close();
  es = null;
}

export async function show(root, app) {
  const status = h('span', { id: 'board-live', class: 'live wait' },
    t('board.connecting'));
  const stamp = h('span', { id: 'board-stamp', class: 'dim' });
  const msg = h('p', { id: 'board-msg', class: 'msg', role: 'alert' });
  let body = h('div', { id: 'board-body', class: 'board' });
  const resolve = h('div', { id: 'board-resolve' });
  put(root, h('div', { class: 'pagehead' }, h('h1', {}, t('board.title')),
    h('span', { class: 'grow' }), status, stamp), msg, resolve, body);
  root.dataset.loads = '0';

  let loading = false, again = false;
  async function load() {
    if (loading) { again = true; return; }
    loading = true;
    do {
      again = false;
      const r = await api.get('/api/board', app.q());
      if (!root.isConnected) break;
      if (!r.ok) {
        app.fail(msg, r);
        continue;
      }
      app.say(msg, '');
      draw(r);
      root.dataset.loads = String(Number(root.dataset.loads) + 1);
    } while (again);
    loading = false;
  }

  function draw(r) {
    const night = r.night ? t('board.night', { from: isoText(r.night.from),
      to: isoText(r.night.to) }) : '';
    stamp.textContent = t('board.stamp', { now: isoText(r.now), night });
    const next = h('div', { id: 'board-body', class: 'board' },
      parts.map((p) => r[p] ? panel(r[p], { id: 'tbl-' + p,
        panelId: 'board-' + p, hide: hide[p], onRow: p === 'conflicts' ?
          (row, vals) => openResolve(row, vals) : p === 'workorders' ?
          (row) => row.id && app.go('workorders', { id: row.id }) :
          undefined }) : null));
    body.replaceWith(next);
    body = next;
  }

  function openResolve(row, vals) {
    const m = h('p', { class: 'msg', role: 'alert' });
    const field = h('input', { id: 'resolve-field', value: vals.field ||
      '' });
    const value = h('input', { id: 'resolve-value' });
    const reason = h('input', { id: 'resolve-reason', required: true });
    clear(resolve).append(h('form', { class: 'card inline', onsubmit:
      async (e) => {
        e.preventDefault();
        const r = await api.post('/api/resolve', { site: app.site,
          id: row.id, field: field.value, value: value.value,
          reason: reason.value });
        if (!r.ok) return app.fail(m, r);
        clear(resolve);
        load();
      } },
    h('h2', {}, t('board.resolve')),
    h('div', { class: 'grid' },
      h('label', { class: 'fld' }, h('span', {}, t('resolve.field')), field),
      h('label', { class: 'fld' }, h('span', {}, t('resolve.value')), value),
      h('label', { class: 'fld' }, h('span', {}, t('resolve.reason')),
        reason)), m,
    h('div', { class: 'row' }, h('button', { type: 'submit',
      class: 'btn primary', id: 'resolve-ok' }, t('resolve.ok')),
    h('button', { type: 'button', class: 'btn', onclick: () =>
      clear(resolve) }, t('cancel')))));
  }

  await load();
  leave();
  es = new EventSource('/api/events?site=' + encodeURIComponent(app.site));
  let opened = 0;
  es.addEventListener('open', () => {
    status.className = 'live on';
    status.textContent = t('board.live');
    // After a dropped connection, syncs may have landed unheard.
    if (opened++) load();
  });
  es.addEventListener('error', () => {
    status.className = 'live off';
    status.textContent = t('board.reconnecting');
    // A dead session ends the stream for good: ask the session once.
    if (es && es.readyState === EventSource.CLOSED) app.refreshSession()
      .then(() => { if (!app.session) app.route(); });
  });
  es.addEventListener('sync', (e) => {
    let at = null;
    try { at = JSON.parse(e.data).at_ms; } catch (x) { /* keep null */ }
    status.className = 'live on';
    status.textContent = t('board.synced', { at: when(at) });
    root.dataset.syncs = String(Number(root.dataset.syncs || 0) + 1);
    load();
  });
}
