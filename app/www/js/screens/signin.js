// signin.js: pick who you are, then the PIN pad. The PIN is checked by the
// library (hh_signin): wrong PINs count down, five in a row lock the person
// on this device until the office sets a new PIN.
import * as api from '../api.js';
import { h, clear, icon, put } from '../dom.js';
import { t, opt, errText } from '../i18n.js';

export async function render(root, app) {
  // This screen is for whoever signs in next: the last person is out.
  if (app.user) await api.post('/api/signout');
  app.user = null;
  app.drawHeader();
  const r = await (api.takeStaff() || api.get('/api/staff'));
  if (!r.ok) {
    put(root, h('p', { class: 'msg bad' }, errText(r.error)));
    return;
  }
  if (app.params.staff) {
    const s = r.staff.find((x) => x.staff === app.params.staff);
    if (s) return pad(root, app, s, app.params.note);
  }
  pick(root, app, r.staff);
}

function pick(root, app, staff) {
  clear(root);
  put(root, h('h1', {}, t('signin.title')),
    h('p', { class: 'hint' }, t('signin.pick')));
  const list = h('div', { class: 'list' });
  for (const s of staff) {
    const state = s.locked ? t('signin.locked_short')
      : !s.has_pin ? t('signin.nopin_short') : '';
    put(list, h('button', { type: 'button', id: 'staff-' + s.staff,
      class: 'btn row' + (s.locked ? ' warn' : ''),
      data: { staff: s.staff },
      onclick: () => pad(root, app, s) },
    icon('person'),
    h('span', { class: 'grow' }, h('b', {}, s.name || s.staff),
      h('small', {}, opt('role', s.role) + ' · ' + s.staff)),
    state ? h('span', { class: 'tag' + (s.locked ? ' bad' : '') }, state)
      : null));
  }
  put(root, list);
}

function pad(root, app, s, note) {
  clear(root);
  let pin = '';
  const dots = h('div', { id: 'pin-dots', class: 'dots' });
  const msg = h('p', { id: 'pin-msg', class: 'msg' + (note ? ' ok' : '') },
    note || '');
  const draw = () => {
    clear(dots);
    for (let i = 0; i < Math.max(4, pin.length); i++)
      put(dots, h('span', { class: i < pin.length ? 'dot on' : 'dot' }));
  };
  const press = (d) => {
    if (pin.length < 8) pin += d;
    draw();
  };
  const submit = async () => {
    const r = await api.post('/api/signin', { staff: s.staff, pin });
    pin = '';
    draw();
    if (r.ok) {
      await app.refreshSession();
      await app.go(app.params.then || 'now');
      app.toast(t('signin.welcome', { name: s.name || s.staff }));
      return;
    }
    msg.className = 'msg bad';
    if (r.error.code === 'EAUTH' && r.error.tries_left === undefined &&
      typeof r.tries_left === 'number') r.error.tries_left = r.tries_left;
    msg.textContent = errText(r.error);
    // The pin branch answers ELOCKOUT (the contract said ELOCKED).
    if (['ELOCKED', 'ELOCKOUT'].includes(r.error.code))
      keys.classList.add('off');
  };
  const keys = h('div', { class: 'pad' });
  for (const d of ['1', '2', '3', '4', '5', '6', '7', '8', '9']) {
    put(keys, h('button', { type: 'button', id: 'pin-' + d,
      class: 'key', onclick: () => press(d) }, d));
  }
  put(keys, 
    h('button', { type: 'button', id: 'pin-clear', class: 'key small',
      onclick: () => { pin = ''; draw(); } }, t('signin.clear')),
    h('button', { type: 'button', id: 'pin-0', class: 'key',
      onclick: () => press('0') }, '0'),
    h('button', { type: 'button', id: 'pin-ok', class: 'key go',
      onclick: submit }, t('signin.ok')));
  if (s.locked) {
    msg.className = 'msg bad';
    msg.textContent = errText({ code: 'ELOCKOUT' });
    keys.classList.add('off');
  } else if (!s.has_pin) {
    msg.className = 'msg bad';
    msg.textContent = errText({ code: 'EFIELD', field: 'nopin' });
  }
  put(root, 
    h('div', { class: 'padhead' },
      h('button', { type: 'button', id: 'signin-back', class: 'btn ghost',
        onclick: () => app.go('signin') }, t('back')),
      h('div', { class: 'grow' }, h('b', {}, s.name || s.staff),
        h('small', {}, opt('role', s.role)))),
    h('p', { class: 'hint' }, t('signin.enter_pin')),
    dots, msg, keys);
  draw();
  // A hardware keyboard works too.
  root.tabIndex = -1;
  root.addEventListener('keydown', (e) => {
    if (/^[0-9]$/.test(e.key)) press(e.key);
    else if (e.key === 'Enter') submit();
    else if (e.key === 'Backspace') { pin = pin.slice(0, -1); draw(); }
  });
  root.focus();
}
