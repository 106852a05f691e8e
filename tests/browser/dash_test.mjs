// dash_test.mjs URL SHOTS WWW: the office dashboard's scenario (issue 17)
// in Debian's headless Chromium (puppeteer-core, executablePath set: no
// browser download). Run by dash_browser.sh, which started roundsd with
// the dashboard on URL and made the accounts boss (admin, every site),
// desk (clerk, S1) and temp (clerk, S1). Env: CHROMIUM, CERT (the
// dashboard's certificate: its SPKI hash is pinned in Chromium, nothing
// else is trusted), WORK, SRV, ROUNDS, ROUNDSD (to run the handheld and
// the office's CLI). Every page is shot at 1366x768 in zh-CN, then in
// English, to SHOTS/dash-<page>-<lang>.png, and checked at 1024x768 (a
// tablet): nothing wider than the screen, every control at least 44 px.
// Waits are on conditions (selectors, functions), never on time.
import { createRequire } from 'node:module';
import { createHash, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync }
  from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(join(process.env.NODE_PATH, 'x'));
const puppeteer = require('puppeteer-core');
const [url, shots, www] = process.argv.slice(2);
const { CERT, WORK, SRV, ROUNDS, ROUNDSD } = process.env;
const keys = Object.keys((await import(pathToFileURL(
  join(www, 'i18n/en.js')))).default).filter((k) => k.includes('.'));

let fails = 0, passes = 0;
function ok(cond, what) {
  if (cond) passes++;
  else { fails++; console.log('FAIL: ' + what); }
}

// The certificate roundsd init made, pinned by its public key's hash.
const spki = createHash('sha256').update(new X509Certificate(
  readFileSync(CERT)).publicKey.export({ type: 'spki', format: 'der' }))
  .digest('base64');
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--lang=zh-CN',
    '--ignore-certificate-errors-spki-list=' + spki],
});
const page = await browser.newPage();
await page.setViewport({ width: 1366, height: 768 });
await page.emulateTimezone('Asia/Shanghai');
page.setDefaultTimeout(15000);
page.on('dialog', (d) => d.accept());
const problems = [];
page.on('console', (m) => {
  // (Chromium logs every 4xx answer: the refusals the scenario asks for.)
  if (m.type() === 'error' && !/status of 4\d\d/.test(m.text()))
    problems.push('console: ' + m.text());
});
page.on('pageerror', (e) => problems.push('page error: ' + e.message));
const origin = new URL(url).origin;
const foreign = [];
page.on('request', (r) => {
  if (!r.url().startsWith(origin + '/') && !r.url().startsWith('data:'))
    foreign.push(r.url());
});
page.on('response', async (r) => {
  if (r.status() >= 500) problems.push(`${r.status()} ${r.url()}`);
  if (process.env.DASH_TEST_DEBUG && r.url().includes('/api/') &&
    !r.url().includes('/api/events'))
    console.log('api', r.status(), r.url(), (await r.text()).slice(0, 300));
});
const downloads = join(WORK, 'downloads');
// Downloads (the CSV export) land in WORK/downloads.
const cdp = await browser.target().createCDPSession();
await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow',
  downloadPath: downloads });

const ready = (name) => page.waitForSelector(
  `body[data-ready="1"] section[data-page="${name}"]`);
const text = (sel) => page.$eval(sel, (e) => e.textContent);
const click = async (sel) => {
  await page.waitForSelector(sel + ':not([disabled])', { visible: true });
  await page.click(sel);
};
const type = async (sel, s) => {
  await page.waitForSelector(sel, { visible: true });
  await page.click(sel, { clickCount: 3 });
  await page.type(sel, s);
};
const go = async (hash, name) => {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await ready(name);
};
const run = (cmd, args, env) => execFileSync(cmd, args, {
  env: Object.assign({}, process.env, env || {}), encoding: 'utf8' });
let lang = 'zh';

// The checks a clerk depends on, at the size the page is at.
async function layout(name, size, targets) {
  const r = await page.evaluate((keys, targets) => {
    const vw = document.documentElement.clientWidth;
    const seen = (e) => {
      const b = e.getBoundingClientRect();
      return b.width > 0 && b.height > 0 && !e.closest('.hidden');
    };
    // Tables scroll sideways inside their own box; nothing else may.
    const wide = [...document.querySelectorAll('body *')].filter((e) =>
      seen(e) && !e.closest('.tablewrap') &&
      (e.getBoundingClientRect().right > vw + 1)).map((e) =>
      e.tagName + '#' + e.id + '.' + e.className);
    const small = targets ? [...document.querySelectorAll(
      'button, a.btn, a.navlink, a.tab, select, textarea, tr.pick, ' +
      'input:not([type=checkbox]), label.check')].filter((e) => {
      if (!seen(e)) return false;
      const b = e.getBoundingClientRect();
      return b.height < 43.5 || (e.tagName !== 'TR' && b.width < 43.5);
    }).map((e) => `${e.tagName}#${e.id}.${e.className} ${Math.round(
      e.getBoundingClientRect().width)}x${Math.round(
      e.getBoundingClientRect().height)}`) : [];
    const txt = document.body.innerText;
    return { scroll: document.documentElement.scrollWidth > vw, wide, small,
      raw: keys.filter((k) => txt.includes(k)),
      lang: document.documentElement.lang };
  }, keys, targets);
  ok(!r.scroll && !r.wide.length,
    `${name}-${lang} at ${size}: wider than the screen: ${r.wide.slice(0, 5)}`);
  ok(!r.small.length, `${name}-${lang} at ${size}: targets under 44 px: ` +
    r.small.slice(0, 6));
  ok(!r.raw.length, `${name}-${lang}: raw string keys: ${r.raw}`);
  ok(r.lang === (lang === 'zh' ? 'zh-CN' : 'en'), `${name}: lang ${r.lang}`);
}
// A screenshot at 1366x768 and one at 1024x768 (a tablet, landscape),
// with the layout checks at both.
async function shot(name) {
  await page.screenshot({ path: join(shots, `dash-${name}-${lang}.png`) });
  await layout(name, '1366x768', false);
  await page.setViewport({ width: 1024, height: 768 });
  await layout(name, '1024x768', true);
  await page.screenshot({ path: join(shots,
    `dash-tablet-${name}-${lang}.png`) });
  await page.setViewport({ width: 1366, height: 768 });
}
async function login(name, password) {
  await ready('login');
  await type('#login-name', name);
  await type('#login-password', password);
  await click('#login-submit');
}
async function signin(name, password) {
  await login(name, password);
  await page.waitForSelector('body[data-ready="1"] section[data-page]' +
    ':not([data-page="login"])');
  if (await page.$('section[data-page="sites"]')) {
    await click('#site-S1');
  }
  await ready('board');
}
async function signout() {
  await click('#logout');
  await ready('login');
}
const msgIs = (sel, re, what) => page.waitForFunction((sel, re) => {
  const e = document.querySelector(sel);
  return e && new RegExp(re).test(e.textContent);
}, { timeout: 5000 }, sel, re).then(() => ok(true, what), async () =>
  ok(false, `${what}: ${sel} says "${await text(sel).catch(() => '?')}"`));

let rep = null; // the report the scenario shows
let woId = null; // the work order the clerk files

// A part of the scenario: a wait that times out fails it (with a
// screenshot of where it stopped), and the next part goes on.
async function section(name, fn) {
  try {
    await fn();
  } catch (e) {
    ok(false, `"${name}" stopped: ${e.message}`);
    await page.screenshot({ path: join(shots, 'dash-stopped-' +
      name.replace(/[^a-z]+/gi, '-').slice(0, 40) + '.png') })
      .catch(() => {});
  }
}

// ---- the page and its headers -----------------------------------------------
await section('headers', async () => {
  const first = await page.goto(url + '/', { waitUntil: 'domcontentloaded' });
  const hd = first.headers();
  ok(/script-src 'self'/.test(hd['content-security-policy'] || '') &&
    !/unsafe-inline/.test(hd['content-security-policy'] || ''),
  'CSP without inline script: ' + hd['content-security-policy']);
  ok(/max-age=/.test(hd['strict-transport-security'] || ''), 'HSTS');
  await ready('login');
  await shot('login');
});

// ---- a wrong password 5 times: locked out, with the time it ends ------------
await section('lockout', async () => {
  for (let i = 1; i <= 5; i++) {
    await login('temp', 'wrong-' + i);
    if (i === 1) await msgIs('#login-msg', '还可以试 4 次',
      'a wrong password says how many tries are left');
    else await page.waitForFunction((i) => document.querySelector(
      '#login-password').value === '' && !document.querySelector(
      '#login-submit').disabled, {}, i);
  }
  // The right password now: still locked, until 02:15 (the pinned 02:00 plus
  // the 15 minutes of server/accounts.h).
  await login('temp', 'temp-pass-1');
  await msgIs('#login-msg', '锁定.*02:15', 'locked out, until 02:15');
  await shot('login-locked');
});

// ---- a clerk: the board, but an admin's page refuses in words ---------------
await section('clerk refused', async () => {
  await signin('desk', 'clerk-pass-1');
  await go('#/devices', 'devices');
  await type('#dev-name', 'hh-clerk');
  await click('#dev-enroll');
  await msgIs('#dev-msg', '无权',
    'a clerk enrolling a handheld: "not allowed for your role"');
  ok(!(await page.$eval('#enroll-qr', () => true).catch(() => false)),
    'no QR code for the clerk');
  await shot('devices-forbidden');
  await signout();
});

// ---- an admin ---------------------------------------------------------------
await section('csrf', async () => {
  await signin('boss', 'admin-pass-1');
  // A form posted without its CSRF token is refused; the same with it is not.
  const csrf = await page.evaluate(async () => {
    const body = JSON.stringify({ site: 'S1', name: 'hh-csrf' });
    const bare = await fetch('/api/devices/enroll', { method: 'POST', body,
      headers: { 'Content-Type': 'application/json' } });
    const bj = await bare.json();
    const s = await (await fetch('/api/session')).json();
    const good = await fetch('/api/devices/enroll', { method: 'POST', body,
      headers: { 'Content-Type': 'application/json',
        'X-Rounds-CSRF': s.csrf } });
    return { bare: bare.status, code: bj.error && bj.error.code,
      good: good.status, gj: await good.json() };
  });
  ok(csrf.bare === 403 && csrf.code === 'ECSRF',
    `POST without X-Rounds-CSRF: ${csrf.bare} ${csrf.code}, want 403 ECSRF`);
  ok(csrf.good === 200 && csrf.gj.ok, 'the same POST with the token: ' +
    JSON.stringify(csrf.gj));
});

// ---- a handheld enrolled from the page, then a sync: the board moves --------
await section('enroll and sync', async () => {
  await go('#/devices', 'devices');
  await type('#dev-name', 'hh-web');
  await click('#dev-enroll');
  await page.waitForFunction(() => {
    const p = document.querySelector('#enroll-payload');
    const q = document.querySelector('#enroll-qr');
    return p && p.value && q && q.complete && q.naturalWidth > 0;
  });
  const payload = await page.$eval('#enroll-payload', (e) => e.value);
  ok((await page.$eval('#enroll-qr', (e) => e.src)).startsWith(
    'data:image/svg+xml'), 'the QR code is the API\'s SVG image');
  await shot('devices-enrolled');
  const hh = { ROUNDS_DATA: join(WORK, 'hh-web') };
  try {
    run(ROUNDS, ['init', '--site', 'S1', '--name', 'hh-web', '--user',
      'guard-web'], hh);
    run(ROUNDS, ['enroll', '--payload', payload], hh);
    // The first sync brings the office's key for personal data down, so
    // the visitor's ID number goes up sealed, for the office to open.
    run(ROUNDS, ['sync'], hh);
    run(ROUNDS, ['visit', 'enter', '--name', 'Web 访客', '--id-type',
      'id_card', '--id-no', '110101199203041234', '--unit', '1-1-101',
      '--purpose', 'visit', '--gate', 'A'], hh);
    ok(true, 'rounds enroll --payload');
  } catch (e) {
    ok(false, 'rounds init/enroll --payload/sync/visit: ' + e.message);
  }
  await go('#/board', 'board');
  await page.waitForSelector('#board-live.on');
  ok(!(await page.$eval('#board-body', (e) => e.textContent.includes(
    'Web 访客'))), 'the visitor is not on the board before the sync');
  const loads = await page.$eval('section[data-page="board"]',
    (e) => Number(e.dataset.loads));
  let synced = false;
  try {
    run(ROUNDS, ['sync'], hh);
    synced = true;
  } catch (e) {
    ok(false, 'rounds sync: ' + e.message);
  }
  if (synced) {
    const t0 = Date.now();
    const seen = await page.waitForFunction((loads) => {
      const s = document.querySelector('section[data-page="board"]');
      const b = document.querySelector('#board-inside');
      return s && Number(s.dataset.loads) > loads && b &&
        b.textContent.includes('Web 访客');
    }, { timeout: 2000 }, loads).then(() => true, () => false);
    const events = await page.$eval('section[data-page="board"]',
      (e) => Number(e.dataset.syncs || 0));
    ok(events > 0, 'the sync\'s event came on /api/events');
    ok(seen, 'the board shows the synced visitor within 2 s of the sync');
    console.log(`board updated ${Date.now() - t0} ms after the sync returned`);
  }
  ok(await page.$eval('#board-body', (e) => e.textContent.includes('手持机')),
    'the board\'s titles come in Chinese, from C\'s catalogue');
  await shot('board');
});

// ---- registers: the visitor, and personal data opened with a reason ---------
await section('registers', async () => {
  await go('#/registers?kind=visitors', 'registers');
  await page.waitForSelector('#tbl-reg');
  const masked = await page.$eval('#tbl-reg', (e) => e.textContent);
  ok(masked.includes('Web 访客') && !masked.includes('110101199203041234'),
    'the register lists the visitor with the ID number masked');
  await shot('registers');
  const row = await page.$$eval('#tbl-reg tr.pick', (rs) => rs.findIndex((r) =>
    r.textContent.includes('Web 访客')));
  ok(row >= 0, 'the visitor\'s row can be opened');
  if (row >= 0) {
    await (await page.$$('#tbl-reg tr.pick'))[row].click();
    await type('#pii-reason', '住户投诉核实来访人身份');
    await click('#pii-open');
    await page.waitForFunction(() => document.querySelector('#pii-fields') &&
      document.querySelector('#pii-fields').textContent.length > 0);
    ok((await text('#pii-fields')).includes('110101199203041234'),
      'the ID number, opened with a reason');
    await shot('registers-pii');
  }
});

// ---- work orders: a phone call taken in -------------------------------------
await section('work orders', async () => {
  await go('#/workorders', 'workorders');
  await shot('workorders');
  await click('#wo-new');
  await ready('workorders');
  await page.waitForSelector('#wo-intake');
  await page.select('#wo-f-channel', 'phone');
  await type('#wo-f-place', '2-1-302');
  await page.select('#wo-f-category', 'plumbing');
  await type('#wo-f-description', '厨房水管漏水');
  await type('#wo-f-contact', '张伟 13800000000');
  await shot('workorder-new');
  await click('#wo-create');
  await page.waitForSelector('body[data-ready="1"] #wo-fields');
  ok((await text('#wo-fields')).includes('2-1-302'), 'the order filed');
  await shot('workorder');
  woId = new URLSearchParams(await page.evaluate(() =>
    location.hash.split('?')[1])).get('id');
  ok(woId && /^[0-9a-f]{32}$/.test(woId), 'the page shows the order filed');
  await go('#/workorders', 'workorders');
  ok((await text('#tbl-wo')).includes('2-1-302'), 'the order in the list');
  // Its category, priority and status in words (the columns' labels from
  // C), not the values the API's cells hold.
  const list = await text('#tbl-wo');
  ok(['水暖', '一般', '已报修'].every((w) => list.includes(w)) &&
    !/plumbing|normal|reported/.test(list),
  'the list\'s values in words: ' + list);
});

// ---- its steps: forms from the verb table, a refusal in words ---------------
// (GET /api/workorder/forms: handheld/verbs.c, which the API checks with.)
const openOrder = async () => {
  await go('#/workorders?id=' + woId + '&t=' + Date.now(), 'workorders');
  await page.waitForSelector('#tbl-wo-history');
};
await section('work order steps', async () => {
  await openOrder();
  const acts = await page.$$eval('#wo-acts button', (bs) => bs.map((b) =>
    [b.id, b.textContent]));
  ok(acts.some(([i, s]) => i === 'wo-act-dispatch' && s === '派工') &&
    !acts.some(([i]) => i === 'wo-act-callback'),
  'a reported order: dispatch (派工, the catalogue\'s word), no callback: ' +
    JSON.stringify(acts));
  await click('#wo-act-dispatch');
  await page.waitForSelector('#wo-s-assignee');
  ok(await page.$eval('#wo-form-dispatch label[for="wo-s-assignee"]',
    (e) => e.textContent.includes('维修人员') && !!e.querySelector('.req')),
  'the technician field: its title from C, required');
  // Someone not on the site's staff list: only the API knows it.
  await type('#wo-s-assignee', 'tech-nobody');
  await click('#wo-step-ok');
  await msgIs('#wo-step-msg', '维修人员', 'a dispatch to no staff member is ' +
    'refused, the field named in words');
  ok(await page.$eval('#wo-s-assignee', (e) =>
    e.getAttribute('aria-invalid') === 'true' && document.activeElement === e),
  'the refused field is marked and focused');
  await shot('workorder-refused');
  await type('#wo-s-assignee', 'tech-zhou');
  await click('#wo-step-ok');
  await msgIs('#wo-msg', '派工', 'dispatched: said on the page');
  // The technician's own steps, on a handheld (they are not the office's),
  // at the office's pinned time (the handheld's clock is a minute behind).
  const tech = (args) => run(ROUNDS, args, { ROUNDS_DATA: join(WORK,
    'hh-web'), ROUNDS_CLOCK_MS: String(Number(process.env.ROUNDS_CLOCK_MS) +
    60000) });
  tech(['sync']);
  tech(['workorder', 'arrive', woId, '--by', 'tech-zhou']);
  // A photo of the repair, attached on the handheld (a JPEG the browser
  // draws), synced up with the completion.
  const jpg = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 480;
    c.height = 360;
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, 480, 360);
    grad.addColorStop(0, '#3b5870');
    grad.addColorStop(1, '#c9a66b');
    g.fillStyle = grad;
    g.fillRect(0, 0, 480, 360);
    g.fillStyle = '#9aa3ab';
    g.fillRect(40, 160, 400, 40);
    return c.toDataURL('image/jpeg', 0.85);
  });
  writeFileSync(join(WORK, 'photo.jpg'), Buffer.from(jpg.split(',')[1],
    'base64'));
  tech(['attach', woId, join(WORK, 'photo.jpg'), '--by', 'tech-zhou']);
  tech(['workorder', 'complete', woId, '--by', 'tech-zhou', '--signature',
    '张伟', '--labour-min', '25']);
  tech(['sync']);
  await openOrder();
  // The office sees the handheld's photo (GET /api/attachment/HASH).
  await page.waitForFunction(() => {
    const i = document.querySelector('#wo-att img');
    return i && i.complete && i.naturalWidth > 0;
  });
  const att = await page.evaluate(async () => {
    const a = document.querySelector('#wo-att [data-hash]').dataset.hash;
    const r = await fetch(`/api/attachment/${a}?site=S1`);
    const none = await fetch('/api/attachment/' + '0'.repeat(64) +
      '?site=S1');
    const bad = await fetch('/api/attachment/xyz?site=S1');
    const nosite = await fetch(`/api/attachment/${a}`);
    return { type: r.headers.get('content-type'),
      cache: r.headers.get('cache-control'),
      corp: r.headers.get('cross-origin-resource-policy'),
      none: none.status, bad: bad.status, nosite: nosite.status };
  });
  ok(att.type === 'image/jpeg' && att.cache.startsWith('private') &&
    att.corp === 'same-origin' && att.none === 404 && att.bad === 400 &&
    att.nosite === 400, 'GET /api/attachment: ' + JSON.stringify(att));
  await page.$eval('#wo-att', (e) => e.scrollIntoView({ block: 'center' }));
  await shot('workorder-photo');
  await click('#wo-act-callback');
  await page.waitForSelector('#wo-s-satisfaction');
  const sat = await page.$$eval('#wo-s-satisfaction option', (os) =>
    os.map((o) => [o.value, o.textContent]));
  ok(JSON.stringify(sat.slice(1)) === JSON.stringify([['satisfied', '满意'],
    ['unsatisfied', '不满意（重新打开）']]), 'satisfaction: the verb ' +
    'table\'s choices in the catalogue\'s words: ' + JSON.stringify(sat));
  await page.select('#wo-s-satisfaction', 'satisfied');
  await page.select('#wo-s-method', 'phone');
  await type('#wo-s-result', '已修好，住户满意');
  await shot('workorder-callback');
  await click('#wo-step-ok');
  await msgIs('#wo-msg', '回访', 'the callback recorded: said on the page');
  await page.waitForSelector('#tbl-wo-history');
  const hist = await text('#tbl-wo-history');
  for (const want of ['派工', 'tech-zhou', '回访', '满意', '已修好'])
    ok(hist.includes(want), `the order's history shows ${want}: ${hist}`);
  ok(!(await page.$('#wo-act-callback')), 'called back: no second callback');
  await page.$eval('#tbl-wo-history', (e) => e.scrollIntoView());
  await shot('workorder-steps');
});

// ---- master data: a unit through the form built from /api/md/kinds ----------
await section('master data', async () => {
  await go('#/md?kind=unit', 'md');
  await page.waitForSelector('#md-f-unit');
  await type('#md-f-unit', '5-1-501');
  await click('#md-save');
  await msgIs('#md-form-msg', '5-1-501', 'the unit added from the form');
  await page.waitForFunction(() => document.querySelector('#tbl-md') &&
    document.querySelector('#tbl-md').textContent.includes('5-1-501'));
  await shot('md');
  await go('#/md?kind=staff', 'md');
  await page.waitForSelector('#pin-form');
  await shot('md-staff');
});

// ---- reports: one with a chart, and its CSV read back -----------------------
await section('reports', async () => {
  await go('#/reports', 'reports');
  const names = await page.$$eval('#rep-name option', (os) => os.map((o) =>
    o.value));
  rep = ['patrol', 'workorders', 'inside'].find((n) =>
    names.includes(n)) || names[0];
  await page.select('#rep-name', rep);
  // (A date input takes its value the way a picker sets it.)
  const setDate = (sel, v) => page.$eval(sel, (e, v) => { e.value = v; }, v);
  await setDate('#rep-from', '2026-11-27');
  await setDate('#rep-to', '2026-11-28');
  await click('#rep-show');
  await page.waitForSelector('body[data-ready="1"] #rep-title');
  await shot('reports');
  const before = new Set(existsSync(downloads) ? readdirSync(downloads) : []);
  await click('#rep-csv');
  // The download lands in the folder: look for it until it is there.
  let file = null;
  for (const end = Date.now() + 10000; !file && Date.now() < end;) {
    file = readdirSync(downloads).find((x) => !before.has(x) &&
      x.endsWith('.csv'));
    if (!file) await new Promise((r) => setTimeout(r, 50));
  }
  ok(file, 'the CSV was downloaded');
  const got = file ? readFileSync(join(downloads, file), 'utf8') : '';
  let want = null;
  try {
    // The file is named SITE-REPORT-TABLE.csv: the CLI prints one table.
    const tbl = (/^S1-[a-z]+-(.+)\.csv$/.exec(file || '') || [])[1] || '';
    want = run(ROUNDSD, ['report', rep, '--site', 'S1', '--data', SRV,
      '--from', '2026-11-27', '--to', '2026-11-29', '--format', 'csv',
      '--table', tbl]);
  } catch (e) {
    ok(false, `roundsd report ${rep} --format csv: ${e.message}`);
  }
  ok(got === want, `the CSV download (${file}) is roundsd report ${rep} ` +
    `--format csv: got ${got.length} bytes, want ${want && want.length}`);
});

// ---- English, one click away, remembered ------------------------------------
await section('english', async () => {
  await click('#lang-toggle');
  lang = 'en';
  await page.waitForSelector('html[lang="en"] body[data-ready="1"]');
  await page.reload();
  await page.waitForSelector('body[data-ready="1"] section[data-page]');
  ok(await page.$eval('html', (e) => e.lang === 'en'),
    'English is remembered after a reload');
});
// Each page in English (one that cannot be drawn does not hide the rest).
for (const [hash, pg, name] of [['#/board', 'board', 'board'],
  ['#/workorders', 'workorders', 'workorders'],
  ['#/workorders?new=1', 'workorders', 'workorder-new'],
  ['#/workorders?id=' + woId, 'workorders', 'workorder-steps'],
  ['#/registers?kind=visitors', 'registers', 'registers'],
  ['#/md?kind=unit', 'md', 'md'], ['#/md?kind=staff', 'md', 'md-staff'],
  ['#/devices', 'devices', 'devices'],
  ['#/reports?name=' + (rep || '') + '&from=2026-11-27&to=2026-11-28',
    'reports', 'reports'],
  // The devices report's keys and the clock columns of workorders
  // ("Notify: met") have words too.
  ['#/reports?name=devices', 'reports', 'reports-devices'],
  ['#/reports?name=workorders&from=2026-11-27&to=2026-11-28', 'reports',
    'reports-workorders']]) {
  await section('english ' + name, async () => {
    await go(hash, pg);
    const isRep = name.startsWith('reports');
    if (isRep) await page.waitForSelector('#rep-title');
    if (name === 'board' || isRep) {
      // Column and summary titles in words from C (i18n/en_titles.c), not
      // the keys the CLI prints: "Last sync", never last_sync.
      const keys = await page.$$eval('th, #rep-summary .k', (es) =>
        es.map((e) => e.textContent.trim())
          .filter((t) => /^[a-z][a-z0-9]*_[a-z0-9_]*$/.test(t)));
      ok(!keys.length, `${name}-en: titles still keys: ${keys.slice(0, 5)}`);
      if (name === 'reports-workorders') {
        ok(await page.$eval('body', (e) =>
          e.textContent.includes('Notify: met')),
        'the workorders report\'s clock columns in words (Notify: met)');
      }
      if (name === 'board') {
        ok(await page.$eval('#board-body', (e) =>
          e.textContent.includes('Last sync')),
        'the board\'s English titles are words (Last sync)');
      }
    }
    if (name === 'workorders') {
      const list = await text('#tbl-wo');
      ok(['Plumbing', 'Normal', 'Called back'].every((w) => list.includes(w)),
        'the list\'s values in English words: ' + list);
    }
    if (name === 'workorder-steps') {
      await page.$eval('#tbl-wo-history', (e) => e.scrollIntoView());
      const hist = await text('#tbl-wo-history');
      ok(['Dispatch', 'Callback', 'Satisfied'].every((w) => hist.includes(w)),
        'the history in English, words from C: ' + hist);
    }
    await shot(name);
  });
}
await section('english enroll', async () => {
  await go('#/devices', 'devices');
  await type('#dev-name', 'hh-web2');
  await click('#dev-enroll');
  await page.waitForSelector('#enroll-qr');
  await shot('devices-enrolled');
});

// ---- a session that ends returns to the login page --------------------------
await section('session end', async () => {
  const cookies = await page.cookies();
  await page.deleteCookie(...cookies);
  await go('#/devices?again=1', 'login');
  ok(true, 'a 401 ESESSION returns to the login page');
  await shot('login');
  await login('temp', 'wrong');
  await msgIs('#login-msg', 'locked', 'locked, in English');
  await shot('login-locked');
});

ok(!problems.length, 'no page errors: ' + problems.join('; '));
ok(!foreign.length, 'nothing from another origin: ' + foreign.join(' '));
await browser.close();
console.log(`dash_test: ${passes} passed, ${fails} failed`);
process.exit(fails ? 1 : 0);
