// sites.js: the sites this account may see (from /api/session), each with
// its role there; the choice is remembered on this computer.
import { h, put } from '../dom.js';
import { t, opt } from '../i18n.js';

export async function show(root, app) {
  const list = (app.session && app.session.sites) || [];
  put(root, h('h1', {}, t('site.title')));
  if (!list.length) {
    put(root, h('p', { class: 'msg err' }, t('site.none')));
    return;
  }
  put(root, h('div', { class: 'sites' }, list.map((s) => h('button', {
    id: 'site-' + s.name, type: 'button',
    class: 'btn site' + (s.name === app.site ? ' on' : ''),
    onclick: () => app.pickSite(s.name) },
  h('strong', {}, s.name), h('span', { class: 'dim' }, opt('role', s.role))))));
}
