// bench_app_screen.mjs ROUNDS DATA RUNS: the app's first screen, timed from
// the launch of `rounds app` (bench_app.sh; docs/PERFORMANCE.md "The
// handheld app"). Debian's headless Chromium (puppeteer-core from
// NODE_PATH, executablePath set: no browser download) is started first
// and kept, as a device's browser or WebView is; then, RUNS times: spawn
// `rounds app --data DATA`, read the address it prints, open it in a
// 360x640 page, and wait for body[data-ready="1"] (the page sets it once
// the first screen has drawn its data: for a signed-in person, Now from
// GET /api/now). Prints one JSON line: medians and maxima in ms of the
// launch to the printed address (url_ms) and to the drawn screen
// (screen_ms), and which screen it was.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.env.NODE_PATH, 'x'));
const puppeteer = require('puppeteer-core');
const [rounds, data, runsArg] = process.argv.slice(2);
const runs = +(runsArg || 11);

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--lang=zh-CN'],
});
const page = await browser.newPage();
await page.setViewport({ width: 360, height: 640, deviceScaleFactor: 1,
  isMobile: true, hasTouch: false });

let tNav = 0;
if (process.env.BENCH_DEBUG)
  page.on('requestfinished', (rq) => {
    const r = rq.response();
    console.error(`${(performance.now() - tNav).toFixed(1)} ms ` +
      `${r ? r.status() : '-'} ${rq.url().replace(/\?k=.*/, '')}`);
  });

function launch() {
  const app = spawn(rounds, ['app', '--data', data],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = new Promise((resolve, reject) => {
    let buf = '';
    app.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl).trim());
    });
    app.on('exit', (code) => reject(new Error(`rounds app exited ${code}`)));
  });
  return { app, url };
}

const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const urlMs = [], screenMs = [];
let screen = '';
for (let r = 0; r < runs; r++) {
  await page.goto('about:blank');
  const t0 = performance.now();
  const { app, url } = launch();
  const u = await url;
  const t1 = performance.now();
  tNav = t1;
  await page.goto(u);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  const t2 = performance.now();
  screen = await page.$eval('body[data-ready="1"] [data-screen]',
    (e) => e.dataset.screen).catch(() => '?');
  urlMs.push(t1 - t0);
  screenMs.push(t2 - t0);
  const gone = new Promise((res) => app.on('exit', res));
  app.kill('SIGTERM');
  await gone;
}
await browser.close();
console.log(JSON.stringify({ runs, screen,
  url_ms: +med(urlMs).toFixed(1), screen_ms: +med(screenMs).toFixed(1),
  screen_max_ms: +Math.max(...screenMs).toFixed(1) }));
