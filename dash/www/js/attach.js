// attach.js: a record's attachments on a detail page, as the API lists
// them ("attachments" of GET /api/workorder, or GET /api/attachments):
// photos as thumbnails and PDFs as links, each from GET
// /api/attachment/HASH?site=S; one not on the server yet says so. What an
// attachment is (type, role, held) is the server's answer, never guessed.
import { h } from './dom.js';
import { t } from './i18n.js';

export function attachPanel(list, site, id) {
  const q = '?site=' + encodeURIComponent(site);
  // A thumbnail stands in for an original not uploaded yet.
  const small = {};
  for (const a of list || []) {
    if (a.role === 'thumb' && a.held && a.of) small[a.of] = a.hash;
  }
  const shown = (list || []).filter((a) => a.role !== 'thumb');
  const box = h('div', { class: 'thumbs', id: id || 'att-list' });
  for (const a of shown) {
    const src = '/api/attachment/' + a.hash + q;
    const pic = small[a.hash] || (a.held ? a.hash : '');
    let el;
    if (a.type.startsWith('image/') && pic) {
      const img = h('img', { src: '/api/attachment/' + pic + q,
        alt: t('att.alt.' + a.role) });
      el = a.held ? h('a', { class: 'thumb', href: src, target: '_blank',
        rel: 'noopener' }, img) : h('span', { class: 'thumb' }, img);
    } else if (a.held) {
      el = h('a', { class: 'thumb doc', href: src, target: '_blank',
        rel: 'noopener' }, a.type === 'application/pdf' ? t('att.pdf')
        : t('att.file'));
    } else {
      el = h('span', { class: 'thumb wait' }, t('att.not_uploaded'));
    }
    el.dataset.hash = a.hash;
    box.appendChild(el);
  }
  return h('section', { class: 'panel' }, h('h2', {}, t('att.title')),
    shown.length ? box : h('p', { class: 'hint', id: (id || 'att-list') +
      '-none' }, t('att.none')));
}
