// sigpad.js: the resident's signature drawn on a canvas. Strokes are kept
// in the contract's coordinates (integers 0..999 across, 0..399 down on a
// 1000x400 pad) and sent as field signature_strokes:
// "x,y x,y;x,y x,y" (strokes split by ';', points by ' '). The library
// validates and normalises them (proto/strokes.c).
import { h } from './dom.js';

const W = 1000, H = 400, MAX = 4000;

export function sigpad(id) {
  const canvas = h('canvas', { id, class: 'sig', width: W, height: H });
  const strokes = [];
  let cur = null;
  const ctx = canvas.getContext('2d');
  const ink = () => getComputedStyle(canvas).color || '#000';
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    const x = Math.round(((e.clientX - r.left) / r.width) * W);
    const y = Math.round(((e.clientY - r.top) / r.height) * H);
    return [Math.min(W - 1, Math.max(0, x)), Math.min(H - 1, Math.max(0, y))];
  };
  const draw = () => {
    ctx.clearRect(0, 0, W, H);
    ctx.lineWidth = 10;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = ink();
    for (const s of strokes) {
      ctx.beginPath();
      s.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      if (s.length === 1) ctx.lineTo(s[0][0] + 1, s[0][1]);
      ctx.stroke();
    }
  };
  canvas.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    cur = [at(e)];
    strokes.push(cur);
    draw();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!cur) return;
    const p = at(e), q = cur[cur.length - 1];
    if (p[0] !== q[0] || p[1] !== q[1]) cur.push(p);
    draw();
  });
  const end = () => { cur = null; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  return {
    el: canvas,
    clear() { strokes.length = 0; draw(); },
    empty() { return strokes.length === 0; },
    // The text form; points are thinned until it fits the 4000-byte cap.
    text() {
      for (let step = 1; ; step++) {
        const s = strokes.map((st) => st.filter((p, i) =>
          i % step === 0 || i === st.length - 1)
          .map(([x, y]) => `${x},${y}`).join(' ')).join(';');
        if (s.length <= MAX || step > 50) return s;
      }
    },
  };
}
