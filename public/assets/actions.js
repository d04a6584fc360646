// What can be done to the selected entries: open, download (several: one zip), rename, move,
// copy (into a folder from the picker, or by dragging), copy a link, share, delete; new folder.
import { api } from './api.js';
import { ask, confirm } from './dialogs.js';
import { kindOf, previewable } from './format.js';
import { t } from './i18n.js';
import { fileUrl, join, nameOf, parentOf, zipSelectionUrl, zipUrl } from './paths.js';
import { pickFolder } from './picker.js';
import { showPreview } from './preview.js';
import { visibleEntries } from './folder-view.js';
import { accessInfo, state } from './state.js';
import { notify } from './toast.js';
import { shareDialog } from './share.js';

let app; // { navigate(site, path), reload(select?) }
export const initActions = (a) => (app = a);

const pathOf = (entry) => join(state.path, entry.name);
const fail = (what) => (err) => notify(`${what}: ${err.message}`, true);
const label = (entries) => (entries.length === 1 ? `“${entries[0].name}”` : t('{n} items', { n: entries.length }));

export const opensInPage = (entry) => entry.type === 'directory' || previewable(kindOf(entry));

export function open(entry) {
  if (entry.type === 'directory') return app.navigate(state.site, pathOf(entry));
  if (previewable(kindOf(entry))) return showPreview(state.site, pathOf(entry), entry, visibleEntries());
  download([entry]);
}

/** A file as itself, a folder as a zip of its tree, several entries as one zip. */
function download(entries) {
  const a = document.createElement('a');
  if (entries.length > 1) {
    a.href = zipSelectionUrl(state.site, state.path, entries.map((e) => e.name));
    a.download = `${nameOf(state.path) || state.site}.zip`;
  } else {
    const [entry] = entries;
    const folder = entry.type === 'directory';
    a.href = folder ? zipUrl(state.site, pathOf(entry)) : fileUrl(state.site, pathOf(entry), true);
    a.download = folder ? `${entry.name}.zip` : entry.name;
  }
  a.click();
}

async function rename([entry]) {
  const dot = entry.type === 'directory' ? -1 : entry.name.lastIndexOf('.');
  const name = await ask({ title: `${t('Rename')} “${entry.name}”`, label: t('New name'), value: entry.name, ok: t('Rename'), select: [0, dot > 0 ? dot : entry.name.length] });
  if (!name || name === entry.name) return;
  if (name.includes('/')) return notify(t('A name cannot contain “/”.'), true);
  await api.move(state.site, pathOf(entry), join(state.path, name)).then(() => {
    notify(t('Renamed to {name}', { name }));
    return app.reload(name);
  }, fail(t('Rename failed')));
}

/**
 * Move or copy entries into `target`. Nothing is replaced without asking: a name that exists
 * there is collected, and one question covers all of them.
 */
export async function transferTo(kind, entries, target) {
  const moving = kind === 'move';
  const from = state.path;
  const usable = entries.filter((e) => {
    const src = join(from, e.name);
    if (target === from) return false; // already there
    if (e.type === 'directory' && (target === src || target.startsWith(src + '/'))) {
      notify(t('“{name}” cannot go into itself.', { name: e.name }), true);
      return false;
    }
    return true;
  });
  if (!usable.length) {
    if (target === from) notify(t('Already in {path}', { path: target }), true);
    return;
  }
  const clashes = [];
  const failed = [];
  let done = 0;
  const run = async (e, overwrite) => {
    try {
      await api[kind](state.site, join(from, e.name), join(target, e.name), overwrite);
      done++;
    } catch (err) {
      if (!overwrite && err.status === 412) clashes.push(e);
      else failed.push(`${e.name}: ${err.message}`);
    }
  };
  for (const e of usable) await run(e, false);
  if (clashes.length) {
    const names = clashes.map((e) => e.name).join(', ');
    const ok = await confirm({
      title: t('Replace?'),
      message: t('{target} already has {names}. Replace with the ones you are moving or copying?', { target, names }),
      ok: t('Replace'),
      danger: true,
    });
    if (ok) for (const e of clashes) await run(e, true);
  }
  if (failed.length) notify(failed.join('; '), true);
  else if (done) notify(moving ? t('Moved {n} to {path}', { n: done, path: target }) : t('Copied {n} to {path}', { n: done, path: target }));
  state.marked.clear();
  return app.reload();
}

async function transfer(entries, kind) {
  const single = entries.length === 1;
  const title = kind === 'move'
    ? (single ? t('Move “{name}”', { name: entries[0].name }) : t('Move {n} items', { n: entries.length }))
    : (single ? t('Copy “{name}”', { name: entries[0].name }) : t('Copy {n} items', { n: entries.length }));
  const target = await pickFolder({ site: state.site, start: state.path, title, ok: kind === 'move' ? t('Move here') : t('Copy here') });
  if (target) await transferTo(kind, entries, target);
}

async function copyLink([entry]) {
  const url = new URL(fileUrl(state.site, pathOf(entry)), location.href).href;
  try {
    await navigator.clipboard.writeText(url);
    notify(t('Link copied: it works only for people who can sign in to this site.'));
  } catch {
    // No clipboard (plain HTTP on another host): show it to copy by hand.
    await ask({ title: t('Link for people with access'), label: t('Only people who can sign in to this site can open it'), value: url, ok: t('Done') });
  }
}

async function share([entry]) {
  const info = accessInfo();
  if (info && !info.share.available) return notify(t(info.share.reason), true);
  await shareDialog(state.site, pathOf(entry), entry);
}

async function remove(entries) {
  const single = entries.length === 1 ? entries[0] : null;
  const anyDir = entries.some((e) => e.type === 'directory');
  const ok = await confirm({
    title: single ? `${t('Delete')} “${single.name}”?` : t('Delete {n} items?', { n: entries.length }),
    message: anyDir ? t('Folders are deleted with everything in them. This cannot be undone.') : t('This cannot be undone.'),
    ok: t('Delete'),
    danger: true,
  });
  if (!ok) return;
  const failed = [];
  for (const e of entries) {
    await api.remove(state.site, pathOf(e), e.type === 'directory').catch((err) => failed.push(`${e.name}: ${err.message}`));
  }
  if (failed.length) notify(`${t('Delete failed')}: ${failed.join('; ')}`, true);
  else notify(t('Deleted {what}', { what: label(entries) }));
  state.marked.clear();
  return app.reload();
}

export async function newFolder() {
  const name = await ask({ title: t('New folder'), label: t('Folder name'), ok: t('Create') });
  if (!name) return;
  if (name.includes('/')) return notify(t('A name cannot contain “/”.'), true);
  await api.mkdir(state.site, join(state.path, name)).then(() => app.reload(name), fail(t('Could not create the folder')));
}

export function up() {
  if (state.path !== '/') app.navigate(state.site, parentOf(state.path), nameOf(state.path));
}

const ACTS = {
  open: ([e]) => open(e),
  download,
  rename,
  move: (list) => transfer(list, 'move'),
  copy: (list) => transfer(list, 'copy'),
  link: copyLink,
  share,
  delete: remove,
};
export const action = (name, entries) => ACTS[name]?.(entries);
