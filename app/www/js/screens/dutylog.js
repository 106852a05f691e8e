// dutylog.js: the duty log (log.note) and its latest entries.
import * as api from '../api.js';
import { h, btn, field, put } from '../dom.js';
import { t, errText, dateTime } from '../i18n.js';

export async function render(root, app) {
  const text = h('textarea', { rows: 3, placeholder: t('log.ph') });
  const msg = h('p', { id: 'log-msg', class: 'msg' });
  put(root, h('h1', {}, t('nav.dutylog')), h('div', { class: 'form' },
    field('log-text', t('f.text'), text), msg,
    btn('log-submit', t('log.record'), async () => {
      const r = await api.record('log.note', { text: text.value.trim() });
      if (!r.ok) {
        msg.className = 'msg bad';
        msg.textContent = errText(r.error);
        return;
      }
      await app.go('dutylog');
      app.toast(t('log.ok'));
    }, 'big go')));
  const r = await api.records('dutylog', { limit: 20 });
  put(root, h('h2', {}, t('log.recent')));
  if (!r.ok) {
    if (r.status === 401) return app.go('signin');
    put(root, h('p', { class: 'msg bad' }, errText(r.error)));
    return;
  }
  if (!r.records.length) put(root, h('p', { class: 'hint' }, t('log.none')));
  const names = r.records.length ? await api.staffNames() : {};
  for (const e of r.records) {
    put(root, h('div', { class: 'card log' }, h('p', {}, e.fields.text || ''),
      h('small', {}, `${dateTime(e.created_ms)} · ` +
        (names[e.fields.by] || e.fields.by || ''))));
  }
}
