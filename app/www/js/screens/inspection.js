// inspection.js: the vacant-unit checklist as big pass/fail buttons
// (inspection.record). A failed item opens a work order: the library's
// rule, shown in the answer.
import * as api from '../api.js';
import { h, clear, btn, field, put } from '../dom.js';
import { t, errText, dateTime } from '../i18n.js';
import { attachBox } from '../attach.js';

const items = ['doors_windows', 'water', 'power', 'gas', 'leaks', 'cracks'];

export async function render(root, app) {
  put(root, h('h1', {}, t('nav.inspection')));
  const due = await api.get('/api/now');
  const unit = h('input', { autocomplete: 'off', placeholder: t('ph.unit'),
    value: app.params.unit || '' });
  const chips = h('div', { class: 'chips' });
  for (const v of (due.ok && due.vacant_due) || []) {
    put(chips, btn('insp-unit-' + v.unit, v.unit, () => {
      unit.value = v.unit;
    }, 'chip'));
  }
  const picked = {};
  const list = h('div', { class: 'checks' });
  for (const it of items) {
    const ok = btn(`insp-${it}-ok`, t('insp.pass'), () => set(it, 'ok'),
      'pf pass');
    const bad = btn(`insp-${it}-fail`, t('insp.fail'), () => set(it, 'fail'),
      'pf fail');
    put(list, h('div', { class: 'check', id: 'insp-' + it },
      h('span', { class: 'grow' }, t('insp.' + it)), ok, bad));
  }
  function set(it, v) {
    picked[it] = v;
    const row = document.getElementById('insp-' + it);
    row.querySelector('.pass').classList.toggle('on', v === 'ok');
    row.querySelector('.fail').classList.toggle('on', v === 'fail');
  }
  const note = h('textarea', { rows: 2 });
  const msg = h('p', { id: 'insp-msg', class: 'msg' });
  put(root, h('div', { class: 'form' },
    field('insp-unit', t('f.unit'), unit), chips,
    due.ok && !(due.vacant_due || []).length
      ? h('p', { class: 'hint' }, t('insp.none_due')) : null,
    h('p', { class: 'hint' }, t('insp.tap_each')), list,
    field('insp-note', t('f.note'), note), msg,
    btn('insp-submit', t('insp.record'), async () => {
      const missing = items.filter((i) => !picked[i]);
      if (missing.length) {
        msg.className = 'msg bad';
        msg.textContent = t('insp.missing', { n: missing.length });
        return;
      }
      const r = await api.record('inspection.record', { unit:
        unit.value.trim(), note: note.value.trim(), ...picked });
      msg.className = 'msg ' + (r.ok ? 'ok' : 'bad');
      if (!r.ok) {
        msg.textContent = errText(r.error);
        return;
      }
      const fails = items.filter((i) => picked[i] === 'fail').length;
      msg.textContent = fails ? t('insp.ok_fail', { n: fails })
        : t('insp.ok');
      if (r.warning) put(msg, h('small', {}, r.warning));
      clear(chips);
      // Photos of what was found go on the inspection just recorded.
      const old = document.getElementById('att-box');
      if (old) old.remove();
      msg.after(attachBox(r.id));
    }, 'big go')));
  const last = await api.records('inspection', { limit: 5 });
  if (last.ok && last.records.length) {
    put(root, h('h2', {}, t('insp.recent')));
    for (const r of last.records) {
      put(root, h('div', { class: 'card' }, h('b', {}, r.fields.unit || ''),
        h('small', {}, dateTime(r.created_ms))));
    }
  }
}
