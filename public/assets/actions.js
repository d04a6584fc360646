// What can be done to an entry: open, download, rename, move, copy, link, delete; new folder.
import { api } from './api.js';
import { ask, confirm } from './dialogs.js';
import { kindOf, previewable } from './format.js';
import { fileUrl, join, nameOf, parentOf, segments, zipUrl } from './paths.js';
import { showPreview } from './preview.js';
import { state } from './state.js';
import { notify } from './toast.js';

let app; // { navigate(site, path), reload(select?) }
export const initActions = (a) => (app = a);

const pathOf = (entry) => join(state.path, entry.name);
const fail = (what) => (err) => notify(`${what}: ${err.message}`, true);

export function open(entry) {
  if (entry.type === 'directory') return app.navigate(state.site, pathOf(entry));
  if (previewable(kindOf(entry))) return showPreview(state.site, pathOf(entry), entry);
  download(entry);
}

/** A file as itself, a folder as a zip of its tree. */
export function download(entry) {
  const folder = entry.type === 'directory';
  const a = document.createElement('a');
  a.href = folder ? zipUrl(state.site, pathOf(entry)) : fileUrl(state.site, pathOf(entry), true);
  a.download = folder ? `${entry.name}.zip` : entry.name;
  a.click();
}

async function rename(entry) {
  const dot = entry.type === 'directory' ? -1 : entry.name.lastIndexOf('.');
  const name = await ask({ title: `Rename “${entry.name}”`, label: 'New name', value: entry.name, ok: 'Rename', select: [0, dot > 0 ? dot : entry.name.length] });
  if (!name || name === entry.name) return;
  if (name.includes('/')) return notify('A name cannot contain “/”.', true);
  await api.move(state.site, pathOf(entry), join(state.path, name)).then(() => {
    notify(`Renamed to ${name}`);
    return app.reload(name);
  }, fail('Rename failed'));
}

/** Move or copy into another folder of this site, given as a path like /docs/old. */
async function transfer(entry, kind) {
  const verb = kind === 'move' ? 'Move' : 'Copy';
  const folder = await ask({ title: `${verb} “${entry.name}”`, label: 'To folder (a path from the site root)', value: state.path, ok: verb });
  if (!folder) return;
  const target = '/' + segments(folder).join('/');
  const to = join(target, entry.name);
  if (to === pathOf(entry)) return notify(`It is already in ${target}`, true);
  await api[kind](state.site, pathOf(entry), to).then(() => {
    notify(`${kind === 'move' ? 'Moved' : 'Copied'} ${entry.name} to ${target}`);
    return app.reload();
  }, fail(`${verb} failed`));
}

async function copyLink(entry) {
  const url = new URL(fileUrl(state.site, pathOf(entry)), location.href).href;
  try {
    await navigator.clipboard.writeText(url);
    notify('Link copied');
  } catch {
    // No clipboard (plain HTTP on another host): show it to copy by hand.
    await ask({ title: 'Link to the file', label: 'Copy this link', value: url, ok: 'Done' });
  }
}

/** A share link: works for anyone who has it, for this file or folder only. */
async function share(entry) {
  let url;
  try {
    url = new URL((await api.share(state.site, pathOf(entry))).url, location.href).href;
  } catch (err) {
    return fail('Share failed')(err);
  }
  await ask({ title: `Share link for “${entry.name}”`, label: 'Anyone with this link can download it', value: url, ok: 'Done' });
}

async function remove(entry) {
  const isDir = entry.type === 'directory';
  const ok = await confirm({
    title: `Delete “${entry.name}”?`,
    message: isDir ? 'The folder and everything in it will be deleted. This cannot be undone.' : 'The file will be deleted. This cannot be undone.',
    ok: 'Delete',
    danger: true,
  });
  if (!ok) return;
  await api.remove(state.site, pathOf(entry), isDir).then(() => {
    notify(`Deleted ${entry.name}`);
    return app.reload();
  }, fail('Delete failed'));
}

export async function newFolder() {
  const name = await ask({ title: 'New folder', label: 'Folder name', ok: 'Create' });
  if (!name) return;
  if (name.includes('/')) return notify('A name cannot contain “/”.', true);
  await api.mkdir(state.site, join(state.path, name)).then(() => app.reload(name), fail('Could not create the folder'));
}

export function up() {
  if (state.path !== '/') app.navigate(state.site, parentOf(state.path), nameOf(state.path));
}

export function action(name, entry) {
  const acts = { open, download, rename, move: (e) => transfer(e, 'move'), copy: (e) => transfer(e, 'copy'), link: copyLink, share, delete: remove };
  return acts[name]?.(entry);
}
