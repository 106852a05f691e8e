// sync.js: one button. POST /api/sync starts a sync on the app's own
// thread; GET /api/sync is polled for its phase and progress; the result
// (what went up and down), the last sync time and errors in words.
import * as api from '../api.js';
import { h, clear, btn, put } from '../dom.js';
import { t, opt, errText, dateTime } from '../i18n.js';

export async function render(root, app) {
  const bar = h('progress', { id: 'sync-progress', max: 1, value: 0 });
  const phase = h('p', { id: 'sync-phase', class: 'hint' });
  const res = h('div', { id: 'sync-result' });
  const info = h('p', { id: 'sync-info' });
  const go = btn('sync-start', t('sync.start'), start, 'huge go');
  put(root, h('h1', {}, t('nav.sync')), info, go, bar, phase, res);

  const draw = (s) => {
    put(clear(info), t('sync.last', { t: s.last_sync_ms
      ? dateTime(s.last_sync_ms) : t('sync.never') }), h('br'),
    t('sync.unsynced', { n: s.unsynced ?? 0 }));
    go.disabled = s.state === 'running';
    bar.max = s.total || 1;
    bar.value = s.state === 'done' ? bar.max : s.done || 0;
    phase.textContent = s.state === 'running' ? t('sync.running',
      { phase: s.phase ? opt('phase', s.phase) : '' }) : '';
    clear(res);
    if (s.state === 'done' && s.result) {
      res.className = 'msg ok';
      res.id = 'sync-result';
      put(res, h('b', { id: 'sync-done' }, t('sync.done')), h('br'),
        t('sync.updown', { up: s.result.pushed, down: s.result.pulled }));
    } else if (s.state === 'failed') {
      res.className = 'msg bad';
      put(res, h('b', { id: 'sync-failed' }, t('sync.failed')), h('br'),
        errText(s.error));
    } else {
      res.className = '';
    }
  };
  let polling = false;
  async function poll() {
    if (polling) return;
    polling = true;
    for (;;) {
      const s = await api.get('/api/sync');
      if (!root.isConnected) break;
      if (!s.ok) {
        put(clear(res), errText(s.error));
        res.className = 'msg bad';
        break;
      }
      draw(s);
      if (s.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    polling = false;
  }
  async function start() {
    go.disabled = true;
    clear(res).className = ''; // the last sync's result is history now
    phase.textContent = t('sync.running', { phase: '' });
    const r = await api.post('/api/sync');
    if (!r.ok && r.status !== 409) {
      go.disabled = false;
      res.className = 'msg bad';
      put(clear(res), errText(r.error));
      return;
    }
    await poll();
  }
  const s = await api.get('/api/sync');
  if (s.ok) {
    draw(s);
    if (s.state === 'running') poll();
  } else if (s.status === 401) {
    return app.go('signin');
  }
}
