// i18n.js: the page's own strings, zh-CN first, English one click away
// (remembered in localStorage). Titles of tables and reports are written by
// C for the language the page asks (`lang`); only the page's own words
// live in i18n/<lang>.js. A key missing from a dictionary is reported on
// the console (the browser test fails on it), never shown raw.
import zh from '../i18n/zh-CN.js';
import en from '../i18n/en.js';

const dicts = { 'zh-CN': zh, en };
const KEY = 'rounds.dash.lang';
let lang = 'zh-CN';

export function setLang(l, remember) {
  lang = dicts[l] ? l : 'zh-CN';
  document.documentElement.lang = lang;
  if (remember) {
    try { localStorage.setItem(KEY, lang); } catch (e) { /* private mode */ }
  }
}
export function savedLang() {
  try { return localStorage.getItem(KEY) || 'zh-CN'; } catch (e) {
    return 'zh-CN';
  }
}
export function getLang() { return lang; }

function fill(s, vars) {
  return s.replace(/\{(\w+)\}/g, (m, k) =>
    vars && vars[k] !== undefined && vars[k] !== null ? String(vars[k]) : '');
}

export function t(key, vars) {
  let s = dicts[lang][key];
  if (s === undefined) {
    console.error('i18n missing: ' + key);
    s = dicts[lang]['missing'];
  }
  return fill(s, vars);
}

// The label of a value (role, register kind, channel...): its translation
// when there is one, else the value itself (data, not a key).
export function opt(group, value) {
  const k = `${group}.${value}`;
  return dicts[lang][k] !== undefined ? dicts[lang][k] : String(value ?? '');
}

// Local time of ms since the epoch: "HH:MM", with the date when it is not
// today.
export function when(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  const hm = `${p(d.getHours())}:${p(d.getMinutes())}`;
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return hm;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${hm}`;
}

// An ISO time the API wrote in the office's offset, shown as the office
// reads it: "2026-11-28 02:00" (no conversion into the browser's zone).
export function isoText(s) {
  if (typeof s !== 'string') return s === null || s === undefined ? '—' :
    String(s);
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)/.exec(s);
  return m ? `${m[1]} ${m[2]}` : s;
}

// "YYYY-MM-DD" -> the next day, same form (an exclusive "to" that takes
// the whole day typed); anything else unchanged.
export function dayAfter(d) {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(d || '');
  if (!m) return d;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + 1)).toISOString()
    .slice(0, 10);
}

// An API error in the clerk's words: err.CODE.FIELD, else err.CODE, else a
// general sentence with the server's English message as detail.
export function errText(e) {
  if (!e) return t('err.other', { message: '' });
  const vars = { field: e.field || '', tries: e.tries_left,
    until: when(e.until_ms), message: e.message || '' };
  if (e.code === 'EAUTH' && (e.tries_left === undefined ||
    e.tries_left < 0)) return fill(dicts[lang]['err.EAUTH.unknown'], vars);
  for (const k of [`err.${e.code}.${e.field}`, `err.${e.code}`]) {
    if (dicts[lang][k] !== undefined) return fill(dicts[lang][k], vars);
  }
  return fill(dicts[lang]['err.other'], vars);
}
