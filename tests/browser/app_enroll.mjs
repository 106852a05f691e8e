// app_enroll.mjs URL SHOTS: the handheld app's enroll screen in Debian's
// headless Chromium (puppeteer-core, executablePath set). Run by
// test_app_enroll_browser.sh, which set up roundsd, a handheld that is
// initialised and not enrolled, and `rounds app`; env BAD (the payload
// with one wrong fingerprint digit), CHROMIUM, CAMERA_Y4M (the fake
// camera's film: the QR code of the right payload). Waits are on
// conditions (selectors), never on time.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.env.NODE_PATH, 'x'));
const puppeteer = require('puppeteer-core');
const [url, shots] = process.argv.slice(2);
const { BAD, CAMERA_Y4M } = process.env;

let fails = 0, passes = 0;
function ok(cond, what) {
  if (cond) passes++;
  else { fails++; console.log('FAIL: ' + what); }
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--lang=zh-CN',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    '--use-file-for-fake-video-capture=' + CAMERA_Y4M],
});
const page = await browser.newPage();
await page.setViewport({ width: 360, height: 640, deviceScaleFactor: 1,
  isMobile: true, hasTouch: false });
const problems = [];
page.on('pageerror', (e) => problems.push('page error: ' + e.message));
page.setDefaultTimeout(20000);
const ready = (screen) => page.waitForSelector(
  `body[data-ready="1"] section[data-screen="${screen}"]`);
const text = (sel) => page.$eval(sel, (e) => e.textContent);
const click = async (sel) => {
  await page.waitForSelector(sel + ':not([disabled])', { visible: true });
  await page.click(sel);
};

try {
  await page.goto(url);
  // Not enrolled: whatever the address asks for, the enroll screen.
  await ready('enroll');
  ok((await text('#enroll-hint')).includes('S1'), 'the hint names the site');
  await page.screenshot({ path: join(shots, 'enroll-zh.png') });
  // A code whose fingerprint is not the server's certificate's: refused.
  await page.type('#enroll-payload', BAD);
  await click('#enroll-go');
  await page.waitForSelector('#enroll-refused');
  ok((await text('#enroll-why')).length > 0, 'the refusal says why');
  await page.screenshot({ path: join(shots, 'enroll-refused-zh.png') });
  // The camera reads the office's QR code: enrolled, then the first sync.
  await click('#enroll-camera');
  await page.waitForSelector('#enroll-done');
  await page.waitForSelector('#enroll-synced, #enroll-sync-state.msg');
  ok(await page.$('#enroll-synced') !== null, 'the first sync succeeded');
  await page.screenshot({ path: join(shots, 'enroll-done-zh.png') });
  await click('#enroll-signin');
  await ready('signin');
  // The staff list came with that sync: guard-li can sign in.
  await page.waitForFunction(() =>
    document.body.innerText.includes('李娜'));
  ok(true, 'the staff list arrived');
} catch (e) {
  fails++;
  console.log('FAIL: ' + e.message);
  await page.screenshot({ path: join(shots, 'enroll-failure.png') })
    .catch(() => {});
}
ok(problems.length === 0, 'page errors: ' + problems.join('; '));
await browser.close();
console.log(`${passes} passed, ${fails} failed`);
process.exit(fails ? 1 : 0);
