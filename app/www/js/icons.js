// icons.js: the app's icons, drawn inline. Each is a 24x24 stroke
// drawing: its colour and its shapes (SVG elements and their attributes).
// An <img> of an .svg file is a whole SVG document of its own in the
// browser: the first screen's ten cost it 90 ms of a 1M-op store's 300 ms
// on this machine (docs/PERFORMANCE.md, "Session 14: the icons inline");
// inline <svg> elements are laid out with the page. Only icons/logo.svg
// stays a file, for the browser's tab (index.html's favicon).
const NS = 'http://www.w3.org/2000/svg';
const AMBER = '#f0a020';
const shapes = {
  camera: [AMBER, [
    ['path', { d: 'M3 7h4l2-3h6l2 3h4v13H3z' }],
    ['circle', { cx: '12', cy: '13', r: '4' }]]],
  check: ['#2fbf71', [
    ['circle', { cx: '12', cy: '12', r: '10' }],
    ['path', { d: 'M7 12.5l3.5 3.5L17 9' }]]],
  cross: ['#ff5a5f', [
    ['circle', { cx: '12', cy: '12', r: '10' }],
    ['path', { d: 'M8 8l8 8M16 8l-8 8' }]]],
  dutylog: [AMBER, [
    ['path', { d: 'M5 3h11l3 3v15H5z' }],
    ['path', { d: 'M8.5 9h7M8.5 13h7M8.5 17h4' }]]],
  gate: [AMBER, [
    ['path', { d: 'M3 21V8l9-5 9 5v13' }],
    ['path', { d: 'M8 21v-8h8v8M12 13v8' }]]],
  handover: [AMBER, [
    ['path', { d: 'M3 12h13M12 7l5 5-5 5' }],
    ['path', { d: 'M20 4v16' }]]],
  inspection: [AMBER, [
    ['path', { d: 'M9 3h6v3H9z' }],
    ['path', { d: 'M16 4.5h2.5V21h-13V4.5H8' }],
    ['path', { d: 'M8.5 13l2.5 2.5 4.5-5' }]]],
  logo: [AMBER, [
    ['path', { d: 'M12 2l8 3v6c0 5-3.5 9-8 11-4.5-2-8-6-8-11V5z' }],
    ['path', { d: 'M8.5 12l2.5 2.5 4.5-5' }]]],
  moon: [AMBER, [
    ['path', { d: 'M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z' }]]],
  more: [AMBER, [
    ['circle', { cx: '5', cy: '12', r: '1.6' }],
    ['circle', { cx: '12', cy: '12', r: '1.6' }],
    ['circle', { cx: '19', cy: '12', r: '1.6' }]]],
  nfc: [AMBER, [
    ['path', { d: 'M6 8.5a5 5 0 0 1 0 7M9.5 6a9 9 0 0 1 0 12' +
      'M13 3.5a13 13 0 0 1 0 17' }]]],
  now: [AMBER, [
    ['circle', { cx: '12', cy: '12', r: '9.5' }],
    ['path', { d: 'M12 6.5V12l3.5 2.5' }]]],
  person: [AMBER, [
    ['circle', { cx: '12', cy: '8', r: '4' }],
    ['path', { d: 'M4 21c0-4 3.6-7 8-7s8 3 8 7' }]]],
  scan: [AMBER, [
    ['path', { d: 'M3 8V4h4M17 4h4v4M21 16v4h-4M7 20H3v-4' }],
    ['rect', { x: '7.5', y: '7.5', width: '9', height: '9', rx: '1' }]]],
  signout: [AMBER, [
    ['path', { d: 'M9 21H5V3h4' }],
    ['path', { d: 'M16 17l5-5-5-5M21 12H9' }]]],
  sun: [AMBER, [
    ['circle', { cx: '12', cy: '12', r: '4.5' }],
    ['path', { d: 'M12 1.5v2.5M12 20v2.5M1.5 12H4M20 12h2.5M4.6 4.6l1.8' +
      ' 1.8M17.6 17.6l1.8 1.8M4.6 19.4l1.8-1.8M17.6 6.4l1.8-1.8' }]]],
  sync: [AMBER, [
    ['path', { d: 'M20 11A8 8 0 0 0 5.3 6.3L3 8.5M3 3.5v5h5' }],
    ['path', { d: 'M4 13a8 8 0 0 0 14.7 4.7L21 15.5M21 20.5v-5h-5' }]]],
  warning: ['#ffffff', [
    ['path', { d: 'M12 2.5L1.5 21h21z' }],
    ['path', { d: 'M12 9v5.5M12 18v.5' }]]],
  workorders: [AMBER, [
    ['path', { d: 'M14.7 6.3a4 4 0 0 0-5.4 5.4L3 18l3 3 6.3-6.3a4 4 0 0 0' +
      ' 5.4-5.4l-2.6 2.6-2.4-.6-.6-2.4z' }]]],
};

// A new <svg> element of icon name, class cls (default 'ico': the
// stylesheet gives its size); an unknown name draws nothing.
export function svgIcon(name, cls) {
  const [stroke, parts] = shapes[name] || [AMBER, []];
  const el = svg('svg', { class: cls || 'ico', viewBox: '0 0 24 24',
    fill: 'none', stroke, 'stroke-width': '2', 'stroke-linecap': 'round',
    'stroke-linejoin': 'round', 'aria-hidden': 'true', 'data-icon': name });
  for (const [tag, attrs] of parts) el.appendChild(svg(tag, attrs));
  return el;
}

function svg(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const k in attrs) el.setAttribute(k, attrs[k]);
  return el;
}
