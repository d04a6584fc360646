// The folder picker for Move and Copy: browse the site's folders from the current one, make a
// folder, or type a path (relative to the folder shown, or absolute with a leading "/").
import { api } from './api.js';
import { $, h } from './dom.js';
import { t } from './i18n.js';
import { join, parentOf, segments } from './paths.js';

/** Resolve typed text against `base`: "album" → base/album, "../x" → parent/x, "/x" → /x. */
function resolvePath(base, text) {
  const parts = text.startsWith('/') ? [] : segments(base);
  for (const part of text.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

/** Resolves to the chosen folder's path, or null when cancelled. */
export function pickFolder({ site, start, title, ok }) {
  const dialog = $('dialog');
  let path = start;
  const crumbs = h('ol', { class: 'picker-crumbs' });
  const list = h('ul', { class: 'picker-list', role: 'listbox', 'aria-label': t('Folders') });
  const typed = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', id: 'picker-path' });
  const typedLabel = h('label', { class: 'field' }, h('span', { id: 'picker-hint' }), typed);
  const mkdir = h('button', { type: 'button', id: 'picker-mkdir' }, t('New folder'));
  const status = h('p', { class: 'note', role: 'status' });

  async function show(next) {
    path = next;
    $('picker-hint').textContent = t('Or type a folder (relative to {path})', { path });
    crumbs.replaceChildren(
      ...['/', ...segments(path).map((_, i, all) => '/' + all.slice(0, i + 1).join('/'))].map((p) =>
        h('li', {}, h('button', { type: 'button', class: 'link', 'data-path': p, onclick: () => show(p) }, p === '/' ? site : segments(p).pop())),
      ),
    );
    list.replaceChildren();
    status.textContent = t('Loading…');
    try {
      const { entries } = await api.list(site, path);
      if (path !== next) return;
      const folders = entries.filter((e) => e.type === 'directory').sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
      list.replaceChildren(
        ...(path === '/' ? [] : [h('li', {}, h('button', { type: 'button', class: 'picker-up', onclick: () => show(parentOf(path)) }, '↑ ..'))]),
        ...folders.map((f) => h('li', {}, h('button', { type: 'button', 'data-name': f.name, onclick: () => show(join(path, f.name)) }, h('span', { class: 'ico ico-directory', 'aria-hidden': 'true' }), ' ', f.name))),
      );
      status.textContent = folders.length ? '' : t('No folders here.');
    } catch (err) {
      status.textContent = err.status === 404 ? t('This folder does not exist (any more).') : err.message;
    }
  }

  mkdir.addEventListener('click', () => {
    const name = typed.value.trim();
    if (!name) return typed.focus();
    const target = resolvePath(path, name);
    api.mkdir(site, target).then(() => {
      typed.value = '';
      return show(target);
    }, (err) => (status.textContent = err.message));
  });

  $('dialog-title').textContent = title;
  $('dialog-body').replaceChildren(h('nav', { class: 'picker-nav' }, crumbs), list, status, h('div', { class: 'picker-type' }, typedLabel, mkdir));
  $('dialog-buttons').replaceChildren(
    h('button', { value: 'ok', class: 'primary', type: 'submit', id: 'picker-ok' }, ok),
    h('button', { value: '', type: 'submit', formnovalidate: true }, t('Cancel')),
  );
  dialog.classList.add('picker');
  dialog.returnValue = '';
  dialog.showModal();
  show(start);
  typed.focus();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        dialog.classList.remove('picker');
        if (dialog.returnValue !== 'ok') return resolve(null);
        const text = typed.value.trim();
        resolve(text ? resolvePath(path, text) : path);
      },
      { once: true },
    );
  });
}
