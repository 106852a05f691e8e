// dash.js: the office dashboard's shell: the session (GET /api/session),
// the header (site, pages, who is signed in, language, sign out), hash
// routing (#/page?key=value) and the pages' life cycle. Pages live in
// js/pages/; each exports show(root, app, params) and may export leave().
// Every rule is the API's (docs/WEB-API.md): the page shows and asks.
import * as api from './js/api.js';
import { h, clear, put } from './js/dom.js';
import { t, setLang, savedLang, getLang, errText, opt } from './js/i18n.js';
import * as login from './js/pages/login.js';
import * as sites from './js/pages/sites.js';
import * as board from './js/pages/board.js';
import * as workorders from './js/pages/workorders.js';
import * as registers from './js/pages/registers.js';
import * as md from './js/pages/md.js';
import * as devices from './js/pages/devices.js';
import * as reports from './js/pages/reports.js';

const pages = { login, sites, board, workorders, registers, md, devices,
  reports };
const navItems = ['board', 'workorders', 'registers', 'md', 'devices',
  'reports'];
const SITE_KEY = 'rounds.dash.site';

const app = {
  session: null,
  site: null,
  page: null,
  go,
  errText,
  refreshSession,
  setSession,
  // The parameters every per-site call carries.
  q: (extra) => Object.assign({ site: app.site, lang: getLang() }, extra),
  role: () => {
    const s = app.session && (app.session.sites || []).find((x) =>
      x.name === app.site);
    return s ? s.role : '';
  },
  pickSite,
};

// A message line: text in words, kind "err" or "ok"; empty text hides it.
app.say = (el, text, kind) => {
  el.textContent = text || '';
  el.className = 'msg' + (text ? ' ' + (kind || 'err') : '');
};
// An API failure in words on a message line.
app.fail = (el, r) => app.say(el, errText(r && r.error), 'err');

function setSession(s) {
  app.session = s && s.signed_in ? s : null;
  api.setCsrf(app.session ? app.session.csrf : '');
  if (!app.session) return;
  const names = (app.session.sites || []).map((x) => x.name);
  let want = app.site;
  if (!want) {
    try { want = localStorage.getItem(SITE_KEY); } catch (e) { want = null; }
  }
  app.site = names.includes(want) ? want : names.length === 1 ? names[0] :
    null;
}

async function refreshSession() {
  const s = await api.get('/api/session');
  setSession(s.ok ? s : null);
  return s;
}

function pickSite(name) {
  app.site = name;
  try { localStorage.setItem(SITE_KEY, name); } catch (e) { /* ignore */ }
  go('board');
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [name, query] = raw.split('?');
  const params = Object.fromEntries(new URLSearchParams(query || ''));
  return { name: name || 'board', params };
}

function go(name, params) {
  const q = new URLSearchParams(params || {}).toString();
  const want = '#/' + name + (q ? '?' + q : '');
  if (location.hash === want) route();
  else location.hash = want;
}

function drawHeader() {
  const top = document.getElementById('top');
  const on = !!app.session;
  top.classList.toggle('hidden', !on);
  document.title = t('app.title');
  document.getElementById('brand-name').textContent = t('app.name');
  const lt = document.getElementById('lang-toggle');
  lt.textContent = t('lang.other');
  lt.title = t('lang.switch');
  document.getElementById('logout').textContent = t('logout');
  if (!on) return;
  const sb = document.getElementById('site-btn');
  sb.textContent = app.site ? t('site.current', { site: app.site }) :
    t('site.pick');
  const nav = clear(document.getElementById('nav'));
  for (const n of navItems) {
    nav.appendChild(h('a', { id: 'nav-' + n, href: '#/' + n,
      class: 'navlink' + (app.page === n ? ' on' : '') }, t('nav.' + n)));
  }
  const u = app.session.user || {};
  clear(document.getElementById('who')).append(h('span', { class: 'uname' },
    u.name || ''), h('span', { class: 'urole' }, app.site ?
    opt('role', app.role()) : opt('role', u.role)));
}

let current = null;
let seq = 0;
async function route() {
  const { name, params } = parseHash();
  const my = ++seq;
  document.body.dataset.ready = '0';
  if (current && current.leave) current.leave();
  current = null;
  let page = name;
  if (!app.session) page = 'login';
  else if (page === 'login') page = 'board';
  if (app.session && page !== 'sites' && !app.site) page = 'sites';
  if (!pages[page]) page = 'board';
  app.page = page;
  drawHeader();
  const main = clear(document.getElementById('main'));
  const root = h('section', { class: 'page', data: { page } });
  main.appendChild(root);
  current = pages[page];
  try {
    await current.show(root, app, params);
  } catch (e) {
    console.error(e);
    put(root, h('p', { class: 'msg err' }, t('err.page')));
  }
  if (my === seq) document.body.dataset.ready = '1';
}
app.route = route;

async function start() {
  setLang(savedLang(), false);
  api.onExpired(() => {
    if (!app.session) return;
    app.session = null;
    api.setCsrf('');
    route();
  });
  document.getElementById('lang-toggle').addEventListener('click', () => {
    setLang(getLang() === 'zh-CN' ? 'en' : 'zh-CN', true);
    route();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await api.post('/api/logout', {});
    setSession(null);
    go('login');
  });
  document.getElementById('site-btn').addEventListener('click', () =>
    go('sites'));
  window.addEventListener('hashchange', route);
  await refreshSession();
  await route();
}
start();
