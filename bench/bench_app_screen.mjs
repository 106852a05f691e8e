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
// (screen_ms: when this process heard from the page, through a DevTools
// binding, that the frame with data-ready="1" is painted), and which
// screen it was; drawn_ms:
// the same by the page's own clock (the task after the frame that paints
// data-ready="1", in epoch time against the launch's), without the
// DevTools event's trip to this process.
//
// The breakdown (the "steps" object of each JSON line, and a table on
// stderr, one column a pair): medians, in ms from the launch, of each step
// of the first screen: the address printed; by the page's Performance API
// (navigation and resource timing, paint timing, the app's own marks,
// its performance.timeOrigin against the launch's epoch time): the
// navigation's start, /open's first and last byte, app.css and app.js
// loaded, the script running (the app's mark "rounds:boot"),
// DOMContentLoaded, each first API call's start and end (/api/now,
// /api/session, /api/staff; absent when the page did not ask, e.g. when
// /open carried the data), the first paint, data-ready="1" and the frame
// after it (drawn). A step a run did not have is left out of its median
// (and counted: "n" in the JSON). BENCH_STEPS=0 leaves the table out.
//
// bench_app_screen.mjs ROUNDS DATA RUNS ROUNDS2 DATA2 [ROUNDS3 DATA3 ...]:
// the launches of each (ROUNDS, DATA) pair by turns, RUNS each, in the same
// browser (a comparison on a shared, noisy machine: docs/PERFORMANCE.md);
// one JSON line per pair, in the order given, with its "rounds".
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.env.NODE_PATH, 'x'));
const puppeteer = require('puppeteer-core');
const [rounds, data, runsArg, ...more] = process.argv.slice(2);
const runs = +(runsArg || 11);
const pairs = [[rounds, data]];
for (let i = 0; i + 1 < more.length; i += 2) pairs.push([more[i], more[i + 1]]);

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--lang=zh-CN'],
});
const page = await browser.newPage();
await page.setViewport({ width: 360, height: 640, deviceScaleFactor: 1,
  isMobile: true, hasTouch: false });

// The page's own time of data-ready="1" and of its frame: the rAF after
// it is the frame that paints it; the message posted from there runs once
// that frame is painted (drawn). Then the page calls the DevTools binding
// __roundsDrawn, which reaches this process at once as an event (a
// waitForSelector polls from an injected script and saw the same screen
// 90-100 ms later on a quiet machine: its latency, not the app's).
const cdp = await page.target().createCDPSession();
await cdp.send('Runtime.enable');
await cdp.send('Runtime.addBinding', { name: '__roundsDrawn' });
let sawDrawn = () => {};
cdp.on('Runtime.bindingCalled', (e) => {
  if (e.name === '__roundsDrawn') sawDrawn(performance.now());
});
await page.evaluateOnNewDocument(() => {
  new MutationObserver((ms) => {
    for (const m of ms)
      if (m.target.dataset.ready === '1' && !window.__drawnAt &&
          !window.__readyAt) {
        window.__readyAt = performance.now();
        requestAnimationFrame(() => {
          const ch = new MessageChannel();
          ch.port1.onmessage = () => {
            window.__drawnAt = performance.timeOrigin + performance.now();
            if (typeof window.__roundsDrawn === 'function')
              window.__roundsDrawn('');
          };
          ch.port2.postMessage(0);
        });
      }
  }).observe(document, { attributes: true, subtree: true,
    attributeFilter: ['data-ready'] });
});

// The steps of one launch, in ms after the page's navigation start (its
// timeOrigin, returned too): read once the frame after data-ready is in.
function pageSteps() {
  const n = performance.getEntriesByType('navigation')[0] || {};
  const s = {
    'navigation start': 0,
    '/open connected': n.connectEnd,
    '/open first byte': n.responseStart,
    '/open last byte': n.responseEnd,
    'DOMContentLoaded': n.domContentLoadedEventStart,
  };
  for (const e of performance.getEntriesByType('resource')) {
    const p = new URL(e.name).pathname;
    if (p === '/app.js' || p === '/app.css') {
      s[p + ' asked'] = e.startTime;
      s[p + ' loaded'] = e.responseEnd;
    } else if (p.startsWith('/api/') && s[p + ' asked'] === undefined) {
      s[p + ' asked'] = e.startTime;
      s[p + ' answered'] = e.responseEnd;
    }
  }
  for (const e of performance.getEntriesByType('mark'))
    if (e.name.startsWith('rounds:')) s['mark ' + e.name] = e.startTime;
  for (const e of performance.getEntriesByType('paint'))
    s[e.name] = e.startTime;
  s['data-ready'] = window.__readyAt;
  s['drawn'] = window.__drawnAt - performance.timeOrigin;
  return { origin: performance.timeOrigin, s };
}

let tNav = 0;
if (process.env.BENCH_DEBUG)
  page.on('requestfinished', (rq) => {
    const r = rq.response();
    console.error(`${(performance.now() - tNav).toFixed(1)} ms ` +
      `${r ? r.status() : '-'} ${rq.url().replace(/\?k=.*/, '')}`);
  });

function launch(rounds, data) {
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
const res = pairs.map(() => ({ urlMs: [], screenMs: [], drawnMs: [],
  steps: {}, screen: '' }));
const addStep = (x, name, ms) => {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return;
  (x.steps[name] = x.steps[name] || []).push(ms);
};
for (let r = 0; r < runs; r++) {
  for (let p = 0; p < pairs.length; p++) {
    const x = res[p];
    await page.goto('about:blank');
    const t0 = performance.now();
    const { app, url } = launch(...pairs[p]);
    const u = await url;
    const t1 = performance.now();
    tNav = t1;
    const seen = new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error('no drawn screen in 15 s')),
        15000);
      sawDrawn = (t) => { clearTimeout(timer); res(t); };
    });
    await page.goto(u, { waitUntil: 'domcontentloaded' });
    const t2 = await seen;
    sawDrawn = () => {};
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
    x.screen = await page.$eval('body[data-ready="1"] [data-screen]',
      (e) => e.dataset.screen).catch(() => '?');
    const drawn = await page.waitForFunction(() => window.__drawnAt,
      { timeout: 5000 }).then((h) => h.jsonValue());
    x.drawnMs.push(drawn - (performance.timeOrigin + t0));
    const ps = await page.evaluate(pageSteps);
    const nav0 = ps.origin - (performance.timeOrigin + t0);
    addStep(x, 'address printed', t1 - t0);
    for (const [k, v] of Object.entries(ps.s))
      if (v !== undefined && v !== null && (v > 0 || k === 'navigation start'))
        addStep(x, k, nav0 + v);
    addStep(x, 'bench saw it drawn', t2 - t0);
    x.urlMs.push(t1 - t0);
    x.screenMs.push(t2 - t0);
    if (process.env.BENCH_DEBUG)
      console.error(`${pairs[p][0]}: ${(t2 - t0).toFixed(1)} ms, drawn ` +
        `${x.drawnMs[x.drawnMs.length - 1].toFixed(1)} ms`);
    const gone = new Promise((res) => app.on('exit', res));
    app.kill('SIGTERM');
    await gone;
  }
}
await browser.close();
// The steps in the order of their medians (the first pair's), each a
// median of the runs that had it.
const stepNames = [...new Set(res.flatMap((x) => Object.keys(x.steps)))];
const stepMed = (x, k) => (x.steps[k] ? +med(x.steps[k]).toFixed(1) : null);
stepNames.sort((a, b) => {
  const m = (k) => res.map((x) => stepMed(x, k)).find((v) => v !== null);
  return m(a) - m(b);
});
if (process.env.BENCH_STEPS !== '0') {
  const w = Math.max(...stepNames.map((k) => k.length));
  console.error('first screen by step: medians, ms from the launch of ' +
    `rounds app (${runs} launches each)`);
  console.error(''.padEnd(w) + pairs.map((_, p) => `  ${('#' + (p + 1))
    .padStart(8)}`).join(''));
  for (const k of stepNames)
    console.error(k.padEnd(w) + res.map((x) => {
      const v = stepMed(x, k);
      return '  ' + (v === null ? '-' : v.toFixed(1)).padStart(8);
    }).join(''));
  pairs.forEach((pr, p) => console.error(`#${p + 1}: ${pr[0]} ${pr[1]}`));
}
for (let p = 0; p < pairs.length; p++) {
  const x = res[p];
  const steps = {};
  for (const k of stepNames)
    if (x.steps[k]) steps[k] = { ms: stepMed(x, k), n: x.steps[k].length };
  console.log(JSON.stringify({ runs, screen: x.screen,
    url_ms: +med(x.urlMs).toFixed(1), screen_ms: +med(x.screenMs).toFixed(1),
    screen_min_ms: +Math.min(...x.screenMs).toFixed(1),
    screen_max_ms: +Math.max(...x.screenMs).toFixed(1),
    drawn_ms: +med(x.drawnMs).toFixed(1),
    drawn_min_ms: +Math.min(...x.drawnMs).toFixed(1), steps,
    ...(pairs.length > 1 ? { rounds: pairs[p][0] } : {}) }));
}
