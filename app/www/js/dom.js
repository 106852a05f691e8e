// dom.js: the page's small DOM helpers. Elements are built with h(); no
// HTML strings and no style attributes (the CSP allows neither).
import { svgIcon } from './icons.js';

export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'data') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, kids);
  return el;
}

function add(el, kids) {
  for (const c of kids) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) add(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// el.append() without its surprise: null, undefined and false add nothing
// (the DOM's own append writes "null").
export function put(el, ...kids) {
  add(el, kids);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// An icon, inline (icons.js); cls its size class, default 'ico'.
export function icon(name, cls) {
  return svgIcon(name, cls);
}

// A big button: id, label, handler, extra class.
export function btn(id, label, onclick, cls) {
  return h('button', { id, type: 'button', class: 'btn ' + (cls || ''),
    onclick }, label);
}

// A labelled input row.
export function field(id, label, input) {
  input.id = id;
  return h('label', { class: 'fld', for: id }, h('span', {}, label), input);
}

export function show(el, on) {
  el.classList.toggle('hidden', !on);
}
