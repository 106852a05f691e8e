// app_test.mjs URL SHOTS WWW: the handheld app's scenario in Debian's
// headless Chromium (puppeteer-core, executablePath set: no browser
// download). Run by test_app_browser.sh, which set up roundsd, the
// handheld and `rounds app`; env P4, P2 (signed tag payloads), FORGED,
// CHROMIUM, CAMERA_Y4M (the fake camera's film: a QR code of CP-03's
// signed payload after a few frames with nothing to read). Every screen
// is shot at 360x640 in zh-CN, then in English, to
// SHOTS/<screen>-<lang>.png; each shot also checks that nothing overflows
// 360 px, that every visible control is at least 48 px, and that no raw
// string key shows. Waits are on conditions (selectors), never on time.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(join(process.env.NODE_PATH, 'x'));
const puppeteer = require('puppeteer-core');
const [url, shots, www] = process.argv.slice(2);
const { P4, P2, FORGED, CAMERA_Y4M } = process.env;
const keys = Object.keys((await import(pathToFileURL(
  join(www, 'i18n/en.js')))).default).filter((k) => k.includes('.'));

let fails = 0, passes = 0;
function ok(cond, what) {
  if (cond) passes++;
  else { fails++; console.log('FAIL: ' + what); }
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--lang=zh-CN',
    // The camera: Chromium's fake device playing CAMERA_Y4M, allowed
    // without asking.
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    '--use-file-for-fake-video-capture=' + CAMERA_Y4M],
});
const page = await browser.newPage();
// The camera streams the page opens, kept to check that their tracks end.
await page.evaluateOnNewDocument(() => {
  window.testStreams = [];
  const md = navigator.mediaDevices;
  if (!md || !md.getUserMedia) return;
  const real = md.getUserMedia.bind(md);
  md.getUserMedia = async (c) => {
    const st = await real(c);
    window.testStreams.push(st);
    return st;
  };
});
const camOff = () => page.evaluate(() => window.testStreams.length > 0 &&
  window.testStreams.every((st) => st.getTracks().every((tr) =>
    tr.readyState === 'ended')));
await page.setViewport({ width: 360, height: 640, deviceScaleFactor: 1,
  isMobile: true, hasTouch: false });
await page.emulateTimezone('Asia/Shanghai');
const problems = [];
page.on('console', (m) => {
  // (Chromium logs every 4xx answer too: the refusals the scenario asks
  // for. A 5xx is a problem.)
  if (m.type() === 'error' && !/status of 4\d\d/.test(m.text()))
    problems.push('console: ' + m.text());
});
page.on('pageerror', (e) => problems.push('page error: ' + e.message));
page.setDefaultTimeout(15000);
// Every request stays on the app's own origin (no CDN); the QR decoder's
// files are noted, to check they load only when a camera is opened.
// The page's own JavaScript is one file, /app.js as app_bundle made it:
// no module of app/www/js or i18n is fetched on its own, ever.
const origin = new URL(url).origin;
const foreign = [], zxingGot = [], modulesGot = [];
page.on('request', (r) => {
  if (!r.url().startsWith(origin + '/') && !r.url().startsWith('data:') &&
    !r.url().startsWith('blob:')) foreign.push(r.url());
  if (r.url().includes('/vendor/zxing-wasm/')) zxingGot.push(r.url());
  const p = r.url().startsWith(origin + '/') ? new URL(r.url()).pathname : '';
  if (/\.m?js$/.test(p) && p !== '/app.js' && !p.startsWith('/vendor/'))
    modulesGot.push(p);
});
page.on('response', async (r) => {
  if (r.status() >= 500) problems.push(`${r.status()} ${r.url()}`);
  if (process.env.APP_TEST_DEBUG && r.url().includes('/api/'))
    console.log('api', r.status(), r.url(), (await r.text()).slice(0, 300));
});

// The API requests of a page load: the first screen's session, Now and
// staff list come inside the page (app/app_boot.c), so the first screen
// asks for none of them; the session is asked for once after it is drawn
// when the page's left the device out (not counted yet at launch).
const apiCount = {};
page.on('request', (r) => {
  const p = new URL(r.url()).pathname;
  if (p.startsWith('/api/')) apiCount[p] = (apiCount[p] || 0) + 1;
});
const apiOnce = async (what) => {
  ok(!!(await page.$('script#boot[type="application/json"]')),
    `${what}: the page carries its data`);
  for (const p of ['/api/now', '/api/staff'])
    ok(!apiCount[p], `${what}: ${p} not asked for: ${apiCount[p]}`);
  ok((apiCount['/api/session'] || 0) <= 1,
    `${what}: /api/session asked for at most once: ` +
    apiCount['/api/session']);
  for (const k of Object.keys(apiCount)) delete apiCount[k];
};

const ready = (screen) => page.waitForSelector(
  `body[data-ready="1"] section[data-screen="${screen}"]`);
const text = (sel) => page.$eval(sel, (e) => e.textContent);
const click = async (sel) => {
  await page.waitForSelector(sel + ':not([disabled])', { visible: true });
  await page.click(sel);
};
const nav = async (screen) => {
  if (['inspection', 'handover', 'dutylog', 'sync'].includes(screen)) {
    await click('#nav-more');
    await ready('more');
    await click('#more-' + screen);
  } else {
    await click('#nav-' + screen);
  }
  await ready(screen);
};
const type = async (sel, s) => {
  await page.waitForSelector(sel, { visible: true });
  await page.click(sel, { clickCount: 3 });
  await page.type(sel, s);
};
let lang = 'zh';

// A screenshot, and the checks a guard depends on at 360 px.
async function shot(name) {
  const file = join(shots, `${name}-${lang}.png`);
  await page.screenshot({ path: file });
  const r = await page.evaluate((keys) => {
    const vw = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')].filter((e) => {
      const b = e.getBoundingClientRect();
      return b.width > 0 && (b.right > vw + 1 || b.left < -1) &&
        !e.closest('.hidden');
    }).map((e) => e.tagName + '#' + e.id + '.' + e.className);
    const small = [...document.querySelectorAll(
      'button, input, select, textarea, summary')].filter((e) => {
      const b = e.getBoundingClientRect();
      if (!b.width || e.closest('.hidden')) return false;
      return b.height < 47.5 || b.width < 47.5;
    }).map((e) => `${e.tagName}#${e.id} ${Math.round(e.getBoundingClientRect()
      .width)}x${Math.round(e.getBoundingClientRect().height)}`);
    const txt = document.body.innerText;
    const raw = keys.filter((k) => txt.includes(k));
    return { scroll: document.documentElement.scrollWidth > vw, wide, small,
      raw, lang: document.documentElement.lang,
      dark: document.body.classList.contains('dark') };
  }, keys);
  ok(!r.scroll && r.wide.length === 0,
    `${name}-${lang}: overflows 360 px: ${r.wide.slice(0, 5)}`);
  ok(r.small.length === 0, `${name}-${lang}: targets under 48 px: ${r.small}`);
  ok(r.raw.length === 0, `${name}-${lang}: raw string keys: ${r.raw}`);
  ok(r.lang === (lang === 'zh' ? 'zh-CN' : 'en'), `${name}: lang ${r.lang}`);
  ok(r.dark, `${name}-${lang}: the night theme at 02:00`);
}

// The files the Photo button is given (as a phone's camera would hand
// them over): a JPEG the browser draws, and a text file.
const photoJpg = join(dirname(shots), 'photo.jpg');
const photoTxt = join(dirname(shots), 'photo.txt');
async function makePhotos() {
  const url = await page.evaluate(() => {
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
    g.fillRect(40, 160, 400, 40); // a pipe
    g.fillStyle = '#2f7fd0';
    g.beginPath();
    g.arc(240, 250, 30, 0, 2 * Math.PI); // the leak
    g.fill();
    return c.toDataURL('image/jpeg', 0.85);
  });
  writeFileSync(photoJpg, Buffer.from(url.split(',')[1], 'base64'));
  writeFileSync(photoTxt, 'not a photo\n');
}
// On a work order's screen: the JPEG through the Photo button's file
// input, its thumbnail loaded from GET /api/attachment/HASH; then a text
// file, refused in the guard's words (words: what the refusal says).
async function photo(words) {
  await page.waitForSelector('#att-file');
  const input = await page.$('#att-file');
  await input.uploadFile(photoJpg);
  await page.waitForFunction(() => {
    const i = document.querySelector('#att-list img');
    return i && i.complete && i.naturalWidth > 0;
  });
  ok((await text('#att-msg')).length > 0, 'the photo is said to be attached');
  await page.$eval('#att-box', (e) => e.scrollIntoView({ block: 'start' }));
  await shot('workorder-photo');
  await input.uploadFile(photoTxt);
  await page.waitForSelector('#att-msg.bad');
  const why = await text('#att-msg');
  ok(why.includes(words), `a text file is refused in words: ${why}`);
  ok((await page.$$('#att-list img')).length === 1,
    'the refused file is not listed');
  await page.$eval('#att-box', (e) => e.scrollIntoView({ block: 'start' }));
  await shot('workorder-photo-refused');
}

async function pin(digits) {
  for (const d of digits) await click('#pin-' + d);
  await click('#pin-ok');
}
async function signinAs(staff, digits) {
  await click('#staff-' + staff);
  await page.waitForSelector('#pin-ok');
  await pin(digits);
  await page.waitForSelector('body[data-ready="1"] section[data-screen]' +
    ':not([data-screen="signin"])');
}
async function draw(sel) {
  await page.$eval(sel, (e) => e.scrollIntoView({ block: 'center' }));
  const b = await (await page.$(sel)).boundingBox();
  const strokes = [[[0.1, 0.6], [0.2, 0.3], [0.3, 0.7], [0.4, 0.3]],
    [[0.55, 0.5], [0.7, 0.4], [0.85, 0.6], [0.9, 0.3]]];
  for (const s of strokes) {
    await page.mouse.move(b.x + s[0][0] * b.width, b.y + s[0][1] * b.height);
    await page.mouse.down();
    for (const [x, y] of s.slice(1)) {
      await page.mouse.move(b.x + x * b.width, b.y + y * b.height,
        { steps: 4 });
    }
    await page.mouse.up();
  }
}

// The camera on the Scan screen (a fresh one): opened, shot while it looks,
// then it reads CP-03's QR code from the fake camera; the scan goes the
// wedge's way (method qr) and the camera is off after the read.
async function cameraScan() {
  await nav('scan');
  await click('#scan-camera');
  await page.waitForSelector('#scan-cambox[data-state="looking"]');
  await page.waitForFunction(() => {
    const v = document.querySelector('#scan-video');
    return v && v.readyState >= 2 && v.videoWidth > 0;
  });
  await shot('scan-camera');
  await page.waitForSelector('#scan-ok, #scan-refused', { timeout: 30000 });
  ok((await text('#scan-result')).includes('CP-03'),
    `${lang}: the camera read CP-03: ` + await text('#scan-result'));
  ok(!(await page.$('#scan-video')) && await camOff(),
    `${lang}: the camera is off after the read`);
}

// On a failure: what the screen showed, and a shot of it.
async function scenario() {
// ---- zh-CN: the scenario -----------------------------------------------------
for (const k of Object.keys(apiCount)) delete apiCount[k];
const opened = await page.goto(url);
await ready('signin');
await apiOnce('the first screen, signed out');
// /open answers the page itself (no redirect), and the address bar then
// says / without the launch key.
ok(opened.status() === 200 && opened.request().redirectChain().length === 0,
  '/open answers the page: ' + opened.status());
ok(new URL(page.url()).pathname === '/' && !page.url().includes('k='),
  'the address bar drops the key: ' + page.url().replace(/k=.*/, 'k=...'));
ok((await page.$$('[id^="staff-"]')).length === 3, 'three staff to pick');
await shot('signin');

// Five bad PINs lock guard-zhao on this device.
await click('#staff-guard-zhao');
await page.waitForSelector('#pin-ok');
await shot('pin');
await pin('0000');
await page.waitForFunction(() => document.querySelector('#pin-msg')
  .textContent.includes('4'));
ok((await text('#pin-msg')).includes('还可以试 4 次'),
  'wrong PIN: tries left, in Chinese: ' + await text('#pin-msg'));
for (let i = 0; i < 5 && !(await page.$('.pad.off')); i++) {
  const before = await text('#pin-msg');
  await pin('0000');
  await page.waitForFunction((b) => document.querySelector('#pin-msg')
    .textContent !== b || document.querySelector('.pad.off'), {}, before);
}
ok(!!(await page.$('.pad.off')), 'the PIN pad is off once locked');
ok((await text('#pin-msg')).includes('锁定'), 'locked: ' +
  await text('#pin-msg'));
await shot('locked');
await click('#signin-back');
await ready('signin');
ok((await text('#staff-guard-zhao')).includes('已锁定'),
  'the picker shows guard-zhao locked');

await signinAs('guard-li', '2468');
await ready('now');
// A new load while signed in: Now is the first screen, from the preloads.
for (const k of Object.keys(apiCount)) delete apiCount[k];
await page.reload();
await ready('now');
await apiOnce('the first screen, signed in');
// The day theme is a tap away (and back to the night one).
await click('#theme-toggle');
ok(await page.$eval('body', (b) => b.classList.contains('light')),
  'the theme toggle gives the day theme');
await click('#theme-toggle');
ok(await page.$eval('body', (b) => b.classList.contains('dark')),
  'and back to the night theme');
// The toggle shows one icon, the sun (the day theme is what it gives);
// the icons are inline <svg>s, not documents of their own (<img>s).
ok(await page.$eval('#theme-toggle', (b) => b.children.length === 1 &&
  b.firstElementChild.dataset.icon === 'sun'),
'the theme toggle shows one icon, the sun, after two taps');
ok(await page.$$eval('#nav svg.ico, #who svg.ico', (l) => l.length) >= 6 &&
  await page.$$eval('body img', (l) =>
    l.filter((i) => /\.svg$/.test(i.src)).length) === 0,
'the header and the bar draw inline icons, no <img> of an .svg');
ok((await text('#who')).includes('李娜'), 'the header names 李娜');
await shot('now');

// A forged tag is refused in words; the signed one is recorded.
await nav('scan');
await type('#scan-input', FORGED);
await page.keyboard.press('Enter');
await page.waitForSelector('#scan-refused');
ok((await text('#scan-why')).includes('不是本小区签发的'),
  'forged tag refused in words: ' + await text('#scan-why'));
await shot('scan-refused');
await type('#scan-input', P4);
await page.keyboard.press('Enter');
await page.waitForSelector('#scan-ok');
ok((await text('#scan-ok')).includes('CP-04'), 'scan ok names CP-04');
await shot('scan');
// An anomaly with a note and a work order: two taps.
await click('#scan-anomaly');
await type('#anomaly-note', '4 号楼后门没关好');
await shot('anomaly');
await click('#anomaly-door_window');
await page.waitForSelector('#anomaly-ok');

// The camera: this Chromium has no BarcodeDetector, so zxing-wasm reads,
// loaded only now (the first screens did not fetch it). Leaving the
// screen stops the camera; then a read.
ok(!(await page.evaluate(() => 'BarcodeDetector' in window)),
  'no BarcodeDetector here: the zxing-wasm fallback is what is tested');
ok(zxingGot.length === 0, 'zxing-wasm not fetched before the camera: ' +
  zxingGot);
await click('#scan-camera');
await page.waitForSelector('#scan-cambox[data-state="looking"]');
ok(zxingGot.some((u) => u.startsWith(origin +
  '/vendor/zxing-wasm/reader/zxing_reader.wasm')),
  'the decoder\'s .wasm came from our own path: ' + zxingGot);
await nav('now');
ok(await camOff(), 'leaving Scan stops the camera');
await cameraScan();

// A blacklisted visitor: the full-screen warning, dismissed by the guard.
await nav('gate');
await type('#visit-name', '钱宝');
await page.select('#visit-idtype', 'id_card');
await type('#visit-idno', '110101199001011234');
await type('#visit-unit', '1-1-101');
await type('#visit-pass', 'P-07');
await click('#visit-submit');
await page.waitForSelector('#alarm:not(.hidden)');
const cover = await page.$eval('#alarm', (e) => {
  const b = e.getBoundingClientRect();
  return b.width >= 360 && b.height >= 640;
});
ok(cover, 'the blacklist warning covers the screen');
ok((await text('#alarm-text')).length > 0, 'the warning says why');
await shot('blacklist');
await click('#alarm-dismiss');
await page.waitForSelector('#alarm.hidden');
ok((await text('#visit-msg')).includes('黑名单'), 'the hit stays in words');
await shot('gate');
await click('#gate-tab-vehicle');
await ready('gate');
await type('#vehicle-plate', '京A·12345');
await click('#vehicle-submit');
await page.waitForSelector('#vehicle-resident');
ok((await text('#vehicle-resident')).includes('业主'),
  'a resident plate explained');
await shot('vehicle');
await click('#gate-tab-inside');
await ready('gate');
await page.waitForFunction(() => document.body.innerText.includes('钱宝'));
ok(!(await page.evaluate(() => document.body.innerText))
  .includes('110101199001011234'), 'the ID number is masked on screen');
await shot('gate-inside');

// A repair filed, taken, arrived at, completed with a drawn signature.
await nav('workorders');
await click('#wo-tab-new');
await ready('workorders');
await shot('workorder-new');
await type('#wo-place', '2-1-302');
await click('#wo-cat-plumbing');
await type('#wo-desc', '厨房水管漏水');
await click('#wo-create');
await click('#wo-take');
await click('#wo-arrive');
await page.waitForSelector('#wo-complete');
await makePhotos();
await photo('不能附上');
await type('#wo-labour', '45');
await type('#wo-materials', '水管接头 1 个');
await type('#wo-signer', '张伟');
await draw('#wo-sigpad');
await shot('workorder-complete');
await click('#wo-complete');
await page.waitForFunction(() => !document.querySelector('#wo-complete') &&
  document.querySelector('#wo-status') &&
  document.querySelector('#wo-status').textContent === '已完工');
await click('#wo-tab-mine');
await ready('workorders');
await shot('workorders');

// The vacant-unit checklist.
await nav('inspection');
await type('#insp-unit', '3-2-1201');
for (const it of ['doors_windows', 'water', 'power', 'gas', 'cracks'])
  await click(`#insp-${it}-ok`);
await click('#insp-leaks-fail');
await shot('inspection');
await click('#insp-submit');
await page.waitForSelector('#insp-msg.ok');

// Shift change on this device: li hands over to wang, who signs in with
// her own PIN and acknowledges with her own count.
await nav('handover');
await page.waitForSelector('#ho-to');
await page.select('#ho-to', 'guard-wang');
await click('#ho-item-0-plus');
await click('#ho-item-1-plus');
await click('#ho-item-1-plus');
await shot('handover');
await click('#ho-submit');
await click('#ho-switch');
await ready('signin');
await page.waitForSelector('#pin-ok');
await pin('1357');
await ready('handover');
await page.waitForSelector('#ack-submit');
ok((await text('#who')).includes('王芳'), 'wang is signed in');
await shot('handover-ack');
await click('#ack-submit');
await page.waitForSelector('#ack-msg.ok');

await nav('dutylog');
await type('#log-text', '3 号楼电梯间灯坏了');
await click('#log-submit');
await page.waitForFunction(() => document.body.innerText
  .includes('3 号楼电梯间灯坏了') && document.body.dataset.ready === '1');
await shot('dutylog');

await nav('sync');
await click('#sync-start');
await page.waitForSelector('#sync-done, #sync-failed', { timeout: 30000 });
ok(!!(await page.$('#sync-done')), 'sync done: ' + await text('#sync-result'));
await shot('sync');
await nav('more');
await shot('more');

// ---- English: the same screens ------------------------------------------------
await click('#lang-toggle');
lang = 'en';
await ready('more');
await shot('more');
await nav('now');
await shot('now');
await nav('scan');
await type('#scan-input', FORGED);
await page.keyboard.press('Enter');
await page.waitForSelector('#scan-refused');
ok((await text('#scan-why')).includes('not issued for this estate'),
  'forged tag refused in English');
await shot('scan-refused');
await type('#scan-input', P2);
await page.keyboard.press('Enter');
await page.waitForSelector('#scan-ok');
await shot('scan');
await click('#scan-anomaly');
await shot('anomaly');
await cameraScan();
await nav('gate');
await type('#visit-name', 'Zhao Si');
await page.select('#visit-idtype', 'passport');
await type('#visit-idno', 'E12345678');
await type('#visit-unit', '1-1-101');
await click('#visit-submit');
await page.waitForSelector('#alarm:not(.hidden)');
await shot('blacklist');
await click('#alarm-dismiss');
await page.waitForSelector('#alarm.hidden');
await shot('gate');
await click('#gate-tab-vehicle');
await ready('gate');
await type('#vehicle-plate', '京A·12345');
await click('#vehicle-submit');
await page.waitForSelector('#vehicle-resident');
await shot('vehicle');
await click('#gate-tab-inside');
await ready('gate');
await shot('gate-inside');
await nav('workorders');
await click('#wo-tab-open');
await ready('workorders');
await shot('workorders');
await click('#wo-tab-new');
await ready('workorders');
await shot('workorder-new');
await type('#wo-place', '1-2-201');
await click('#wo-cat-door_window');
await type('#wo-desc', 'front door lock stuck');
await click('#wo-create');
await click('#wo-take');
await click('#wo-arrive');
await page.waitForSelector('#wo-complete');
await photo('cannot be attached');
await draw('#wo-sigpad');
await shot('workorder-complete');
await nav('inspection');
await shot('inspection');
await nav('handover');
await page.waitForSelector('#ho-to');
await page.select('#ho-to', 'guard-li');
await click('#ho-item-1-plus');
await shot('handover');
await click('#ho-submit');
await click('#ho-switch');
await ready('signin');
await page.waitForSelector('#pin-ok');
ok(!(await text('#who')).includes('王芳'), 'wang is out once the pad opens');
await shot('pin');
await pin('2468');
await ready('handover');
await page.waitForSelector('#ack-submit');
await shot('handover-ack');
await click('#ack-submit');
await page.waitForSelector('#ack-msg.ok');
await nav('dutylog');
await shot('dutylog');
await nav('more');
await click('#signout');
await ready('signin');
await shot('signin');
await click('#staff-guard-zhao');
await page.waitForSelector('.pad.off');
ok((await text('#pin-msg')).includes('Locked'), 'locked, in English');
await shot('locked');
await click('#signin-back');
await ready('signin');
await signinAs('guard-li', '2468');
await nav('sync');
await click('#sync-start');
await page.waitForSelector('#sync-done, #sync-failed', { timeout: 30000 });
ok(!!(await page.$('#sync-done')), 'second sync done');
await shot('sync');

}

try {
  await scenario();
} catch (e) {
  ok(false, `${e.message}\n  screen: ` + await page.evaluate(() =>
    document.body.innerText.replace(/\s+/g, ' ')));
  await page.screenshot({ path: join(shots, 'FAILED.png') });
}
ok(problems.length === 0, 'console errors: ' + problems.join(' | '));
ok(foreign.length === 0, 'requests off the app\'s origin: ' + foreign);
ok(modulesGot.length === 0, 'modules fetched beside the bundle: ' +
  modulesGot);
await browser.close();
console.log(`browser: ${passes} passed, ${fails} failed`);
process.exit(fails ? 1 : 0);
