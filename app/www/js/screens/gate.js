// gate.js: visitors in and out (ID type, masked ID, pass number), refused
// entries, unfamiliar vehicles in and out. The library checks the
// blacklist (a hit comes back as a warning shown full screen, which the
// guard must dismiss) and knows the residents' plates (a resident's car is
// refused with its sentence, explained here).
import * as api from '../api.js';
import { h, clear, btn, field, put } from '../dom.js';
import { t, opt, errText, clock, getLang } from '../i18n.js';

const idTypes = ['id_card', 'passport', 'hk_macau_permit', 'taiwan_permit',
  'driving_license', 'other', 'none'];
const purposes = ['visit', 'delivery', 'renovation', 'repair', 'other'];
const vtypes = ['car', 'van', 'truck', 'motorcycle', 'bus', 'other'];
const tabs = ['visitor', 'inside', 'vehicle', 'refuse'];

function select(values, group, value) {
  const s = h('select', {});
  for (const v of values)
    put(s, h('option', { value: v, selected: v === value }, opt(group, v)));
  return s;
}
function input(props) {
  return h('input', { autocomplete: 'off', ...(props || {}) });
}

export async function render(root, app) {
  const tab = app.params.tab || 'visitor';
  const bar = h('div', { class: 'tabs' });
  for (const k of tabs) {
    put(bar, h('button', { type: 'button', id: 'gate-tab-' + k,
      class: 'tab' + (k === tab ? ' on' : ''),
      onclick: () => app.go('gate', { tab: k }) }, t('gate.tab.' + k)));
  }
  put(root, h('h1', {}, t('nav.gate')), bar);
  const body = h('div', {});
  put(root, body);
  await ({ visitor, inside, vehicle, refuse })[tab](body, app);
}

// A blacklist hit, full screen: who, and the office's reason as the
// record carries it (blacklist_reason); the library's English sentence
// when the record cannot be read.
async function hit(app, r, who) {
  const rec = await api.get('/api/records/' + encodeURIComponent(r.id));
  const why = rec.ok && rec.record.fields.blacklist_reason;
  await app.alarm(t('gate.blacklist'), why
    ? t('gate.blacklist_why', { who, why }) : r.warning || '');
}

function out(el, r, app) {
  clear(el);
  el.className = 'msg ' + (r.ok ? 'ok' : 'bad');
  if (!r.ok && r.status === 401) app.go('signin');
}

async function visitor(body, app) {
  const f = {
    name: input(), id_type: select(idTypes, 'id_type', 'id_card'),
    id_no: input({ inputmode: 'text', autocapitalize: 'characters' }),
    unit: input({ placeholder: t('ph.unit') }),
    purpose: select(purposes, 'purpose', 'visit'),
    party: input({ type: 'number', min: 1, value: '1', inputmode: 'numeric' }),
    pass: input(), plate: input({ autocapitalize: 'characters' }),
    phone: input({ type: 'tel', inputmode: 'tel' }),
  };
  const msg = h('p', { id: 'visit-msg', class: 'msg' });
  const submit = async () => {
    const fields = {};
    for (const [k, el] of Object.entries(f)) fields[k] = el.value.trim();
    const r = await api.record('visit.enter', fields);
    out(msg, r, app);
    if (!r.ok) {
      msg.textContent = errText(r.error);
      return;
    }
    if (r.blacklist_hits > 0) {
      await hit(app, r, fields.name);
      msg.className = 'msg bad';
      msg.textContent = t('gate.blacklist_recorded', { name: fields.name });
    } else {
      msg.textContent = t('gate.visit_ok', { name: fields.name });
    }
    for (const k of ['name', 'id_no', 'unit', 'pass', 'plate', 'phone'])
      f[k].value = '';
  };
  put(body, h('div', { class: 'form' },
    field('visit-name', t('f.name'), f.name),
    h('div', { class: 'two' }, field('visit-idtype', t('f.id_type'), f.id_type),
      field('visit-idno', t('f.id_no'), f.id_no)),
    h('div', { class: 'two' }, field('visit-unit', t('f.unit'), f.unit),
      field('visit-purpose', t('f.purpose'), f.purpose)),
    h('div', { class: 'two' }, field('visit-pass', t('f.pass'), f.pass),
      field('visit-party', t('f.party'), f.party)),
    h('div', { class: 'two' }, field('visit-plate', t('f.plate'), f.plate),
      field('visit-phone', t('f.phone'), f.phone)),
    msg, btn('visit-submit', t('gate.visit_in'), submit, 'big go')));
}

async function inside(body, app) {
  const [v, c] = await Promise.all([
    api.records('visit', { open: 1 }), api.records('vehicle', { open: 1 })]);
  const msg = h('p', { id: 'inside-msg', class: 'msg' });
  put(body, msg);
  const bad = !v.ok ? v : !c.ok ? c : null;
  if (bad) {
    msg.className = 'msg bad';
    msg.textContent = errText(bad.error);
    return;
  }
  const list = (title, recs, verb, label) => {
    put(body, h('h2', {}, title + ` (${recs.length})`));
    if (!recs.length) put(body, h('p', { class: 'hint' }, t('gate.none')));
    for (const r of recs) {
      const fl = r.fields || {};
      const line = verb === 'visit.exit'
        ? [opt('id_type', fl.id_type), fl.id_no, fl.pass
          ? t('gate.pass_no', { p: fl.pass }) : '', fl.unit]
        : [opt('vtype', fl.type), fl.unit];
      put(body, h('div', { class: 'card row' + (fl.blacklist_hit === true ||
        fl.blacklist_hit === 'true' ? ' bad' : '') },
      h('span', { class: 'grow' }, h('b', {}, (fl.name || fl.plate || r.id) +
        ' · ' + clock(r.created_ms)),
      h('small', {}, line.filter(Boolean).join(' · ')),
      fl.blacklist_hit === true || fl.blacklist_hit === 'true'
        ? h('span', { class: 'tag bad' }, t('gate.bl_tag')) : null),
      btn('exit-' + r.id, label, async () => {
        const x = await api.record(verb, {}, r.id);
        out(msg, x, app);
        msg.textContent = x.ok ? t('gate.exit_ok') : errText(x.error);
        if (x.ok) app.go('gate', { tab: 'inside' });
      }, 'small')));
    }
  };
  list(t('gate.visitors_inside'), v.records, 'visit.exit', t('gate.out'));
  list(t('gate.vehicles_inside'), c.records, 'vehicle.exit', t('gate.out'));
}

async function vehicle(body, app) {
  const f = {
    plate: input({ autocapitalize: 'characters' }),
    type: select(vtypes, 'vtype', 'car'),
    unit: input({ placeholder: t('ph.unit') }),
    phone: input({ type: 'tel', inputmode: 'tel' }),
  };
  const msg = h('p', { id: 'vehicle-msg', class: 'msg' });
  const submit = async () => {
    const fields = {};
    for (const [k, el] of Object.entries(f)) fields[k] = el.value.trim();
    const r = await api.record('vehicle.enter', fields);
    out(msg, r, app);
    if (!r.ok) {
      // A resident's car: explained, not an error of the guard's.
      if (r.error.code === 'EEXIST') {
        msg.className = 'msg info';
        msg.id = 'vehicle-resident';
        msg.textContent = t('gate.resident_plate', { plate: fields.plate });
        // The library's sentence names the unit; in English it is shown.
        if (getLang() === 'en') put(msg, h('small', {}, r.error.message));
      } else {
        msg.textContent = errText(r.error);
      }
      return;
    }
    if (r.blacklist_hits > 0) {
      await hit(app, r, fields.plate);
      msg.className = 'msg bad';
      msg.textContent = t('gate.blacklist_recorded', { name: fields.plate });
    } else {
      msg.textContent = t('gate.vehicle_ok', { plate: fields.plate });
    }
    f.plate.value = '';
    f.unit.value = '';
    f.phone.value = '';
  };
  put(body, h('div', { class: 'form' },
    h('div', { class: 'two' }, field('vehicle-plate', t('f.plate'), f.plate),
      field('vehicle-type', t('f.vtype'), f.type)),
    h('div', { class: 'two' }, field('vehicle-unit', t('f.unit'), f.unit),
      field('vehicle-phone', t('f.phone'), f.phone)),
    msg, btn('vehicle-submit', t('gate.vehicle_in'), submit, 'big go')));
}

async function refuse(body, app) {
  const f = { name: input(), reason: h('textarea', { rows: 2 }),
    id_type: select(idTypes, 'id_type', 'none'), id_no: input() };
  const msg = h('p', { id: 'refuse-msg', class: 'msg' });
  const submit = async () => {
    const fields = {};
    for (const [k, el] of Object.entries(f)) fields[k] = el.value.trim();
    const r = await api.record('visit.refuse', fields);
    out(msg, r, app);
    msg.textContent = r.ok ? t('gate.refuse_ok', { name: fields.name })
      : errText(r.error);
  };
  put(body, h('div', { class: 'form' },
    field('refuse-name', t('f.name'), f.name),
    field('refuse-reason', t('f.reason'), f.reason),
    h('div', { class: 'two' }, field('refuse-idtype', t('f.id_type'),
      f.id_type), field('refuse-idno', t('f.id_no'), f.id_no)),
    msg, btn('refuse-submit', t('gate.refuse'), submit, 'big warn')));
}
