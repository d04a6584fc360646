// The folder table: rows, sorting (folders first), filtering, selection and keys.
import { $, h } from './dom.js';
import { humanDate, humanSize, KIND_LABELS, kindOf } from './format.js';
import { browseUrl, fileUrl, join } from './paths.js';
import { selectedEntry, sharable, state, writable } from './state.js';

let handlers = {};

/** handlers: open(entry), up(), remove(entry), rename(entry), action(name, entry) */
export function initFolderView(h_) {
  handlers = h_;
  const rows = $('rows');
  rows.addEventListener('click', onClick);
  rows.addEventListener('dblclick', (e) => {
    const entry = entryOf(e.target);
    if (entry && !e.target.closest('a')) handlers.open(entry);
  });
  rows.addEventListener('keydown', onKey);
  rows.addEventListener('focusin', (e) => {
    const entry = entryOf(e.target);
    if (entry && entry.name !== state.selected) select(entry.name, false);
  });
  for (const button of document.querySelectorAll('#files th button')) {
    button.addEventListener('click', () => {
      const key = button.dataset.sort;
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
      renderRows();
    });
  }
  $('filter').addEventListener('input', (e) => {
    state.filter = e.target.value;
    renderRows();
  });
  for (const button of document.querySelectorAll('#selbar button')) {
    button.addEventListener('click', () => {
      const entry = selectedEntry();
      if (entry) handlers.action(button.dataset.act, entry);
    });
  }
}

const entryOf = (el) => {
  const row = el.closest?.('tr[data-name]');
  return row ? state.entries.find((e) => e.name === row.dataset.name) : undefined;
};

function compare(a, b) {
  const dirs = Number(b.type === 'directory') - Number(a.type === 'directory');
  if (dirs) return dirs;
  const { key, dir } = state.sort;
  let d = 0;
  if (key === 'size') d = a.size - b.size;
  else if (key === 'modified') d = (a.modified ?? '').localeCompare(b.modified ?? '');
  if (!d) d = a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' });
  return d * dir;
}

export function visibleEntries() {
  const needle = state.filter.trim().toLocaleLowerCase();
  return state.entries.filter((e) => !needle || e.name.toLocaleLowerCase().includes(needle)).sort(compare);
}

function row(entry) {
  const kind = kindOf(entry);
  const path = join(state.path, entry.name);
  const isDir = entry.type === 'directory';
  const link = isDir
    ? h('a', { href: browseUrl(state.site, path), tabindex: -1 }, entry.name)
    : h('a', { href: fileUrl(state.site, path, true), download: entry.name, tabindex: -1 }, entry.name);
  const selected = entry.name === state.selected;
  return h(
    'tr',
    { 'data-name': entry.name, tabindex: selected ? 0 : -1, 'aria-selected': String(selected), class: 'kind-' + kind },
    h('td', { class: 'col-icon' }, h('span', { class: 'ico ico-' + kind, role: 'img', 'aria-label': KIND_LABELS[kind], title: KIND_LABELS[kind] })),
    h('td', { class: 'col-name' }, link),
    h('td', { class: 'col-size' }, isDir ? '' : humanSize(entry.size)),
    h('td', { class: 'col-date' }, humanDate(entry.modified)),
  );
}

export function renderRows() {
  const list = visibleEntries();
  if (state.selected && !list.some((e) => e.name === state.selected)) state.selected = null;
  const hadFocus = $('rows').contains(document.activeElement);
  $('rows').replaceChildren(...list.map(row));
  if (!state.selected && list[0]) $('rows').firstElementChild.tabIndex = 0;
  for (const th of document.querySelectorAll('#files th[aria-sort]')) {
    const key = th.querySelector('button').dataset.sort;
    th.setAttribute('aria-sort', key === state.sort.key ? (state.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
  }
  if (state.entries.length === 0) setStatus('empty', 'This folder is empty.' + (writable() ? ' Drop files here or use Upload.' : ''));
  else if (list.length === 0) setStatus('empty', `No name contains “${state.filter}”.`);
  else setStatus('ready', `${list.length} item${list.length === 1 ? '' : 's'}`);
  updateSelbar();
  if (hadFocus) focusSelected();
}

/** kind: loading | empty | error | ready. */
export function setStatus(kind, message, retry) {
  const box = $('state');
  box.className = 'state ' + kind;
  box.replaceChildren(h('span', {}, message));
  if (retry) box.append(' ', h('button', { type: 'button', onclick: retry }, 'Try again'));
  $('files').classList.toggle('dim', kind === 'loading');
  $('files').setAttribute('aria-busy', String(kind === 'loading'));
}

export function select(name, focus = true) {
  state.selected = name;
  for (const tr of $('rows').children) {
    const on = tr.dataset.name === name;
    tr.setAttribute('aria-selected', String(on));
    tr.tabIndex = on ? 0 : -1;
  }
  updateSelbar();
  if (focus) focusSelected();
}

export function focusSelected() {
  const tr = [...$('rows').children].find((r) => r.dataset.name === state.selected) ?? $('rows').firstElementChild;
  tr?.focus();
}

function updateSelbar() {
  const entry = selectedEntry();
  $('sel-name').textContent = entry ? entry.name : 'Nothing selected';
  for (const button of document.querySelectorAll('#selbar button')) {
    const act = button.dataset.act;
    const fileOnly = act === 'link'; // Download takes folders too, as a zip
    button.disabled =
      !entry ||
      (fileOnly && entry.type === 'directory') ||
      (button.classList.contains('needs-write') && !writable()) ||
      (button.classList.contains('needs-account') && !sharable());
  }
}

function onClick(e) {
  const entry = entryOf(e.target);
  if (!entry) return;
  const link = e.target.closest('a');
  // Folder links open in the page; file links download natively.
  if (link && entry.type === 'directory' && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
    e.preventDefault();
    handlers.open(entry);
    return;
  }
  if (!link) select(entry.name);
}

function onKey(e) {
  const list = visibleEntries();
  const index = list.findIndex((x) => x.name === state.selected);
  const entry = list[index];
  const moveTo = (i) => {
    const target = list[Math.max(0, Math.min(list.length - 1, i))];
    if (target) select(target.name);
  };
  switch (e.key) {
    case 'ArrowDown': moveTo(index < 0 ? 0 : index + 1); break;
    case 'ArrowUp': moveTo(index < 0 ? 0 : index - 1); break;
    case 'Home': moveTo(0); break;
    case 'End': moveTo(list.length - 1); break;
    case 'PageDown': moveTo(index + 10); break;
    case 'PageUp': moveTo(index - 10); break;
    case 'Enter': if (entry) handlers.open(entry); break;
    case 'Backspace': handlers.up(); break;
    case 'Delete': if (entry && writable()) handlers.action('delete', entry); break;
    case 'F2': if (entry && writable()) handlers.action('rename', entry); break;
    case ' ': if (!entry && list[0]) moveTo(0); else return; break;
    default: return;
  }
  e.preventDefault();
}
