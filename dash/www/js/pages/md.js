// md.js: master data. The kinds, their fields, types, choices and which
// field is the key all come from GET /api/md/kinds (srv_md_kinds(), the
// table the CLI's admin commands are made from): this file knows no field.
// Lists: GET /api/md; add, set and retire: POST /api/md (a manager's);
// staff PINs: POST /api/staff/pin; tag sheets: GET /api/tags/sheet.
import * as api from '../api.js';
import { h, clear, put } from '../dom.js';
import { t } from '../i18n.js';
import { table } from '../table.js';
import { field } from '../form.js';

let kindsCache = null;

export async function show(root, app, params) {
  const msg = h('p', { id: 'md-msg', class: 'msg', role: 'alert' });
  put(root, h('h1', {}, t('nav.md')), msg);
  if (!kindsCache || kindsCache.lang !== document.documentElement.lang) {
    const r = await api.get('/api/md/kinds', { lang:
      document.documentElement.lang });
    if (!r.ok) return app.fail(msg, r);
    kindsCache = { lang: document.documentElement.lang, kinds: r.kinds || [] };
  }
  const kinds = kindsCache.kinds;
  const kind = kinds.find((k) => k.noun === params.kind) || kinds[0];
  if (!kind) return;
  const has = (name) => (kind.fields || []).some((f) => f.name === name ||
    f.flag === name);
  root.insertBefore(h('div', { class: 'tabs', role: 'tablist' }, kinds.map(
    (k) => h('a', { id: 'md-kind-' + k.noun, role: 'tab', class: 'tab' +
      (k === kind ? ' on' : ''), href: '#/md?kind=' + k.noun },
    k.title || k.plural))), msg);

  // The list, with retired ones (all=1) and vacant only where the kind has
  // a "vacant" field.
  const all = h('input', { id: 'md-all', type: 'checkbox' });
  all.checked = params.all === '1';
  const vacant = h('input', { id: 'md-vacant', type: 'checkbox' });
  vacant.checked = params.vacant === '1';
  const relist = () => app.go('md', { kind: kind.noun, all: all.checked ?
    '1' : '', vacant: vacant.checked ? '1' : '' });
  all.addEventListener('change', relist);
  vacant.addEventListener('change', relist);
  const filters = h('div', { class: 'filters' },
    h('label', { class: 'check', for: 'md-all' }, all, t('md.all')),
    has('vacant') ? h('label', { class: 'check', for: 'md-vacant' }, vacant,
      t('md.vacant')) : null);

  // The form: mode, target (set, retire), the kind's fields, a reason.
  const mode = h('select', { id: 'md-mode' }, ['add', 'set', 'retire'].map(
    (m) => h('option', { value: m }, t('md.mode.' + m))));
  const target = h('input', { id: 'md-target' });
  const reason = h('input', { id: 'md-reason' });
  const fs = (kind.fields || []).map((f) => field({ name: f.flag,
    label: f.title || f.flag, help: f.help, required: false,
    type: f.type, choices: f.choices, default: f.default, hintDefault: true,
    min: f.min, max: f.max, req: f.required, key: f.key }, 'md-f-' + f.flag));
  const fm = h('p', { class: 'msg', role: 'alert', id: 'md-form-msg' });
  const targetWrap = h('label', { class: 'fld', for: 'md-target' },
    h('span', {}, t('md.target')), target);
  const reasonWrap = h('label', { class: 'fld', for: 'md-reason' },
    h('span', {}, t('md.reason')), reason);
  function modeChanged() {
    const m = mode.value;
    targetWrap.classList.toggle('hidden', m === 'add');
    target.required = m !== 'add';
    reasonWrap.classList.toggle('hidden', m !== 'retire');
    for (const f of fs) {
      f.el.classList.toggle('hidden', m === 'retire');
      // Required on add only; a set changes what is filled in.
      f.input.required = m === 'add' && !!f.spec.req;
      f.el.querySelector('.req')?.remove();
      if (f.input.required) f.el.firstChild.append(h('b', { class: 'req' },
        ' *'));
    }
  }
  mode.addEventListener('change', modeChanged);
  const form = h('form', { id: 'md-form', class: 'card', onsubmit:
    async (e) => {
      e.preventDefault();
      const v = {};
      if (mode.value !== 'retire') {
        for (const f of fs) {
          const x = f.read();
          if (x !== undefined) v[f.spec.name] = x;
        }
      }
      const body = { site: app.site, kind: kind.noun, mode: mode.value,
        values: v };
      if (mode.value !== 'add') body.target = target.value;
      if (reason.value) body.reason = reason.value;
      const r = await api.post('/api/md', body);
      if (!r.ok) return app.fail(fm, r);
      app.say(fm, t('md.done.' + (r.action || mode.value), { key: r.key ||
        target.value, revived: r.revived ? t('md.revived') : '' }), 'ok');
      await load();
    } }, h('h2', {}, t('md.edit', { kind: kind.title || kind.noun })),
  h('div', { class: 'grid' }, h('label', { class: 'fld', for: 'md-mode' },
    h('span', {}, t('md.mode')), mode), targetWrap, reasonWrap,
  fs.map((f) => f.el)), fm,
  h('button', { type: 'submit', class: 'btn primary', id: 'md-save' },
    t('md.save')));
  modeChanged();

  const list = h('div', { id: 'md-list' });
  put(root, filters, list, form);
  if (kind.noun === 'staff') put(root, pinForm(app));
  if (kind.noun === 'route' || kind.noun === 'checkpoint')
    put(root, tagSheets(app));

  const keyField = (kind.fields || []).find((f) => f.key);
  async function load() {
    const r = await api.get('/api/md', app.q({ kind: kind.noun,
      all: all.checked, vacant: vacant.checked && has('vacant') }));
    if (!r.ok) return app.fail(msg, r);
    const cols = (r.table && r.table.columns) || [];
    const ki = keyField ? cols.findIndex((c) => c.key === keyField.name ||
      c.key === keyField.flag) : -1;
    clear(list).append(table(r.table, { id: 'tbl-md', onRow: (row) => {
      mode.value = 'set';
      target.value = row.cells ? String(row.cells[Math.max(ki, 0)] ?? '') :
        '';
      modeChanged();
      form.scrollIntoView({ block: 'start' });
    } }), h('p', { class: 'hint' }, t('md.tap')));
  }
  await load();
}

function pinForm(app) {
  const staff = h('input', { id: 'pin-staff', required: true });
  const pin = h('input', { id: 'pin-pin', type: 'password',
    inputmode: 'numeric', autocomplete: 'new-password' });
  const m = h('p', { class: 'msg', role: 'alert', id: 'pin-msg' });
  const send = async (clearIt) => {
    const body = { site: app.site, staff: staff.value };
    if (clearIt) body.clear = true;
    else body.pin = pin.value;
    const r = await api.post('/api/staff/pin', body);
    pin.value = '';
    if (!r.ok) return app.fail(m, r);
    app.say(m, t(clearIt ? 'pin.cleared' : 'pin.set', { staff: staff.value }),
      'ok');
  };
  return h('form', { class: 'card', id: 'pin-form', onsubmit: (e) => {
    e.preventDefault();
    send(false);
  } }, h('h2', {}, t('pin.title')), h('p', { class: 'hint' }, t('pin.hint')),
  h('div', { class: 'grid' }, h('label', { class: 'fld', for: 'pin-staff' },
    h('span', {}, t('pin.staff')), staff),
  h('label', { class: 'fld', for: 'pin-pin' }, h('span', {}, t('pin.pin')),
    pin)), m,
  h('div', { class: 'row' }, h('button', { type: 'submit',
    class: 'btn primary', id: 'pin-set' }, t('pin.setgo')),
  h('button', { type: 'button', class: 'btn', id: 'pin-clear', onclick:
    () => staff.reportValidity() && send(true) }, t('pin.clear'))));
}

function tagSheets(app) {
  const route = h('input', { id: 'tags-route' });
  const links = h('div', { class: 'row' });
  const draw = () => {
    clear(links);
    for (const fmt of ['pdf', 'svg']) {
      links.appendChild(h('a', { class: 'btn', id: 'tags-' + fmt,
        download: `tags-${app.site}${route.value ? '-' + route.value : ''}.` +
          fmt, href: '/api/tags/sheet' + api.qs({ site: app.site,
          route: route.value, format: fmt }) }, t('tags.' + fmt)));
    }
  };
  route.addEventListener('input', draw);
  draw();
  return h('section', { class: 'card', id: 'tags' }, h('h2', {},
    t('tags.title')), h('p', { class: 'hint' }, t('tags.hint')),
  h('div', { class: 'row' }, h('label', { class: 'fld', for: 'tags-route' },
    h('span', {}, t('tags.route')), route), links));
}
