// The folder table: rows, sorting (folders first), filtering, selection (checkboxes, Shift and
// Ctrl/Cmd-click, Ctrl/Cmd+A, long-press), keys, type-to-jump, and dragging rows onto folders.
import { $, h } from './dom.js';
import { humanDate, humanSize, KIND_LABELS, kindOf } from './format.js';
import { t } from './i18n.js';
import { browseUrl, fileUrl, join } from './paths.js';
import { accessInfo, markedEntries, sharable, state, writable } from './state.js';

let handlers = {};
const ROW_DRAG = 'application/x-ftpgate-names';
const coarse = () => matchMedia('(pointer: coarse)').matches;
/** Thumbnails load the image itself, lazily: only images up to this size get one. */
const THUMB_MAX = 2 * 1024 * 1024;
let view = null; // 'grid' | 'list'; null: decided per folder (grid where most files are images)

/** handlers: open(entry), up(), action(name, entries, at?), menu(x, y), drop(entries, folderPath) */
export function initFolderView(h_) {
  handlers = h_;
  const rows = $('rows');
  rows.addEventListener('click', onClick);
  rows.addEventListener('dblclick', (e) => {
    const entry = entryOf(e.target);
    if (entry && !e.target.closest('a, input')) handlers.open(entry);
  });
  rows.addEventListener('keydown', onKey);
  rows.addEventListener('focusin', (e) => {
    // Focus moves the cursor only: entering a folder selects nothing.
    const entry = entryOf(e.target);
    if (entry) setCursor(entry.name);
  });
  rows.addEventListener('contextmenu', (e) => {
    const entry = entryOf(e.target);
    if (!entry) return;
    e.preventDefault();
    if (!state.marked.has(entry.name)) markOnly(entry.name);
    handlers.menu(e.clientX, e.clientY);
  });
  initLongPress(rows);
  initRowDrag(rows);
  for (const button of document.querySelectorAll('#files th button[data-sort]')) {
    button.addEventListener('click', () => sortBy(button.dataset.sort));
  }
  $('sort-pick').addEventListener('change', (e) => {
    const [key, dir] = e.target.value.split(':');
    state.sort = { key, dir: Number(dir) };
    renderRows();
  });
  $('check-all').addEventListener('change', (e) => {
    state.marked = new Set(e.target.checked ? visibleEntries().map((x) => x.name) : []);
    paintMarks();
  });
  $('btn-view').addEventListener('click', () => {
    view = isGrid() ? 'list' : 'grid';
    renderRows();
  });
  $('filter').addEventListener('input', (e) => {
    state.filter = e.target.value;
    renderRows();
  });
  $('sel-clear').addEventListener('click', () => {
    state.marked.clear();
    paintMarks();
  });
  for (const button of document.querySelectorAll('#selbar button[data-act]')) {
    button.addEventListener('click', () => {
      const entries = markedEntries();
      if (entries.length) handlers.action(button.dataset.act, entries);
    });
  }
}

function sortBy(key) {
  state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
  renderRows();
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

function isGrid() {
  if (view) return view === 'grid';
  const files = state.entries.filter((e) => e.type === 'file');
  return files.length >= 4 && files.filter((e) => kindOf(e) === 'image').length >= files.length * 0.6;
}

function row(entry, grid) {
  const kind = kindOf(entry);
  const path = join(state.path, entry.name);
  const isDir = entry.type === 'directory';
  // A name opens (folder, preview); files without a preview download. Download stays a button.
  const link = isDir
    ? h('a', { href: browseUrl(state.site, path), tabindex: -1 }, entry.name)
    : h('a', { href: fileUrl(state.site, path, true), download: entry.name, tabindex: -1 }, entry.name);
  const on = state.marked.has(entry.name);
  return h(
    'tr',
    { 'data-name': entry.name, tabindex: entry.name === state.selected ? 0 : -1, 'aria-selected': String(on), class: 'kind-' + kind, draggable: writable() && !coarse() ? 'true' : null },
    h('td', { class: 'col-check' }, h('input', { type: 'checkbox', tabindex: -1, checked: on, 'aria-label': t('Select {name}', { name: entry.name }) })),
    h('td', { class: 'col-icon' },
      grid && kind === 'image' && entry.size <= THUMB_MAX
        ? h('img', { class: 'thumb', src: fileUrl(state.site, path), alt: '', loading: 'lazy', decoding: 'async' })
        : h('span', { class: 'ico ico-' + kind, role: 'img', 'aria-label': KIND_LABELS[kind], title: KIND_LABELS[kind] })),
    h('td', { class: 'col-name' }, link),
    h('td', { class: 'col-size' }, isDir ? '' : humanSize(entry.size)),
    h('td', { class: 'col-date' }, humanDate(entry.modified)),
  );
}

export function renderRows() {
  const list = visibleEntries();
  const names = new Set(list.map((e) => e.name));
  for (const name of state.marked) if (!names.has(name)) state.marked.delete(name);
  if (state.selected && !names.has(state.selected)) state.selected = null;
  const hadFocus = $('rows').contains(document.activeElement);
  const grid = isGrid();
  $('files').classList.toggle('grid', grid);
  $('btn-view').textContent = grid ? t('List') : t('Grid');
  $('btn-view').setAttribute('aria-pressed', String(grid));
  $('btn-view').hidden = !state.entries.some((e) => kindOf(e) === 'image');
  $('rows').replaceChildren(...list.map((e) => row(e, grid)));
  if (!state.selected && list[0]) $('rows').firstElementChild.tabIndex = 0;
  for (const th of document.querySelectorAll('#files th[aria-sort]')) {
    const key = th.querySelector('button').dataset.sort;
    th.setAttribute('aria-sort', key === state.sort.key ? (state.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
  }
  $('sort-pick').value = `${state.sort.key}:${state.sort.dir}`;
  if (state.entries.length === 0) emptyRow(t('This folder is empty.') + (writable() ? t(' Drop files here or use Upload.') : ''));
  else if (list.length === 0) emptyRow(t('No name contains “{text}”.', { text: state.filter }));
  else setStatus('ready', list.length === 1 ? t('1 item') : t('{n} items', { n: list.length }));
  paintMarks();
  if (hadFocus) focusSelected();
}

/** The empty-folder message sits inside the table, where the rows would be. */
function emptyRow(message) {
  setStatus('ready', '');
  $('rows').replaceChildren(h('tr', { class: 'empty-row' }, h('td', { colspan: 5 }, message)));
}

/** kind: loading | error | ready. `extra` is a node put after the message (a button). */
export function setStatus(kind, message, retry, extra) {
  const box = $('state');
  box.className = 'state ' + kind;
  box.replaceChildren(h('span', {}, message));
  if (retry) box.append(' ', h('button', { type: 'button', onclick: retry }, t('Try again')));
  if (extra) box.append(' ', extra);
  $('files').classList.toggle('dim', kind === 'loading');
  $('files').setAttribute('aria-busy', String(kind === 'loading'));
}

function setCursor(name) {
  state.selected = name;
  for (const tr of $('rows').children) tr.tabIndex = tr.dataset.name === name ? 0 : -1;
}

/** Select exactly this row (a plain click, an arrow key). */
function select(name, focus = true) {
  markOnly(name);
  if (focus) focusSelected();
}

/** Where Shift ranges start: the last row clicked or toggled (focus alone does not move it). */
let anchor = null;

function markOnly(name) {
  anchor = name;
  state.marked = new Set(name ? [name] : []);
  setCursor(name);
  paintMarks();
}

function toggle(name) {
  anchor = name;
  if (state.marked.has(name)) state.marked.delete(name);
  else state.marked.add(name);
  setCursor(name);
  paintMarks();
}

/** Shift: everything between the cursor (anchor) and this row. */
function range(name, add) {
  const list = visibleEntries().map((e) => e.name);
  const from = list.indexOf(anchor ?? state.selected ?? name);
  const to = list.indexOf(name);
  if (!add) state.marked.clear();
  for (let i = Math.min(from, to); i <= Math.max(from, to); i++) if (i >= 0) state.marked.add(list[i]);
  for (const tr of $('rows').children) tr.tabIndex = tr.dataset.name === name ? 0 : -1;
  paintMarks();
}

export function focusSelected() {
  const tr = [...$('rows').children].find((r) => r.dataset.name === state.selected) ?? $('rows').firstElementChild;
  if (tr?.dataset.name) tr.focus();
}

/** Rows, checkboxes and the action bar follow state.marked. */
function paintMarks() {
  for (const tr of $('rows').children) {
    if (!tr.dataset.name) continue;
    const on = state.marked.has(tr.dataset.name);
    tr.setAttribute('aria-selected', String(on));
    tr.querySelector('input').checked = on;
  }
  const count = state.marked.size;
  const all = $('check-all');
  all.checked = count > 0 && count === visibleEntries().length;
  all.indeterminate = count > 0 && !all.checked;
  updateSelbar();
}

function updateSelbar() {
  const entries = markedEntries();
  const n = entries.length;
  $('sel-name').textContent = n === 0 ? t('Nothing selected') : n === 1 ? entries[0].name : t('{n} selected', { n });
  $('sel-clear').hidden = n === 0;
  document.body.classList.toggle('has-selection', n > 0);
  const single = n === 1 ? entries[0] : null;
  for (const button of document.querySelectorAll('#selbar button[data-act]')) {
    const act = button.dataset.act;
    const many = ['download', 'move', 'copy', 'delete'].includes(act);
    // What never works for this account is not shown; what needs another selection is disabled.
    button.hidden = button.classList.contains('needs-write') && !writable();
    button.disabled = n === 0 || (!many && n !== 1) || (act === 'link' && single?.type === 'directory');
    if (act === 'share') {
      // Share stays visible where it cannot work, to say why (a click tells the reason).
      const reason = sharable() ? '' : (accessInfo()?.share?.reason ?? '');
      button.classList.toggle('unavailable', Boolean(reason));
      button.title = reason ? t(reason) : t('A link that works for anyone, without an account');
    }
  }
}

function onClick(e) {
  const entry = entryOf(e.target);
  if (!entry) return;
  if (suppressClick) {
    suppressClick = false;
    e.preventDefault();
    return;
  }
  const mod = e.ctrlKey || e.metaKey;
  if (e.target.closest('input[type="checkbox"]')) {
    e.stopPropagation();
    if (e.shiftKey) range(entry.name, true);
    else toggle(entry.name);
    return;
  }
  if (mod || e.shiftKey) {
    e.preventDefault(); // a modified click selects, also on the name
    if (e.shiftKey) range(entry.name, mod);
    else toggle(entry.name);
    return;
  }
  const link = e.target.closest('a');
  // On touch screens, a tap opens; in selection mode (something selected), a tap toggles.
  if (coarse() && !link) {
    if (state.marked.size > 0) toggle(entry.name);
    else handlers.open(entry);
    return;
  }
  if (link) {
    // The name opens: folders in the page, previews in the viewer; other files download natively.
    if (handlers.opensInPage(entry)) {
      e.preventDefault();
      handlers.open(entry);
    }
    return;
  }
  select(entry.name);
}

// ---- long-press (touch): select the row ----
let suppressClick = false;
function initLongPress(rows) {
  let timer = 0;
  let start = null;
  const cancel = () => {
    clearTimeout(timer);
    timer = 0;
  };
  rows.addEventListener('pointerdown', (e) => {
    if (e.pointerType !== 'touch') return;
    const entry = entryOf(e.target);
    if (!entry) return;
    start = [e.clientX, e.clientY];
    cancel();
    timer = setTimeout(() => {
      timer = 0;
      suppressClick = true;
      toggle(entry.name);
      navigator.vibrate?.(20);
    }, 500);
  });
  rows.addEventListener('pointermove', (e) => {
    if (timer && start && Math.hypot(e.clientX - start[0], e.clientY - start[1]) > 10) cancel();
  });
  rows.addEventListener('pointerup', cancel);
  rows.addEventListener('pointercancel', cancel);
}

// ---- dragging rows onto folders and breadcrumb parts: a move ----
function initRowDrag(rows) {
  rows.addEventListener('dragstart', (e) => {
    const entry = entryOf(e.target);
    if (!entry) return;
    if (!state.marked.has(entry.name)) markOnly(entry.name);
    e.dataTransfer.setData(ROW_DRAG, JSON.stringify(markedEntries().map((x) => x.name)));
    e.dataTransfer.effectAllowed = 'move';
  });
  const targetOf = (e) => {
    if (!e.dataTransfer?.types.includes(ROW_DRAG)) return null;
    const crumb = e.target.closest?.('#crumbs a[data-path]');
    if (crumb) return { el: crumb, path: crumb.dataset.path };
    const entry = entryOf(e.target);
    if (entry?.type === 'directory' && !state.marked.has(entry.name)) return { el: e.target.closest('tr'), path: join(state.path, entry.name) };
    return null;
  };
  let lit = null;
  const light = (el) => {
    lit?.classList.remove('drop-target');
    lit = el;
    el?.classList.add('drop-target');
  };
  for (const area of [rows, $('crumbs')]) {
    area.addEventListener('dragover', (e) => {
      const target = targetOf(e);
      light(target?.el ?? null);
      if (!target) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
    });
    area.addEventListener('dragleave', () => light(null));
    area.addEventListener('drop', (e) => {
      const target = targetOf(e);
      light(null);
      if (!target) return;
      e.preventDefault();
      e.stopPropagation();
      const names = JSON.parse(e.dataTransfer.getData(ROW_DRAG) || '[]');
      const entries = state.entries.filter((x) => names.includes(x.name));
      if (entries.length) handlers.drop(entries, target.path);
    });
  }
}

// ---- keys ----
let typed = '';
let typedAt = 0;
function onKey(e) {
  const list = visibleEntries();
  const index = list.findIndex((x) => x.name === state.selected);
  const entry = list[index];
  const mod = e.ctrlKey || e.metaKey;
  const moveTo = (i) => {
    const target = list[Math.max(0, Math.min(list.length - 1, i))];
    if (!target) return;
    if (e.shiftKey) {
      range(target.name, true);
      setCursor(target.name);
      focusSelected();
    } else select(target.name);
  };
  if (mod && e.key.toLowerCase() === 'a') {
    state.marked = new Set(list.map((x) => x.name));
    paintMarks();
    e.preventDefault();
    return;
  }
  const marked = markedEntries();
  const targets = marked.length ? marked : entry ? [entry] : [];
  switch (e.key) {
    case 'ArrowDown': moveTo(index < 0 ? 0 : index + 1); break;
    case 'ArrowUp': moveTo(index < 0 ? 0 : index - 1); break;
    case 'Home': moveTo(0); break;
    case 'End': moveTo(list.length - 1); break;
    case 'PageDown': moveTo(index + 10); break;
    case 'PageUp': moveTo(index - 10); break;
    case 'Enter': if (entry) handlers.open(entry); break;
    case 'Backspace': handlers.up(); break;
    case 'Escape': if (!state.marked.size) return; state.marked.clear(); paintMarks(); break;
    case 'Delete': if (targets.length && writable()) handlers.action('delete', targets); break;
    case 'F2': if (entry && writable()) handlers.action('rename', [entry]); break;
    case ' ': if (entry) toggle(entry.name); else if (list[0]) moveTo(0); break;
    case 'ContextMenu': {
      if (!entry) return;
      if (!state.marked.has(entry.name)) markOnly(entry.name);
      const box = e.target.closest('tr').getBoundingClientRect();
      handlers.menu(box.left + 40, box.bottom);
      break;
    }
    default:
      // Type-to-jump: letters typed in quick succession find the next name starting with them.
      if (e.key.length !== 1 || mod || e.altKey) return;
      typed = e.timeStamp - typedAt > 800 ? e.key : typed + e.key;
      typedAt = e.timeStamp;
      {
        const needle = typed.toLocaleLowerCase();
        const from = typed.length > 1 ? Math.max(index, 0) : index + 1;
        const order = [...list.slice(from), ...list.slice(0, from)];
        const hit = order.find((x) => x.name.toLocaleLowerCase().startsWith(needle));
        if (hit) select(hit.name);
      }
  }
  e.preventDefault();
}
