// login.js: sign in (POST /api/login). A wrong password says how many
// tries are left; a locked account says until when (the server's lockout:
// server/accounts.h); both in words.
import * as api from '../api.js';
import { h, put } from '../dom.js';
import { t, errText } from '../i18n.js';

export async function show(root, app) {
  const name = h('input', { id: 'login-name', name: 'username',
    autocomplete: 'username', required: true, autocapitalize: 'off',
    spellcheck: 'false' });
  const pw = h('input', { id: 'login-password', type: 'password',
    name: 'password', autocomplete: 'current-password', required: true });
  const msg = h('p', { id: 'login-msg', class: 'msg', role: 'alert' });
  const go = h('button', { id: 'login-submit', type: 'submit',
    class: 'btn primary' }, t('login.submit'));
  const form = h('form', { class: 'card login', onsubmit: async (e) => {
    e.preventDefault();
    go.disabled = true;
    app.say(msg, '');
    const r = await api.post('/api/login', { name: name.value,
      password: pw.value });
    go.disabled = false;
    if (!r.ok) {
      pw.value = '';
      app.say(msg, errText(r.error), 'err');
      pw.focus();
      return;
    }
    app.setSession(r);
    app.go(app.site ? 'board' : 'sites');
  } },
  h('img', { class: 'logo', src: 'logo.svg', alt: '' }),
  h('h1', {}, t('login.title')),
  h('p', { class: 'hint' }, t('login.hint')),
  h('label', { class: 'fld', for: 'login-name' },
    h('span', {}, t('login.name')), name),
  h('label', { class: 'fld', for: 'login-password' },
    h('span', {}, t('login.password')), pw),
  msg, go,
  h('button', { id: 'login-lang', type: 'button', class: 'btn link',
    onclick: () => document.getElementById('lang-toggle').click() },
  t('lang.switch')));
  put(root, form);
  name.focus();
}
