// attach.js: a record's photos (GET /api/attachments, POST /api/attach):
// a Photo button that opens the phone's camera (a file input with
// capture), the upload, and the thumbnails, each shown from GET
// /api/attachment/HASH. Which files are taken, and how large, is the C
// library's rule: its refusal is shown in words.
import * as api from './api.js';
import { h, clear, put, icon } from './dom.js';
import { t, errText } from './i18n.js';

// The box for record id; its element is returned at once and fills
// itself when the list arrives.
export function attachBox(id) {
  const grid = h('div', { class: 'thumbs', id: 'att-list' });
  const msg = h('p', { class: 'msg', id: 'att-msg', role: 'status' });
  const input = h('input', { type: 'file', id: 'att-file', class: 'hidden',
    accept: 'image/*', capture: 'environment' });
  const button = h('button', { type: 'button', id: 'att-photo',
    class: 'btn', onclick: () => input.click() },
  icon('camera'), t('att.photo'));
  const load = async () => {
    const r = await api.get('/api/attachments?record=' +
      encodeURIComponent(id));
    clear(grid);
    if (!r.ok) {
      msg.className = 'msg bad';
      msg.textContent = errText(r.error);
      return;
    }
    // A thumbnail stands in for its original until the original is here
    // (a handheld fetches thumbnails first).
    const small = {};
    for (const a of r.attachments) {
      if (a.role === 'thumb' && a.present && a.of) small[a.of] = a.hash;
    }
    const shown = r.attachments.filter((a) => a.role !== 'thumb');
    if (!shown.length) put(grid, h('p', { class: 'hint', id: 'att-none' },
      t('att.none')));
    for (const a of shown) put(grid, thumb(a, small[a.hash]));
  };
  input.addEventListener('change', async () => {
    const f = input.files && input.files[0];
    input.value = '';
    if (!f) return;
    button.disabled = true;
    msg.className = 'msg';
    msg.textContent = t('att.sending');
    const r = await api.attach(id, f);
    button.disabled = false;
    if (!r.ok) {
      msg.className = 'msg bad';
      msg.textContent = errText(r.error);
      return;
    }
    msg.textContent = t('att.sent');
    await load();
  });
  load();
  return h('div', { class: 'card att', id: 'att-box' },
    h('b', {}, t('att.title')), grid, msg, button, input);
}

function thumb(a, small) {
  const src = '/api/attachment/' + a.hash;
  if (a.type.startsWith('image/') && (a.present || small)) {
    const img = h('img', { src: '/api/attachment/' + (small || a.hash),
      alt: t('att.alt') });
    return a.present ? h('a', { class: 'thumb', href: src, target: '_blank',
      data: { hash: a.hash } }, img)
      : h('span', { class: 'thumb', data: { hash: a.hash } }, img);
  }
  if (!a.present) {
    return h('span', { class: 'thumb wait', data: { hash: a.hash } },
      t('att.not_here'));
  }
  return h('a', { class: 'thumb doc', href: src, target: '_blank',
    data: { hash: a.hash } }, t('att.pdf'));
}
