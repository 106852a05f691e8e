// enroll.js: a handheld not enrolled yet takes the office's enrollment QR
// code (the dashboard's Handhelds page, or `roundsd enroll --qr`): read by
// the camera (camera.js) or typed, then POST /api/enroll, which checks the
// server's certificate against the code's fingerprint (hh_enroll_payload)
// and stores it; then a first sync brings the site's staff and master data.
import * as api from '../api.js';
import { h, clear, icon, btn, show, put } from '../dom.js';
import { t, errText } from '../i18n.js';
import { hasCamera, startCamera } from '../camera.js';

export async function render(root, app) {
  const result = h('div', { id: 'enroll-result', class: 'result hidden' });
  const text = h('input', { id: 'enroll-payload', autocomplete: 'off',
    autocapitalize: 'off', spellcheck: 'false',
    placeholder: 'rounds-enroll:1?…' });
  const dev = await app.device();
  put(root, h('h1', {}, t('enroll.title')),
    h('p', { class: 'hint', id: 'enroll-hint' }, t('enroll.hint',
      { site: dev ? dev.site : '', name: dev ? dev.name : '' })), result);

  const done = async (payload) => {
    clear(result);
    show(result, true);
    result.className = 'result';
    put(result, h('p', { class: 'hint' }, t('enroll.checking')));
    const r = await api.post('/api/enroll', { payload });
    clear(result);
    if (!r.ok) {
      result.className = 'result bad';
      put(result, icon('cross', 'big-ico'), h('h2', { id: 'enroll-refused' }, t('enroll.refused')),
      h('p', { id: 'enroll-why' }, errText(r.error)));
      return;
    }
    result.className = 'result ok';
    const state = h('p', { id: 'enroll-sync-state', class: 'hint' },
      t('sync.running', { phase: '' }));
    put(result, icon('check', 'big-ico'), h('h2', { id: 'enroll-done' }, t('enroll.done',
      { server: r.server })), state);
    await app.refreshSession();
    // The first sync: it brings the staff who then sign in.
    const s = await api.post('/api/sync');
    let last = s;
    while (last.ok && (last.state === undefined || last.state === 'running')) {
      await new Promise((res) => setTimeout(res, 250));
      last = await api.get('/api/sync');
    }
    if (!root.isConnected) return;
    if (last.ok && last.state === 'done') {
      state.textContent = t('sync.done');
      state.id = 'enroll-synced';
    } else {
      state.className = 'msg bad';
      state.textContent = errText(last.error || s.error);
    }
    put(result, btn('enroll-signin', t('enroll.signin'),
      () => app.go('signin'), 'huge go'));
  };

  const tools = h('div', { class: 'grid2' });
  if (hasCamera()) {
    put(tools, btn('enroll-camera', [icon('camera'), t('scan.camera')],
      () => camera(root, result, done), 'tile'));
  }
  if (tools.childElementCount) put(root, tools);
  put(root, h('label', { class: 'fld', for: 'enroll-payload' },
    h('span', {}, t('enroll.payload')), text),
  btn('enroll-go', t('enroll.go'), () => {
    if (text.value.trim()) done(text.value.trim());
  }, 'big'));
}

function camera(root, result, done) {
  if (root.querySelector('.cambox')) return;
  const video = h('video', { class: 'cam', id: 'enroll-video',
    playsinline: true, muted: true, autoplay: true });
  const status = h('p', { class: 'hint', id: 'enroll-cam-status' },
    t('scan.camera_starting'));
  const box = h('div', { class: 'cambox', id: 'enroll-cambox' }, video,
    status);
  show(result, false);
  const stop = startCamera(video, {
    state: (s) => {
      box.dataset.state = s;
      status.textContent = s === 'looking' ? t('enroll.camera_looking')
        : s === 'loading' ? t('scan.camera_loading')
          : t('scan.camera_starting');
    },
    read: (text) => done(text),
    error: (kind) => {
      put(clear(result), h('p', { class: 'msg bad', id: 'enroll-cam-error' },
        kind === 'denied' ? t('enroll.camera_denied')
          : t('scan.camera_nodecoder')));
      result.className = 'result';
      show(result, true);
    },
    stopped: () => box.remove(),
  });
  put(box, btn('enroll-camera-stop', t('scan.camera_stop'), stop, 'ghost'));
  root.querySelector('h1').after(box);
}
