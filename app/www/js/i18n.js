// i18n.js: the page's strings, zh-CN first, English a tap away. Keys live
// in i18n/<lang>.js; a key missing from both is reported on the console
// (the browser test fails on it) and shown as a neutral word, never as the
// raw key.
import zh from '../i18n/zh-CN.js';
import en from '../i18n/en.js';

const dicts = { 'zh-CN': zh, en };
let lang = 'zh-CN';

export function setLang(l) {
  lang = dicts[l] ? l : 'zh-CN';
  document.documentElement.lang = lang;
}
export function getLang() { return lang; }

function fill(s, vars) {
  return s.replace(/\{(\w+)\}/g, (m, k) =>
    vars && vars[k] !== undefined && vars[k] !== null ? String(vars[k]) : '');
}

export function has(key) { return dicts[lang][key] !== undefined; }

export function t(key, vars) {
  let s = dicts[lang][key];
  if (s === undefined) {
    console.error('i18n missing: ' + key);
    s = dicts[lang]['missing'];
  }
  return fill(s, vars);
}

// The label of an enum value (category, id type...): its translation when
// there is one, else the value itself (data, not a key).
export function opt(group, value) {
  const k = `${group}.${value}`;
  return dicts[lang][k] !== undefined ? dicts[lang][k] : String(value ?? '');
}

// An API error in the guard's words: err.CODE.FIELD, else err.CODE, else a
// general sentence with the library's English message as detail.
export function errText(e) {
  if (!e) return t('err.other');
  const vars = { field: e.field ? opt('field', e.field) : '',
    tries: e.tries_left, message: e.message || '' };
  for (const k of [`err.${e.code}.${e.field}`, `err.${e.code}`]) {
    if (dicts[lang][k] !== undefined) return fill(dicts[lang][k], vars);
  }
  return fill(dicts[lang]['err.other'], vars);
}

// Times: the device's local time, 24-hour.
export function clock(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}`;
}
export function dateTime(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getMonth() + 1}-${p(d.getDate())} ${clock(ms)}`;
}
// A duration in words: "12 分钟", "1 小时 5 分钟".
export function span(ms) {
  const m = Math.round(Math.abs(ms) / 60000);
  if (m < 60) return t('t.min', { n: m });
  const hh = Math.floor(m / 60), mm = m % 60;
  return mm ? t('t.hmin', { h: hh, m: mm }) : t('t.hour', { h: hh });
}
