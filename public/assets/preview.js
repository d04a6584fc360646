// Previews straight from the download URL: the browser's own image, audio, video and PDF
// viewers (media stream with Range requests); text is fetched, capped, and shown as text.
// A gallery: ←/→ (or the buttons, or a swipe) go through the folder's previewable files.
// Small text files can be edited and saved in place; a save never overwrites a newer file.
import { api } from './api.js';
import { $, h } from './dom.js';
import { humanSize, kindOf, previewable } from './format.js';
import { t } from './i18n.js';
import { fileUrl } from './paths.js';
import { writable } from './state.js';

const TEXT_CAP = 256 * 1024;
const EDIT_CAP = 1024 * 1024;
let gallery = { site: null, folder: '/', list: [], index: 0 };
let editing = null; // { etag, path, entry, area } while the editor is open

export function initPreview() {
  const dialog = $('preview');
  $('preview-close').addEventListener('click', () => dialog.close());
  // Emptying the body stops any playing media and frees the image.
  dialog.addEventListener('close', () => {
    $('preview-body').replaceChildren();
    editing = null;
  });
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close(); // a click on the backdrop
  });
  $('preview-prev').addEventListener('click', () => step(-1));
  $('preview-next').addEventListener('click', () => step(1));
  $('preview-edit').addEventListener('click', startEdit);
  dialog.addEventListener('keydown', (e) => {
    if (editing || e.target.closest('textarea, input, video, audio')) return;
    if (e.key === 'ArrowLeft') step(-1);
    else if (e.key === 'ArrowRight') step(1);
    else return;
    e.preventDefault();
  });
  // A horizontal swipe on touch screens: the same as ←/→.
  let from = null;
  $('preview-body').addEventListener('pointerdown', (e) => {
    if (e.pointerType === 'touch') from = [e.clientX, e.clientY];
  });
  $('preview-body').addEventListener('pointerup', (e) => {
    if (!from || editing) return;
    const [dx, dy] = [e.clientX - from[0], e.clientY - from[1]];
    from = null;
    if (Math.abs(dx) > 60 && Math.abs(dx) > 2 * Math.abs(dy)) step(dx < 0 ? 1 : -1);
  });
}

function step(delta) {
  const { list, index } = gallery;
  if (list.length < 2 || editing) return;
  const next = (index + delta + list.length) % list.length;
  render(next);
}

/** entries: the folder's entries in the order shown, for the gallery. */
export function showPreview(site, path, entry, entries = [entry]) {
  const folder = path.slice(0, path.length - entry.name.length);
  const list = entries.filter((e) => e.type === 'file' && previewable(kindOf(e)));
  gallery = { site, folder, list, index: Math.max(0, list.findIndex((e) => e.name === entry.name)) };
  if (!list.length) gallery.list = [entry];
  render(gallery.index);
  $('preview').showModal();
  $('preview-close').focus();
}

function render(index) {
  gallery.index = index;
  editing = null;
  const { site, folder } = gallery;
  const entry = gallery.list[index];
  const path = folder + entry.name;
  const src = fileUrl(site, path);
  const kind = kindOf(entry);
  $('preview-title').textContent = entry.name;
  $('preview-count').textContent = gallery.list.length > 1 ? `${index + 1} / ${gallery.list.length}` : '';
  $('preview-prev').hidden = $('preview-next').hidden = gallery.list.length < 2;
  $('preview-edit').hidden = !(kind === 'text' && writable() && entry.size <= EDIT_CAP);
  const link = $('preview-download');
  link.href = fileUrl(site, path, true);
  link.download = entry.name;
  const body = $('preview-body');
  const broken = () => body.replaceChildren(h('p', { class: 'error' }, t('{name} could not be shown here; download it instead.', { name: entry.name })));
  let view;
  if (kind === 'image') view = h('img', { src, alt: entry.name, onerror: broken });
  else if (kind === 'audio') view = h('audio', { src, controls: true, preload: 'metadata', onerror: broken });
  else if (kind === 'video') view = h('video', { src, controls: true, preload: 'metadata', playsinline: true, onerror: broken });
  else if (kind === 'pdf') view = h('iframe', { src, title: entry.name });
  else if (entry.size === 0) view = h('p', { class: 'note' }, t('This file is empty.'));
  else {
    view = h('pre', { class: 'text', tabindex: 0 }, t('Loading…'));
    api.head(site, path, TEXT_CAP).then(
      ({ text }) => {
        view.textContent = text;
        if (entry.size > TEXT_CAP) body.append(h('p', { class: 'note' }, t('Showing the first {shown} of {size}.', { shown: humanSize(TEXT_CAP), size: humanSize(entry.size) })));
      },
      (err) => body.replaceChildren(h('p', { class: 'error' }, `${t('Could not load the preview')}: ${err.message}`)),
    );
  }
  body.replaceChildren(view);
  body.className = 'preview-body kind-' + kind;
}

/** Load the whole file with its ETag, and edit it in a text area. */
async function startEdit() {
  const { site, folder } = gallery;
  const entry = gallery.list[gallery.index];
  const path = folder + entry.name;
  const body = $('preview-body');
  let text;
  let etag;
  try {
    const response = await fetch(fileUrl(site, path), { headers: { 'X-Requested-With': 'ftpgate' }, cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    etag = response.headers.get('etag');
    text = await response.text();
  } catch (err) {
    return body.append(h('p', { class: 'error' }, `${t('Could not load the file')}: ${err.message}`));
  }
  const area = h('textarea', { class: 'editor', id: 'editor', spellcheck: 'false', 'aria-label': t('Contents of {name}', { name: entry.name }) });
  area.value = text;
  const status = h('p', { class: 'note', id: 'editor-status', role: 'status' });
  const save = h('button', { type: 'button', class: 'primary', id: 'editor-save', onclick: () => saveEdit(status) }, t('Save'));
  const cancel = h('button', { type: 'button', onclick: () => render(gallery.index) }, t('Cancel'));
  body.replaceChildren(area, h('div', { class: 'editor-bar' }, status, cancel, save));
  body.className = 'preview-body kind-edit';
  $('preview-edit').hidden = true;
  editing = { etag, path, entry, area };
  area.focus();
}

/**
 * Save with If-Match: the file must still be the one that was opened. The page also checks the
 * ETag first, so a stale editor learns of the conflict before sending anything.
 */
async function saveEdit(status) {
  const { etag, path, area } = editing;
  const url = fileUrl(gallery.site, path);
  status.className = 'note';
  status.textContent = t('Saving…');
  const conflict = () => {
    status.className = 'error';
    status.textContent = t('This file was changed by someone else since you opened it. Nothing was saved: copy your text, close and open the file again.');
  };
  try {
    const now = await fetch(url, { method: 'HEAD', headers: { 'X-Requested-With': 'ftpgate' }, cache: 'no-store' });
    if (etag && now.headers.get('etag') !== etag) return conflict();
    const headers = { 'X-Requested-With': 'ftpgate', 'Content-Type': 'text/plain; charset=utf-8' };
    if (etag) headers['If-Match'] = etag;
    const response = await fetch(url, { method: 'PUT', headers, body: area.value });
    if (response.status === 412) return conflict();
    if (!response.ok) throw new Error((await response.json().catch(() => ({}))).detail ?? `HTTP ${response.status}`);
    const fresh = await fetch(url, { method: 'HEAD', headers: { 'X-Requested-With': 'ftpgate' }, cache: 'no-store' });
    editing.etag = fresh.headers.get('etag');
    status.textContent = t('Saved.');
  } catch (err) {
    status.className = 'error';
    status.textContent = `${t('Could not save')}: ${err.message}`;
  }
}
