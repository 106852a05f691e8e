// more.js: the screens not on the bottom bar, and signing out.
import { h, icon, put } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';

export async function render(root, app) {
  put(root, h('h1', {}, t('nav.more')));
  const grid = h('div', { class: 'grid2' });
  for (const s of ['inspection', 'handover', 'dutylog', 'sync']) {
    put(grid, h('button', { type: 'button', id: 'more-' + s,
      class: 'btn tile', onclick: () => app.go(s) }, icon(s),
    h('span', {}, t('nav.' + s))));
  }
  put(grid, h('button', { type: 'button', id: 'signout',
    class: 'btn tile', onclick: async () => {
      await api.post('/api/signout');
      app.user = null;
      app.go('signin');
    } }, icon('signout'), h('span', {}, t('signout'))));
  put(root, grid);
  const d = (await app.device()) || {};
  put(root, h('p', { class: 'hint' }, t('more.device', { id: d.id || '',
    name: d.name || '', site: d.site || '' })));
}
