// check_i18n.mjs: every t('key') the page uses exists in both languages,
// and both dictionaries have the same keys. Run by test_app_browser.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const www = process.argv[2];
const zh = (await import(pathToFileURL(join(www, 'i18n/zh-CN.js')))).default;
const en = (await import(pathToFileURL(join(www, 'i18n/en.js')))).default;
let bad = 0;
for (const [a, b, na] of [[zh, en, 'zh-CN'], [en, zh, 'en']]) {
  for (const k of Object.keys(a)) {
    if (!(k in b)) { console.log(`key ${k} in ${na} only`); bad++; }
  }
}
function walk(d) {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.js') ? [p] : [];
  });
}
for (const f of walk(www)) {
  if (f.includes('/i18n/')) continue;
  const src = readFileSync(f, 'utf8');
  for (const m of src.matchAll(/\bt\('([a-z_.A-Z]+)'/g)) {
    const k = m[1];
    if (k.endsWith('.')) continue; // a prefix, completed at run time
    if (!(k in zh)) { console.log(`${f}: t('${k}') missing`); bad++; }
  }
  if (/style\s*=|\.innerHTML\s*=|onclick\s*=\s*"/.test(src)) {
    console.log(`${f}: style attribute, innerHTML or inline handler`);
    bad++;
  }
}
console.log(bad ? `i18n: ${bad} problems` : 'i18n: ok');
process.exit(bad ? 1 : 0);
