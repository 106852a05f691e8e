// workorders.js: my jobs (GET /api/records?kind=workorder&open=1&mine=1)
// and every open one; take a reported job, arrive, complete with labour,
// materials, the resident's name and signature drawn on the screen; file a
// new repair. The state machine and the clocks are the library's.
import * as api from '../api.js';
import { h, clear, btn, field, icon, put } from '../dom.js';
import { t, opt, errText, dateTime } from '../i18n.js';
import { sigpad } from '../sigpad.js';
import { attachBox } from '../attach.js';

const cats = ['plumbing', 'electrical', 'elevator', 'door_window',
  'public_lighting', 'public_facility', 'structure', 'heating', 'other'];

export async function render(root, app) {
  const view = app.params.view || 'mine';
  const bar = h('div', { class: 'tabs' });
  for (const k of ['mine', 'open', 'new']) {
    put(bar, h('button', { type: 'button', id: 'wo-tab-' + k,
      class: 'tab' + (k === view ? ' on' : ''),
      onclick: () => app.go('workorders', { view: k }) }, t('wo.tab.' + k)));
  }
  put(root, h('h1', {}, t('nav.workorders')), bar);
  if (app.params.open) return detail(root, app, app.params.open);
  if (view === 'new') return create(root, app);
  const q = { open: 1 };
  if (view === 'mine') q.mine = 1;
  const r = await api.records('workorder', q);
  if (!r.ok) {
    if (r.status === 401) return app.go('signin');
    put(root, h('p', { class: 'msg bad' }, errText(r.error)));
    return;
  }
  if (!r.records.length) put(root, h('p', { class: 'hint', id: 'wo-none' },
    t('wo.none')));
  for (const w of r.records) {
    const f = w.fields || {};
    put(root, h('button', { type: 'button', id: 'wo-' + w.id,
      class: 'card row' + (f.priority === 'urgent' ? ' bad' : ''),
      onclick: () => app.go('workorders', { view, open: w.id }) },
    icon('workorders'), h('span', { class: 'grow' },
      h('b', {}, `${opt('category', f.category)} · ${f.place || ''}`),
      h('small', {}, (f.description || '') + ' · ' + dateTime(w.created_ms))),
    h('span', { class: 'tag ' + w.status }, opt('status', w.status))));
  }
}

async function detail(root, app, id) {
  const r = await api.get('/api/records/' + encodeURIComponent(id));
  if (!r.ok) {
    put(root, h('p', { class: 'msg bad' }, errText(r.error)));
    return;
  }
  const w = r.record, f = w.fields || {};
  const msg = h('p', { id: 'wo-msg', class: 'msg' });
  const act = async (verb, fields) => {
    const x = await api.record(verb, fields, id);
    if (x.ok) {
      await app.go('workorders', { view: app.params.view, open: id });
      app.toast(t('wo.done.' + verb.split('.')[1]));
    } else {
      msg.className = 'msg bad';
      msg.textContent = errText(x.error);
    }
    return x;
  };
  put(root, h('div', { class: 'card' },
    h('div', { class: 'row' }, h('b', { class: 'grow' },
      `${opt('category', f.category)} · ${f.place || ''}`),
    h('span', { class: 'tag ' + w.status, id: 'wo-status' },
      opt('status', w.status))),
    h('p', {}, f.description || ''),
    h('small', {}, [f.priority === 'urgent' ? t('wo.urgent') : '',
      f.assignee ? t('wo.assignee', { who: f.assignee }) : '',
      dateTime(w.created_ms)].filter(Boolean).join(' · '))), msg,
  attachBox(w.id));
  const st = w.status;
  if (st === 'reported' || st === 'reopened') {
    put(root, btn('wo-take', t('wo.take'), () => act('workorder.dispatch',
      { assignee: app.user }), 'big'));
  }
  if (st === 'dispatched') {
    put(root, btn('wo-arrive', t('wo.arrive'),
      () => act('workorder.arrive', {}), 'big go'));
  }
  if (st === 'arrived') complete(root, act);
  put(root, btn('wo-back', t('back'), () => app.go('workorders',
    { view: app.params.view }), 'ghost'));
}

function complete(root, act) {
  const labour = h('input', { type: 'number', min: 1, inputmode: 'numeric' });
  const quick = h('div', { class: 'chips' });
  for (const m of [15, 30, 60, 120]) {
    put(quick, btn('wo-labour-' + m, t('t.min', { n: m }), () => {
      labour.value = String(m);
    }, 'chip'));
  }
  const materials = h('input', { autocomplete: 'off' });
  const note = h('input', { autocomplete: 'off' });
  const name = h('input', { autocomplete: 'off' });
  const pad = sigpad('wo-sigpad');
  put(root, h('h2', {}, t('wo.complete_title')), h('div', { class: 'form' },
    field('wo-labour', t('f.labour_min'), labour), quick,
    field('wo-materials', t('f.materials'), materials),
    field('wo-note', t('f.note'), note),
    field('wo-signer', t('f.signature'), name),
    h('div', { class: 'sigbox' }, h('span', {}, t('wo.sign_here')), pad.el),
    btn('wo-sig-clear', t('wo.sign_clear'), () => pad.clear(), 'ghost'),
    btn('wo-complete', t('wo.complete'), () => act('workorder.complete', {
      labour_min: labour.value.trim(), materials: materials.value.trim(),
      note: note.value.trim(), signature: name.value.trim(),
      signature_strokes: pad.empty() ? '' : pad.text() }), 'big go')));
}

function create(root, app) {
  let cat = '';
  let urgent = false;
  const place = h('input', { autocomplete: 'off', placeholder: t('ph.place') });
  const desc = h('textarea', { rows: 3 });
  const contact = h('input', { autocomplete: 'off' });
  const grid = h('div', { class: 'grid3', id: 'wo-cats' });
  const msg = h('p', { id: 'wo-new-msg', class: 'msg' });
  for (const c of cats) {
    put(grid, h('button', { type: 'button', id: 'wo-cat-' + c,
      class: 'btn tile', onclick: (e) => {
        cat = c;
        grid.querySelectorAll('.on').forEach((b) => b.classList.remove('on'));
        e.currentTarget.classList.add('on');
      } }, opt('category', c)));
  }
  const urg = btn('wo-urgent', t('wo.urgent'), () => {
    urgent = !urgent;
    urg.classList.toggle('on', urgent);
  }, 'toggle');
  put(root, h('div', { class: 'form' },
    field('wo-place', t('f.place'), place),
    h('span', { class: 'lbl' }, t('f.category')), grid,
    field('wo-desc', t('f.description'), desc),
    field('wo-contact', t('f.contact'), contact), urg, msg,
    btn('wo-create', t('wo.create'), async () => {
      const r = await api.record('workorder.create', { place:
        place.value.trim(), category: cat, description: desc.value.trim(),
      contact: contact.value.trim(), priority: urgent ? 'urgent' : '' });
      if (!r.ok) {
        msg.className = 'msg bad';
        msg.textContent = errText(r.error);
        return;
      }
      await app.go('workorders', { view: 'open', open: r.id });
      app.toast(t('wo.created'));
    }, 'big go')));
}
