// scan.js: checkpoint scans. A keyboard-wedge scanner types the tag's
// signed payload and Enter into #scan-input; the camera (camera.js: the
// browser's BarcodeDetector, else the pinned zxing-wasm) and NFC
// (NDEFReader) are offered when the browser has them. The library
// verifies the payload (scan.record, field payload); a refusal is shown in
// words. After a scan, an anomaly with a note and a work order is two taps:
// "something is wrong", then the kind of fault.
import * as api from '../api.js';
import { h, clear, icon, btn, show, put } from '../dom.js';
import { t, opt, errText, clock } from '../i18n.js';
import { hasCamera, startCamera } from '../camera.js';

const faults = ['door_window', 'public_lighting', 'public_facility',
  'plumbing', 'electrical', 'other'];

export async function render(root, app) {
  const result = h('div', { id: 'scan-result', class: 'result hidden' });
  const input = h('input', { id: 'scan-input', class: 'wedge',
    autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false',
    placeholder: t('scan.wedge_ph'), enterkeyhint: 'done' });
  const manual = h('input', { id: 'scan-tag', autocomplete: 'off',
    autocapitalize: 'characters', placeholder: t('scan.tag_ph') });
  let last = null; // the last successful scan's fields, for an anomaly

  const done = async (fields) => {
    const r = await api.record('scan.record', fields);
    clear(result);
    show(result, true);
    if (!r.ok) {
      if (r.status === 401) return app.go('signin');
      last = null;
      result.className = 'result bad';
      put(result, icon('cross', 'big-ico'), h('h2', { id: 'scan-refused' }, t('scan.refused')),
      h('p', { id: 'scan-why' }, errText(r.error)));
      return;
    }
    last = fields;
    const rec = await api.get('/api/records/' + encodeURIComponent(r.id));
    const f = (rec.ok && rec.record.fields) || {};
    result.className = 'result ok';
    put(result, icon('check', 'big-ico'), h('h2', { id: 'scan-ok' }, t('scan.ok', {
      tag: f.tag || fields.tag || '' })),
    h('p', {}, t('scan.when', { t: clock(rec.ok ? rec.record.created_ms
      : app.session.now_ms) }) + (f.method ? ' · ' + opt('method',
      f.method) : '') + (f.verified === true || f.verified === 'true'
      ? ' · ' + t('scan.verified') : '')),
    r.warning ? h('p', { class: 'msg warn' }, r.warning) : null,
    btn('scan-anomaly', t('scan.anomaly'), () => anomaly(), 'warn big'));
  };

  // Two taps: this button, then a fault kind (with the note typed or not).
  const anomaly = () => {
    clear(result);
    result.className = 'result';
    const note = h('textarea', { id: 'anomaly-note', rows: 2,
      placeholder: t('scan.note_ph') });
    const grid = h('div', { class: 'grid2' });
    for (const c of faults) {
      put(grid, btn('anomaly-' + c, opt('category', c), async () => {
        const r = await api.record('scan.record', { ...last, anomaly: 'true',
          note: note.value || t('scan.note_default'), workorder: c });
        clear(result);
        if (!r.ok) {
          result.className = 'result bad';
          put(result, h('p', { id: 'scan-why' }, errText(r.error)));
          return;
        }
        result.className = 'result ok';
        put(result, h('h2', { id: 'anomaly-ok' }, t('scan.anomaly_ok',
          { cat: opt('category', c) })));
      }, 'tile'));
    }
    put(result, h('h2', {}, t('scan.anomaly_title')), note,
      h('p', { class: 'hint' }, t('scan.anomaly_pick')), grid);
  };

  input.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const v = input.value.trim();
    input.value = '';
    if (v) done({ payload: v });
  });
  manual.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      submitManual();
    }
  });
  const submitManual = () => {
    const v = manual.value.trim();
    manual.value = '';
    if (v) done({ tag: v, method: 'manual' });
  };

  put(root, h('h1', {}, t('nav.scan')),
    h('label', { class: 'fld', for: 'scan-input' },
      h('span', {}, t('scan.wedge')), input), result);

  const tools = h('div', { class: 'grid2' });
  if (hasCamera()) {
    put(tools, btn('scan-camera', [icon('camera'), t('scan.camera')],
      () => camera(root, result, done), 'tile'));
  }
  if ('NDEFReader' in window) {
    put(tools, btn('scan-nfc', [icon('nfc'), t('scan.nfc')],
      () => nfc(result, done), 'tile'));
  }
  if (tools.childElementCount) put(root, tools);
  else put(root, h('p', { class: 'hint', id: 'scan-nocam' },
    t('scan.no_camera')));
  put(root, h('details', { class: 'manual' },
    h('summary', {}, t('scan.manual')),
    h('label', { class: 'fld', for: 'scan-tag' },
      h('span', {}, t('scan.tag')), manual),
    btn('scan-tag-go', t('scan.record'), submitManual, 'big')));
  input.focus();
}

// Camera QR (camera.js: BarcodeDetector, else zxing-wasm loaded now): the
// payload goes the wedge's way (scan.record, field payload), method qr.
function camera(root, result, done) {
  if (root.querySelector('.cambox')) return;
  const video = h('video', { class: 'cam', id: 'scan-video',
    playsinline: true, muted: true, autoplay: true });
  const status = h('p', { class: 'hint', id: 'scan-cam-status' },
    t('scan.camera_starting'));
  const box = h('div', { class: 'cambox', id: 'scan-cambox' }, video,
    status);
  show(result, false);
  const stop = startCamera(video, {
    state: (s) => {
      box.dataset.state = s;
      status.textContent = s === 'looking' ? t('scan.camera_looking')
        : s === 'loading' ? t('scan.camera_loading')
          : t('scan.camera_starting');
    },
    read: (text) => done({ payload: text, method: 'qr' }),
    error: (kind) => {
      put(clear(result), h('p', { class: 'msg bad', id: 'scan-cam-error' },
        kind === 'denied' ? t('scan.camera_denied')
          : t('scan.camera_nodecoder')));
      result.className = 'result';
      show(result, true);
    },
    stopped: () => box.remove(),
  });
  put(box, btn('scan-camera-stop', t('scan.camera_stop'), stop, 'ghost'));
  root.querySelector('h1').after(box);
}

// Web NFC: the tag's first text record is the payload.
async function nfc(result, done) {
  try {
    // eslint-disable-next-line no-undef
    const reader = new NDEFReader();
    await reader.scan();
    put(clear(result), h('p', { class: 'hint' }, t('scan.nfc_hold')));
    show(result, true);
    reader.onreading = (ev) => {
      for (const rec of ev.message.records) {
        if (rec.recordType === 'text' || rec.recordType === 'url') {
          const dec = new TextDecoder(rec.encoding || 'utf-8');
          done({ payload: dec.decode(rec.data), method: 'nfc' });
          return;
        }
      }
    };
  } catch (e) {
    put(clear(result), h('p', { class: 'msg bad' }, t('scan.nfc_error')));
    show(result, true);
  }
}
