// handover.js: shift change on one device. The outgoing guard counts keys,
// radios and tools and names the incoming one (handover.create); the
// incoming guard then signs in with her own PIN on the same device and
// acknowledges with her own count (handover.ack; the library compares).
import * as api from '../api.js';
import { h, clear, btn, field, put } from '../dom.js';
import { t, opt, errText, dateTime } from '../i18n.js';

const presets = ['master_key', 'radio', 'torch', 'baton'];

// "master key=3;radio=2" <-> [[name, count]]
function parseItems(s) {
  return (s || '').split(';').filter(Boolean).map((p) => {
    const i = p.lastIndexOf('=');
    return [p.slice(0, i), Number(p.slice(i + 1)) || 0];
  });
}
function counter(id, label, n) {
  let v = n;
  const out = h('output', { id: id + '-n', class: 'count' }, String(v));
  const set = (x) => { v = Math.max(0, x); out.textContent = String(v); };
  const row = h('div', { class: 'counter', id },
    h('span', { class: 'grow' }, label),
    btn(id + '-minus', '−', () => set(v - 1), 'key small'), out,
    btn(id + '-plus', '+', () => set(v + 1), 'key small'));
  return { row, get: () => v };
}

export async function render(root, app) {
  put(root, h('h1', {}, t('nav.handover')));
  const now = await api.get('/api/now');
  if (!now.ok && now.status === 401) return app.go('signin');
  let pending = (now.ok && now.handovers_to_ack) || [];
  if (!now.ok) {
    // Without the Now document: the open handovers named to me.
    const open = await api.records('handover', { open: 1 });
    pending = ((open.ok && open.records) || [])
      .filter((r) => r.status === 'pending' && r.fields.to === app.user)
      .map((r) => ({ id: r.id, from: r.fields.by, created_ms: r.created_ms,
        items: r.fields.items || '' }));
  }
  const names = await api.staffNames();
  const who = (id) => names[id] || id || '';
  for (const ho of pending) ack(root, app, { ...ho, from: who(ho.from) });
  give(root, app);
  const hist = await api.records('handover', { limit: 5 });
  if (hist.ok && hist.records.length) {
    put(root, h('h2', {}, t('ho.recent')));
    for (const r of hist.records) {
      const f = r.fields || {};
      put(root, h('div', { class: 'card' }, h('b', {},
        t('ho.line', { from: who(f.by), to: who(f.to) })),
      h('small', {}, `${opt('status', r.status)} · ${dateTime(r.created_ms)}` +
        (f.items ? ' · ' + f.items : ''))));
    }
  }
}

function ack(root, app, ho) {
  const items = parseItems(ho.items);
  const counters = items.map(([name, n], i) =>
    counter('ack-item-' + i, name, n));
  const msg = h('p', { id: 'ack-msg', class: 'msg' });
  put(root, h('div', { class: 'card warn', id: 'ack-' + ho.id },
    h('b', {}, t('now.ack', { from: ho.from })),
    h('small', {}, dateTime(ho.created_ms)),
    items.length ? h('p', { class: 'hint' }, t('ho.recount')) : null,
    counters.map((c) => c.row), msg,
    btn('ack-submit', t('ho.ack'), async () => {
      const confirm = items.map(([name], i) => `${name}=${counters[i].get()}`)
        .join(';');
      const r = await api.record('handover.ack', { confirm }, ho.id);
      msg.className = 'msg ' + (r.ok ? 'ok' : 'bad');
      msg.textContent = r.ok ? t('ho.acked') : errText(r.error);
      if (r.ok && r.warning) put(msg, h('small', {}, r.warning));
    }, 'big go')));
}

async function give(root, app) {
  const staff = await api.get('/api/staff');
  const to = h('select', {});
  for (const s of (staff.ok && staff.staff) || []) {
    if (s.staff === app.user) continue;
    put(to, h('option', { value: s.staff }, `${s.name || s.staff} · ` +
      opt('role', s.role)));
  }
  const rows = h('div', {});
  const counters = [];
  const addRow = (name, n) => {
    const c = counter('ho-item-' + counters.length, name, n);
    c.name = name;
    counters.push(c);
    put(rows, c.row);
  };
  for (const p of presets) addRow(opt('item', p), 0);
  const other = h('input', { autocomplete: 'off', placeholder: t('ho.other') });
  const notes = h('textarea', { rows: 2 });
  const msg = h('p', { id: 'ho-msg', class: 'msg' });
  const box = h('div', { class: 'form', id: 'ho-form' });
  put(box, h('h2', {}, t('ho.give')),
    field('ho-to', t('f.to'), to),
    h('p', { class: 'hint' }, t('ho.count')), rows,
    h('div', { class: 'two' }, other, btn('ho-add', t('ho.add'), () => {
      if (other.value.trim()) addRow(other.value.trim(), 1);
      other.value = '';
    }, 'small')),
    field('ho-notes', t('f.notes'), notes), msg,
    btn('ho-submit', t('ho.submit'), async () => {
      const items = counters.filter((c) => c.get() > 0)
        .map((c) => `${c.name}=${c.get()}`).join(';');
      const r = await api.record('handover.create', { to: to.value, items,
        notes: notes.value.trim() });
      msg.className = 'msg ' + (r.ok ? 'ok' : 'bad');
      if (!r.ok) {
        msg.textContent = errText(r.error);
        return;
      }
      const who = to.selectedOptions[0].textContent.split(' · ')[0];
      put(clear(box), h('p', { class: 'msg ok', id: 'ho-done' },
        t('ho.done', { who })),
      btn('ho-switch', t('ho.switch', { who }), () => app.go('signin',
        { staff: to.value, then: 'handover', note: t('ho.switch_note') }),
      'big go'));
    }, 'big go'));
  put(root, box);
}
