// table.js: the API's TABLE object drawn as an HTML table (columns, rows,
// "bad" rows red and "warn" rows amber, a value in the words of its
// column's labels), its duration cells as clocks that
// count down each second from the API's ms (span cells, a limit or an
// offset, as answered), and report charts as SVG bars
// drawn from a section's numbers. The page computes no rule: states and
// clocks are the API's, only the seconds since the answer are counted here.
import { h, clear } from './dom.js';
import { t, isoText } from './i18n.js';

// Clocks: each .clock element ends at data-end (performance.now() ms).
const TICK_MS = 1000;
let ticker = null;

// A length of time as "[Nd ]h:mm:ss", without its sign.
function spanBody(ms) {
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const p = (n) => String(n).padStart(2, '0');
  return (d ? `${d}${t('clock.day')} ` : '') + `${hh}:${p(mm)}:${p(ss)}`;
}

// Time left on a clock; past its end, "over by ...".
function clockText(left) {
  const body = spanBody(left);
  return left < 0 ? t('clock.over', { t: body }) : body;
}

// A limit, an elapsed time or an offset: signed, never "over".
const spanText = (ms) => (ms < 0 ? '−' : '') + spanBody(ms);

export function tick() {
  const now = performance.now();
  for (const el of document.querySelectorAll('.clock[data-end]')) {
    const left = Number(el.dataset.end) - now;
    el.textContent = clockText(left);
    el.classList.toggle('over', left < 0);
  }
}

function startTicker() {
  if (!ticker) ticker = setInterval(tick, TICK_MS);
}

// A value the API gave words for (its column's labels), or undefined.
function words(col, v) {
  return col.labels && typeof v === 'string' &&
    Object.prototype.hasOwnProperty.call(col.labels, v) ? col.labels[v] :
    undefined;
}

// A chart's group name: the value's words, else the value as text.
function label(col, v) {
  const w = words(col, v);
  return w !== undefined ? w : String(isoText(v));
}

const numeric = (col) => ['int', 'real', 'duration', 'span'].includes(col.type);

function cell(col, v) {
  if (v === null || v === undefined || v === '') {
    return h('td', numeric(col) ? { class: 'num' } : {}, '—');
  }
  const w = words(col, v);
  if (w !== undefined) return h('td', { data: { value: v } }, w);
  switch (col.type) {
    case 'duration': {
      startTicker();
      const el = h('span', { class: 'clock', data: {
        end: String(performance.now() + Number(v)) } });
      el.textContent = clockText(Number(v));
      el.classList.toggle('over', Number(v) < 0);
      return h('td', { class: 'num' }, el);
    }
    case 'span': return h('td', { class: 'num' }, spanText(Number(v)));
    case 'time': return h('td', { class: 'time' }, isoText(v));
    case 'bool': return h('td', { class: 'bool' }, v ? t('yes') : t('no'));
    case 'int': return h('td', { class: 'num' }, String(v));
    case 'real': return h('td', { class: 'num' },
      typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v));
    default: return h('td', {}, typeof v === 'object' ? JSON.stringify(v) :
      String(v));
  }
}

// The table as an element (its title is the caller's heading). opts: id
// (of the <table>), onRow(row, values)
// makes rows buttons (keyboard and touch), empty (words when no rows),
// hide (keys of columns not drawn: ids where the row has words; their
// values still reach onRow).
export function table(tb, opts) {
  opts = opts || {};
  const cols = (tb && tb.columns) || [];
  const rows = (tb && tb.rows) || [];
  const shown = cols.map((c, i) => i).filter((i) =>
    !(opts.hide || []).includes(cols[i].key));
  const head = h('tr', {}, shown.map((i) => h('th', { scope: 'col',
    class: numeric(cols[i]) ? 'num' : '' }, cols[i].title || cols[i].key)));
  const body = h('tbody', {});
  for (const r of rows) {
    const vals = {};
    cols.forEach((c, i) => { vals[c.key] = r.cells ? r.cells[i] : null; });
    const tr = h('tr', { class: 'st-' + (r.state || 'ok'),
      data: { id: r.id || '', state: r.state || 'ok' } },
    shown.map((i) => cell(cols[i], r.cells ? r.cells[i] : null)));
    if (opts.onRow) {
      tr.classList.add('pick');
      tr.tabIndex = 0;
      tr.addEventListener('click', () => opts.onRow(r, vals));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') opts.onRow(r, vals);
      });
    }
    body.appendChild(tr);
  }
  if (!rows.length) {
    body.appendChild(h('tr', { class: 'empty' }, h('td', {
      colspan: String(Math.max(shown.length, 1)) }, opts.empty ||
      t('table.empty'))));
  }
  return h('div', { class: 'tablewrap' },
    h('table', { id: opts.id, class: 'tbl', data: { name: tb && tb.name ||
      '' } }, h('thead', {}, head), body));
}

// A titled panel around a table: <section class="panel"><h2>..</h2>..
export function panel(tb, opts) {
  const n = ((tb && tb.rows) || []).length;
  const bad = ((tb && tb.rows) || []).filter((r) => r.state === 'bad').length;
  return h('section', { class: 'panel', id: opts && opts.panelId },
    h('h2', {}, (tb && tb.title) || '', h('span', { class: 'count' },
      String(n)), bad ? h('span', { class: 'count bad' },
      t('table.bad', { n: bad })) : null),
    table(tb, opts));
}

// ---- charts -------------------------------------------------------------
const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k,
    String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

// A horizontal bar chart of chart {section, label, values:[col...]} over
// the section TABLE: one group per row (named by its `label` cell), one
// bar per value column, scaled to the largest number.
export function barChart(chart, tb) {
  const cols = tb.columns || [];
  const li = cols.findIndex((c) => c.key === chart.label);
  const vi = (chart.values || []).map((k) => cols.findIndex((c) =>
    c.key === k)).filter((i) => i >= 0);
  const rows = (tb.rows || []).slice(0, 40);
  const nums = (r, i) => Number(r.cells[i]) || 0;
  let max = 0;
  for (const r of rows) for (const i of vi) max = Math.max(max, nums(r, i));
  const W = 640, LW = 170, BH = 16, GAP = 8;
  // The legend: as many titles a line as fit in the chart's width.
  const LEGW = 200, per = Math.max(1, Math.floor(W / LEGW));
  const legLines = Math.max(1, Math.ceil(vi.length / per));
  const gh = vi.length * BH + GAP;
  const H = Math.max(rows.length * gh + 16 + legLines * 20, 60);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart',
    role: 'img', 'aria-label': tb.title || chart.section });
  rows.forEach((r, ri) => {
    const y0 = ri * gh + 4;
    svg.appendChild(s('text', { x: LW - 8, y: y0 + (vi.length * BH) / 2 + 5,
      'text-anchor': 'end', class: 'lbl' },
    li >= 0 ? label(cols[li], r.cells[li]) : String(ri + 1)));
    vi.forEach((ci, k) => {
      const v = nums(r, ci);
      const w = max > 0 ? Math.round(((W - LW - 60) * v) / max) : 0;
      const y = y0 + k * BH;
      svg.appendChild(s('rect', { x: LW, y, width: Math.max(w, 1),
        height: BH - 3, class: 'bar b' + (k % 6) }));
      svg.appendChild(s('text', { x: LW + w + 6, y: y + BH - 5,
        class: 'val' }, String(r.cells[ci] ?? 0)));
    });
  });
  // The legend: the value columns' titles.
  vi.forEach((ci, k) => {
    const x = (k % per) * LEGW + 4;
    const ly = rows.length * gh + 20 + Math.floor(k / per) * 20;
    svg.appendChild(s('rect', { x, y: ly - 10, width: 12, height: 12,
      class: 'bar b' + (k % 6) }));
    svg.appendChild(s('text', { x: x + 18, y: ly, class: 'lbl' },
      cols[ci].title || cols[ci].key));
  });
  return h('figure', { class: 'chartbox' }, h('figcaption', {},
    chart.title || tb.title || chart.section), svg);
}

export function clearTicker() {
  if (ticker && !document.querySelector('.clock')) {
    clearInterval(ticker);
    ticker = null;
  }
}
export { clear };
