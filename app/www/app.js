// app.js: the handheld app's shell: session, header (who is signed in,
// language, theme), the bottom navigation, the screens' router, the toast
// and the full-screen alarm. Screens live in js/screens/; every rule is the
// C library's, reached through js/api.js.
import * as api from './js/api.js';
import { h, clear, icon, show, put } from './js/dom.js';
import { t, setLang, getLang, errText } from './js/i18n.js';
import * as signin from './js/screens/signin.js';
import * as now from './js/screens/now.js';

// Sign-in and Now load with the shell; the other screens when first
// opened, and in the background once the first screen is drawn. As
// served, /app.js is this file with every module it imports inside it
// (app/app_bundle.c, at build time), the loaders below resolved already: the
// first screen waits for one script (docs/PERFORMANCE.md, "The handheld
// app"). Served as written (another server), it loads them as modules.
const loaders = {
  scan: () => import('./js/screens/scan.js'),
  gate: () => import('./js/screens/gate.js'),
  workorders: () => import('./js/screens/workorders.js'),
  inspection: () => import('./js/screens/inspection.js'),
  handover: () => import('./js/screens/handover.js'),
  dutylog: () => import('./js/screens/dutylog.js'),
  sync: () => import('./js/screens/sync.js'),
  more: () => import('./js/screens/more.js'),
  enroll: () => import('./js/screens/enroll.js'),
};
const screens = { signin, now };

async function screenOf(name) {
  if (!screens[name]) screens[name] = await loaders[name]();
  return screens[name];
}

let prefetched = false;
function prefetchScreens() {
  if (prefetched) return;
  prefetched = true;
  for (const name of Object.keys(loaders))
    screenOf(name).catch((e) => console.error(e));
}

// The guard's language and theme (a cookie: api.prefs).
const prefs = api.prefs();

// The bottom bar: the four a guard uses most, then "more".
const navItems = ['now', 'scan', 'gate', 'workorders', 'more'];

const app = {
  session: null,
  user: null,
  screen: null,
  params: {},
  go,
  toast,
  alarm,
  errText,
  refreshSession,
  device,
  drawHeader: () => drawHeader(),
};

// The device ({id, name, site}) as the session says. The page's own
// session leaves it out when the app has not counted it yet
// (app/app_boot.c): then asked for, once.
let deviceAsk = null;
function device() {
  if (!app.session || app.session.device !== null) {
    return Promise.resolve(app.session && app.session.device);
  }
  if (!deviceAsk) {
    deviceAsk = api.session().then((s) => {
      if (s.ok && app.session) app.session.device = s.device;
      deviceAsk = null;
      return s.ok ? s.device : null;
    });
  }
  return deviceAsk;
}

async function refreshSession() {
  const s = await api.session();
  if (s.ok) {
    app.session = s;
    app.user = s.user || null;
  }
  return s;
}

function nightHour(ms) {
  const hr = new Date(ms || Date.now()).getHours();
  return hr >= 19 || hr < 7;
}

function applyTheme() {
  const pref = prefs.theme;
  const dark = pref ? pref === 'dark'
    : nightHour(app.session && app.session.now_ms);
  document.body.classList.toggle('dark', dark);
  document.body.classList.toggle('light', !dark);
  const toggle = document.getElementById('theme-toggle');
  put(clear(toggle), icon(dark ? 'sun' : 'moon'));
  toggle.setAttribute('aria-label',
    t(dark ? 'theme.light' : 'theme.dark'));
}

function drawHeader() {
  const who = document.getElementById('who');
  clear(who);
  if (app.user) {
    put(who, icon('person'), h('span', { class: 'who-name' },
      app.session.user_name || app.user));
  } else {
    put(who, icon('logo'), h('span', { class: 'who-name' }, t('app.name')));
  }
  document.getElementById('lang-toggle').textContent = t('lang.other');
  document.getElementById('lang-toggle').setAttribute('aria-label',
    t('lang.switch'));
}

function drawNav() {
  const nav = document.getElementById('nav');
  clear(nav);
  show(nav, !!app.user && app.screen !== 'signin');
  for (const name of navItems) {
    const b = h('button', { id: 'nav-' + name, type: 'button',
      class: 'navb' + (isUnder(name) ? ' on' : ''),
      onclick: () => go(name) }, icon(name), h('span', {}, t('nav.' + name)));
    put(nav, b);
  }
}

// "more" lights up for the screens reached from it.
function isUnder(name) {
  if (name === app.screen) return true;
  return name === 'more' &&
    ['inspection', 'handover', 'dutylog', 'sync'].includes(app.screen);
}

let seq = 0;
async function go(name, params) {
  // A handheld not enrolled yet: nobody can sign in before its first sync
  // brings the staff, so it shows the enroll screen (which then syncs).
  const unenrolled = !!(app.session && app.session.enrolled === false);
  if (!app.user && unenrolled) name = 'enroll';
  else if (!app.user && name !== 'signin') name = 'signin';
  if (!screens[name] && !loaders[name]) name = app.user ? 'now' : 'signin';
  app.screen = name;
  app.params = params || {};
  if (location.hash !== '#' + name) history.replaceState(null, '', '#' + name);
  const my = ++seq;
  document.body.dataset.ready = '0';
  show(document.getElementById('toast'), false); // it spoke of the last one
  drawHeader();
  drawNav();
  const main = document.getElementById('main');
  const root = h('section', { class: 'screen', data: { screen: name } });
  put(clear(main), root);
  // Back to the top for a new screen; not on the first one (it is at the
  // top), where setting it would force a layout before there is anything
  // to lay out (docs/PERFORMANCE.md, "Session 13").
  if (my > 1) main.scrollTop = 0;
  try {
    await (await screenOf(name)).render(root, app);
  } catch (e) {
    console.error(e);
    put(root, h('p', { class: 'msg bad' }, t('err.page')));
  }
  if (my === seq) document.body.dataset.ready = '1';
  api.takeNow(); // unused by the first screen: stale later
  api.takeStaff();
  prefetchScreens();
  // The device, when the page's session left it out: asked for once the
  // first screen is drawn.
  if (my === 1) device();
}

let toastTimer = 0;
function toast(text, kind) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.className = 'toast ' + (kind || 'ok');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => show(el, false), 4000);
}

// A full-screen warning the guard must dismiss (a blacklist hit).
function alarm(title, text) {
  const el = document.getElementById('alarm');
  clear(el);
  return new Promise((resolve) => {
    put(el, h('div', { class: 'alarm-box' },
      icon('warning', 'alarm-ico'),
      h('h1', { id: 'alarm-title' }, title),
      h('p', { id: 'alarm-text' }, text),
      h('button', { id: 'alarm-dismiss', type: 'button', class: 'btn big',
        onclick: () => { show(el, false); resolve(); } },
        t('alarm.dismiss'))));
    show(el, true);
    document.getElementById('alarm-dismiss').focus();
  });
}

async function boot() {
  // The steps of the first screen (bench/bench_app_screen.mjs prints them).
  performance.mark('rounds:boot');
  // Opened at /open?k=...: the address bar says / (a reload goes there,
  // with the cookie), not the launch key.
  if (location.pathname === '/open')
    history.replaceState(null, '', '/' + location.hash);
  api.prefetch();
  setLang(prefs.lang || 'zh-CN');
  const s = await refreshSession();
  performance.mark('rounds:session');
  if (s.ok && !prefs.lang) setLang(s.lang);
  applyTheme();
  document.getElementById('lang-toggle').addEventListener('click', () => {
    const l = getLang() === 'en' ? 'zh-CN' : 'en';
    prefs.lang = l;
    api.savePrefs(prefs);
    setLang(l);
    go(app.screen, app.params);
  });
  document.getElementById('theme-toggle').addEventListener('click', () => {
    const dark = document.body.classList.contains('dark');
    prefs.theme = dark ? 'light' : 'dark';
    api.savePrefs(prefs);
    applyTheme();
  });
  window.addEventListener('rounds:signin', () => {
    app.user = null;
    if (app.screen !== 'signin') go('signin');
  });
  window.addEventListener('hashchange', () => {
    const name = location.hash.slice(1);
    if (name && name !== app.screen) go(name);
  });
  if (!s.ok) {
    drawHeader();
    const main = document.getElementById('main');
    put(clear(main), h('section', { class: 'screen',
      data: { screen: 'signin' } }, h('p', { class: 'msg bad' },
      errText(s.error))));
    document.body.dataset.ready = '1';
    return;
  }
  go(location.hash.slice(1) || 'now');
}

boot();
