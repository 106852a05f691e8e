// now.js: what is due now (GET /api/now, computed in C by hh_report_now):
// my route's next checkpoints with time left, an overdue round in red, my
// work orders by their clocks, vacant units due, handovers to acknowledge,
// records not yet synced.
import * as api from '../api.js';
import { h, icon, put } from '../dom.js';
import { t, opt, errText, clock, dateTime, span } from '../i18n.js';

function left(ms, late) {
  if (late > 0) {
    return h('span', { class: 'late' }, t('now.late', { d: span(late) }));
  }
  if (ms === undefined || ms === null) return '';
  return ms >= 0 ? h('span', { class: 'left' }, t('now.left', { d: span(ms) }))
    : h('span', { class: 'late' }, t('now.late', { d: span(ms) }));
}

export async function render(root, app) {
  let r = await (api.takeNow() || api.get('/api/now'));
  performance.mark('rounds:now-data');
  if (!r.ok) {
    if (r.status === 401) return app.go('signin');
    // Without the Now document (an older library): the device's status.
    const s = await api.get('/api/status');
    if (!s.ok) {
      put(root, h('h1', {}, t('nav.now')),
        h('p', { class: 'msg bad' }, errText(r.error)));
      return;
    }
    r = { now_ms: app.session.now_ms, unsynced: s.unsynced,
      last_sync_ms: s.last_sync_ms, rounds: [], workorders: [] };
  }
  put(root, h('h1', {}, t('now.title', { time: clock(r.now_ms) })));

  // Records not yet synced: first, so a guard sees it before going home.
  put(root, h('button', { type: 'button', id: 'now-sync',
    class: 'card row' + (r.unsynced > 0 ? ' warn' : ''),
    onclick: () => app.go('sync') }, icon('sync'),
  h('span', { class: 'grow' }, r.unsynced > 0
    ? t('now.unsynced', { n: r.unsynced }) : t('now.synced'),
  h('small', {}, t('sync.last', { t: r.last_sync_ms
    ? dateTime(r.last_sync_ms) : t('sync.never') })))));

  const names = (r.handovers_to_ack || []).length
    ? await api.staffNames() : {};
  for (const ho of r.handovers_to_ack || []) {
    put(root, h('button', { type: 'button', class: 'card row warn',
      id: 'now-ack-' + ho.id,
      onclick: () => app.go('handover', { ack: ho.id }) }, icon('handover'),
    h('span', { class: 'grow' },
      t('now.ack', { from: names[ho.from] || ho.from }),
      h('small', {}, ho.items || ''))));
  }

  put(root, h('h2', {}, t('now.rounds')));
  if (!(r.rounds || []).length) put(root, h('p', { class: 'hint' },
    t('now.no_rounds')));
  for (const rd of r.rounds || []) {
    const card = h('div', { class: 'card round ' + rd.state },
      h('div', { class: 'row' }, h('b', { class: 'grow' },
        rd.name || rd.route),
      h('span', { class: 'tag ' + rd.state }, opt('rstate', rd.state))),
      h('small', {}, `${clock(rd.start_ms)}–${clock(rd.end_ms)} · ` +
        t('now.progress', { done: rd.done, total: rd.total })));
    const ul = h('ul', { class: 'cps' });
    for (const cp of rd.next || []) {
      put(ul, h('li', { class: cp.state },
        h('span', { class: 'grow' }, h('b', {}, cp.name || cp.tag),
          h('small', {}, [cp.tag, cp.place].filter(Boolean).join(' · '))),
        cp.state === 'done' ? h('span', { class: 'tag done' },
          opt('rstate', 'done')) : left(cp.left_ms, cp.late_ms)));
    }
    put(card, ul);
    put(root, card);
  }

  put(root, h('h2', {}, t('now.workorders')));
  if (!(r.workorders || []).length) put(root, h('p', { class: 'hint' },
    t('now.no_workorders')));
  for (const w of r.workorders || []) {
    put(root, h('button', { type: 'button',
      class: 'card row' + (w.breached ? ' bad' : ''),
      onclick: () => app.go('workorders', { open: w.id }) }, icon('workorders'),
    h('span', { class: 'grow' },
      h('b', {}, `${opt('category', w.category)} · ${w.unit || ''}`),
      h('small', {}, opt('status', w.status) + ' · ' +
        t('now.clock', { clock: opt('clock', w.clock) }))),
    w.breached ? h('span', { class: 'late' }, t('now.breached'))
      : left(w.left_ms, 0)));
  }

  if ((r.vacant_due || []).length) {
    put(root, h('h2', {}, t('now.vacant')));
    for (const v of r.vacant_due) {
      put(root, h('button', { type: 'button', class: 'card row',
        onclick: () => app.go('inspection', { unit: v.unit }) },
      icon('inspection'), h('span', { class: 'grow' }, h('b', {}, v.unit),
        h('small', {}, v.last_ms ? t('now.vacant_last',
          { t: dateTime(v.last_ms) }) : t('now.vacant_never')))));
    }
  }
}
