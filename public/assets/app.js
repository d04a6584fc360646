// The file manager page: routes /browse/{site}/{path}/ to the site list, the sign-in
// form or a folder view, using only the REST API. Loaded as a module (no inline code).
import * as actions from './actions.js';
import { api } from './api.js';
import { $, h, show } from './dom.js';
import { focusSelected, initFolderView, renderRows, setStatus } from './folder-view.js';
import { browseUrl, fromLocation, segments } from './paths.js';
import { initPreview } from './preview.js';
import { initSignIn, showSignIn } from './signin.js';
import { siteInfo, state } from './state.js';
import { notify } from './toast.js';
import { initUploads } from './upload.js';

const VIEWS = ['view-sites', 'view-signin', 'view-folder'];
const showView = (id) => VIEWS.forEach((v) => show($(v), v === id));
let loading = 0; // only the latest listing may paint

function navigate(site, path = '/', selectName, focus = true) {
  const url = site ? browseUrl(site, path) : '/';
  if (location.pathname !== url) history.pushState(null, '', url);
  return site ? load(site, path, selectName, focus) : showSites();
}

function route() {
  const where = fromLocation(location.pathname);
  return where ? load(where.site, where.path, null, false) : showSites();
}

function showSites() {
  state.site = null;
  document.title = 'ftpgate';
  $('site-select').value = '';
  updateAccount();
  $('site-list').replaceChildren(
    ...state.sites.map((s) => {
      const notes = [];
      if (s.credentials === 'pass-through') notes.push(state.signedIn[s.name] ? `signed in as ${state.signedIn[s.name].user}` : 'sign-in needed');
      if (s.readOnly) notes.push('read-only');
      if (s.tls !== 'none') notes.push('TLS');
      return h('li', {}, h('a', { href: browseUrl(s.name) }, h('span', { class: 'ico ico-directory', 'aria-hidden': 'true' }), ' ', s.name), notes.length ? h('small', {}, notes.join(' · ')) : null);
    }),
  );
  if (state.sites.length === 0) $('site-list').append(h('li', {}, 'No site is configured.'));
  showView('view-sites');
}

async function load(site, path, selectName, focus) {
  const info = siteInfo(site);
  if (!info) {
    notify(`There is no site named “${site}”.`, true);
    history.replaceState(null, '', '/');
    return showSites();
  }
  const seq = ++loading;
  if (site !== state.site || path !== state.path) {
    state.filter = '';
    $('filter').value = '';
  }
  state.site = site;
  state.path = path;
  $('site-select').value = site;
  document.title = `${path === '/' ? site : segments(path).pop()} · ftpgate`;
  updateAccount();
  if (info.credentials === 'pass-through' && !state.signedIn[site]) {
    showView('view-signin');
    return showSignIn(site);
  }
  showView('view-folder');
  for (const el of document.querySelectorAll('.needs-write')) el.hidden = info.readOnly;
  renderCrumbs();
  setStatus('loading', 'Loading…');
  try {
    const listing = await api.list(site, path);
    if (seq !== loading) return;
    state.entries = listing.entries;
    state.selected = selectName ?? null;
    renderRows();
    if (focus) focusSelected();
  } catch (err) {
    if (seq !== loading) return;
    if (err.status === 401 && info.credentials === 'pass-through') {
      delete state.signedIn[site];
      showView('view-signin');
      return showSignIn(site, 'Your sign-in has ended. Please sign in again.');
    }
    state.entries = [];
    $('rows').replaceChildren();
    setStatus('error', `${err.title}: ${err.message}`, () => load(site, path, selectName, true));
  }
}

function renderCrumbs() {
  const parts = segments(state.path);
  const crumb = (label, path, current) =>
    h('li', {}, h('a', { href: browseUrl(state.site, path), 'aria-current': current ? 'page' : null }, label));
  $('crumbs').replaceChildren(
    crumb(state.site, '/', parts.length === 0),
    ...parts.map((p, i) => crumb(p, '/' + parts.slice(0, i + 1).join('/'), i === parts.length - 1)),
  );
}

function updateAccount() {
  const who = state.site && state.signedIn[state.site];
  show($('account'), Boolean(who));
  $('account-user').textContent = who ? `${who.user} @ ${state.site}` : '';
}

function interceptLinks() {
  // In-page links navigate without a reload; modified clicks open tabs as usual.
  document.addEventListener('click', (e) => {
    const a = e.target.closest?.('a[href]');
    if (!a || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || a.hasAttribute('download')) return;
    const url = new URL(a.href);
    if (url.origin !== location.origin) return;
    const where = fromLocation(url.pathname);
    if (!where && url.pathname !== '/') return;
    e.preventDefault();
    navigate(where?.site ?? null, where?.path ?? '/');
  });
}

async function boot() {
  $('plain').remove();
  show($('app'), true);
  for (const el of document.querySelectorAll('.js-only')) el.hidden = false;
  document.querySelector('.account').hidden = true;

  initPreview();
  initFolderView({ open: actions.open, up: actions.up, action: actions.action });
  actions.initActions({ navigate, reload: (name) => load(state.site, state.path, name ?? state.selected, true) });
  initUploads(() => load(state.site, state.path, state.selected, false));
  initSignIn(
    (site) => navigate(site, state.site === site ? state.path : '/'),
    () => route(),
  );
  $('btn-mkdir').addEventListener('click', actions.newFolder);
  $('site-select').addEventListener('change', (e) => navigate(e.target.value || null, '/'));
  window.addEventListener('popstate', route);
  interceptLinks();

  try {
    [state.sites, state.signedIn] = await Promise.all([api.sites(), api.session()]);
  } catch (err) {
    showView('view-sites');
    $('site-list').replaceChildren(h('li', { class: 'error' }, `The gateway did not answer: ${err.message}`));
    return;
  }
  $('site-select').replaceChildren(h('option', { value: '' }, 'All sites'), ...state.sites.map((s) => h('option', { value: s.name }, s.name)));
  await route();
}

boot();
