// The file manager page: routes /browse/{site}/{path}/ to the site list, the sign-in
// form or a folder view, using only the REST API. Loaded as a module (no inline code).
import * as actions from './actions.js';
import { api } from './api.js';
import { $, h, show } from './dom.js';
import { focusSelected, initFolderView, renderRows, setStatus } from './folder-view.js';
import { lang, LANGS, setLang, t, translatePage } from './i18n.js';
import { initMenu } from './menu.js';
import { browseUrl, fromLocation, nameOf, parentOf, segments } from './paths.js';
import { initPreview } from './preview.js';
import { myLinks } from './share.js';
import { initSignIn, showSignIn } from './signin.js';
import { sharable, siteInfo, state, writable } from './state.js';
import { notify } from './toast.js';
import { initUploads, offerResume, showLimit } from './upload.js';

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
      if (s.credentials === 'pass-through') notes.push(state.signedIn[s.name] ? t('signed in as {user}', { user: state.signedIn[s.name].user }) : s.auth === 'accounts' ? t('gateway account') : t('your FTP account'));
      else if (s.auth === 'public') notes.push(t('public'));
      if (s.readOnly) notes.push(t('read-only'));
      if (s.tls !== 'none') notes.push('TLS');
      return h('li', {}, h('a', { href: browseUrl(s.name) }, h('span', { class: 'ico ico-directory', 'aria-hidden': 'true' }), ' ', s.name), notes.length ? h('small', {}, notes.join(' · ')) : null);
    }),
  );
  if (state.sites.length === 0) $('site-list').append(h('li', {}, t('No site is configured.')));
  showView('view-sites');
}

async function load(site, path, selectName, focus, mark = false) {
  const info = siteInfo(site);
  if (!info) {
    notify(t('There is no site named “{site}”.', { site }), true);
    history.replaceState(null, '', '/');
    return showSites();
  }
  const seq = ++loading;
  if (site !== state.site || path !== state.path) {
    state.filter = '';
    $('filter').value = '';
    state.marked.clear();
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
  $('resume').hidden = true;
  renderCrumbs();
  setStatus('loading', t('Loading…'));
  try {
    // What this account may do here: the page shows only the controls that work.
    state.access[site] ??= await api.access(site);
    const listing = await api.list(site, path);
    if (seq !== loading) return;
    state.broken = false;
    showRights();
    state.entries = listing.entries;
    offerResume();
    showLimit();
    state.selected = selectName ?? null;
    if (mark && selectName) state.marked = new Set([selectName]);
    renderRows();
    if (focus) focusSelected();
  } catch (err) {
    if (seq !== loading) return;
    if (err.status === 401 && info.credentials === 'pass-through') {
      delete state.signedIn[site];
      delete state.access[site];
      showView('view-signin');
      return showSignIn(site, t('Your sign-in has ended. Please sign in again.'));
    }
    state.entries = [];
    state.broken = true;
    showRights();
    $('rows').replaceChildren();
    if (err.status === 404 || err.status === 409) {
      // No FTP reply text and no server path: what happened, and the way up.
      const up = path === '/' ? null : parentOf(path);
      const way = up === null ? null : h('button', { type: 'button', id: 'go-up', onclick: () => navigate(site, up, nameOf(path)) }, t('Go up to {name}', { name: up === '/' ? site : nameOf(up) }));
      setStatus('error', t('This folder does not exist (any more).'), null, way);
    } else {
      setStatus('error', friendly(err), () => load(site, path, selectName, true));
    }
  }
}

/** A failed listing in words for people: the problem's title, never the FTP server's reply. */
function friendly(err) {
  if (err.status === 0) return t('The gateway could not be reached.');
  if (err.status === 403) return t('You may not open this folder.');
  if (err.status === 503 || err.status === 504) return t('The FTP server is busy or slow. Try again in a moment.');
  if (err.status >= 500) return t('The FTP server could not list this folder.');
  return t(err.title);
}

/** Show only what works: write controls, the read-only mark, Share, My links. */
function showRights() {
  const ok = writable();
  for (const el of document.querySelectorAll('.needs-write')) el.hidden = !ok;
  $('btn-mkdir').disabled = $('btn-upload').disabled = $('btn-upload-dir').disabled = state.broken;
  $('ro-mark').hidden = ok;
  $('btn-links').hidden = !sharable() || state.broken;
  $('files').classList.toggle('broken', state.broken); // no column heads over a folder that is not there
  const access = state.access[state.site];
  $('folder-title').title = access && access.root !== '/' ? t('Your folder: {root}', { root: access.root }) : '';
}

function renderCrumbs() {
  const parts = segments(state.path);
  const crumb = (label, path, current) =>
    h('li', {}, h('a', { href: browseUrl(state.site, path), 'data-path': path, 'aria-current': current ? 'page' : null }, label));
  $('folder-name').textContent = parts.length ? parts[parts.length - 1] : state.site;
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

  translatePage();
  $('lang-pick').replaceChildren(...Object.entries(LANGS).map(([code, name]) => h('option', { value: code, selected: code === lang }, name)));
  $('lang-pick').addEventListener('change', (e) => setLang(e.target.value));
  initPreview();
  const menu = initMenu();
  initFolderView({
    open: actions.open,
    opensInPage: actions.opensInPage,
    up: actions.up,
    action: actions.action,
    menu: menu.open,
    drop: (entries, folder) => writable() && actions.transferTo('move', entries, folder),
  });
  $('btn-links').addEventListener('click', () => myLinks(state.site));
  actions.initActions({ navigate, reload: (name) => load(state.site, state.path, name ?? state.selected, true, Boolean(name)) });
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
    $('site-list').replaceChildren(h('li', { class: 'error' }, t('The gateway did not answer: {why}', { why: err.message })));
    return;
  }
  $('site-select').replaceChildren(h('option', { value: '' }, t('All sites')), ...state.sites.map((s) => h('option', { value: s.name }, s.name)));
  await route();
}

boot();
