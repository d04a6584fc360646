// Uploads: from the buttons or dropped files and folders, one request per file so each
// has its own progress bar and cancel, plus an overall bar. Two run at a time. Large files
// go through the resumable (tus) API in chunks, and survive a broken connection.
import { api, ApiError, upload } from './api.js';
import { $, h, show } from './dom.js';
import { choose } from './dialogs.js';
import { humanSize } from './format.js';
import { join, numbered } from './paths.js';
import { t } from './i18n.js';
import { accessInfo, state, writable } from './state.js';

const PARALLEL = 2;
/** From this size on, files are sent resumably (tus-client.js, loaded on first use). */
const RESUMABLE_FROM = 16 * 1024 * 1024;
let items = [];
let onFinished = () => {};
let questions = Promise.resolve(); // conflict questions, one at a time
let standing = null; // a "for all" answer to conflicts

export function initUploads(finished) {
  onFinished = finished;
  $('btn-upload').addEventListener('click', () => $('pick-files').click());
  $('btn-upload-dir').addEventListener('click', () => $('pick-dir').click());
  for (const id of ['pick-files', 'pick-dir']) {
    $(id).addEventListener('change', (e) => {
      const files = [...e.target.files].map((file) => ({ file, rel: file.webkitRelativePath || file.name }));
      e.target.value = '';
      start(files);
    });
  }
  $('up-cancel').addEventListener('click', () => items.forEach(cancel));
  $('up-close').addEventListener('click', () => {
    items = [];
    $('up-list').replaceChildren();
    show($('uploads'), false);
    document.body.classList.remove('uploads-open');
  });
  $('up-toggle').addEventListener('click', () => collapse(!$('uploads').classList.contains('collapsed')));
  // Leaving the page (reload, close, another address) while files are still going: ask first.
  window.addEventListener('beforeunload', (e) => {
    if (items.some((i) => !i.final)) {
      e.preventDefault();
      e.returnValue = '';
    }
  });
  $('resume-pick').addEventListener('click', () => $('pick-files').click());
  $('resume-forget').addEventListener('click', () => {
    for (const u of unfinished()) localStorage.removeItem(u.key);
    offerResume();
  });
  initDrop();
}

/** The panel folds to its head line (the summary) so it never covers the list. */
function collapse(folded) {
  $('uploads').classList.toggle('collapsed', folded);
  $('up-toggle').setAttribute('aria-expanded', String(!folded));
  $('up-toggle').textContent = folded ? t('Show') : t('Hide');
}

/** Resumable uploads of this folder that a previous page left unfinished (tus-client.js keeps them). */
function unfinished() {
  const prefix = `ftpgate.tus:${state.site}:${state.path}:`;
  const found = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      const m = key?.startsWith(prefix) && /^(.*):(\d+):(\d+)$/.exec(key.slice(prefix.length));
      if (m) found.push({ key, name: m[1], size: Number(m[2]) });
    }
  } catch {}
  return found;
}

/** After a reload: offer to resume by picking the same files again (the browser cannot reopen them). */
export function offerResume() {
  const list = items.some((i) => !i.final) ? [] : unfinished();
  show($('resume'), list.length > 0 && writable());
  $('resume-text').textContent = list.length
    ? t('Unfinished uploads here: {names}. Pick the same files again to continue where they stopped.', { names: list.map((u) => `${u.name} (${humanSize(u.size)})`).join(', ') })
    : '';
}

/** The largest file one upload may carry, as the gateway says (every way in). */
const limit = () => accessInfo()?.uploadLimitBytes ?? Infinity;
export function showLimit() {
  const text = Number.isFinite(limit()) ? t('Up to {size} per file', { size: humanSize(limit()) }) : '';
  $('btn-upload').title = $('btn-upload-dir').title = text;
  $('drop-limit').textContent = text;
}

function initDrop() {
  const overlay = $('drop');
  let depth = 0;
  const accepts = (e) => e.dataTransfer?.types.includes('Files') && !$('view-folder').hidden && writable() && !state.broken;
  document.addEventListener('dragenter', (e) => {
    if (!accepts(e)) return;
    depth++;
    $('drop-text').textContent = t('Drop to upload to {place}', { place: `${state.site}:${state.path}` });
    show(overlay, true);
  });
  document.addEventListener('dragleave', () => {
    if (depth > 0 && --depth === 0) show(overlay, false);
  });
  document.addEventListener('dragover', (e) => {
    if (accepts(e)) e.preventDefault(); // allow the drop
  });
  document.addEventListener('drop', async (e) => {
    depth = 0;
    show(overlay, false);
    if (!accepts(e)) return;
    e.preventDefault();
    start(await droppedFiles(e.dataTransfer));
  });
}

/** Files and whole folders from a drop (folders through the entries API, where there is one). */
async function droppedFiles(transfer) {
  const entries = [...transfer.items].map((i) => i.webkitGetAsEntry?.()).filter(Boolean);
  if (entries.length === 0) return [...transfer.files].map((file) => ({ file, rel: file.name }));
  const out = [];
  const walk = async (entry, prefix) => {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      out.push({ file, rel: prefix + file.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  return out;
}

function start(files) {
  if (files.length === 0) return;
  const site = state.site;
  const base = state.path;
  if (items.every((i) => i.final)) {
    items = [];
    $('up-list').replaceChildren();
    standing = null;
  }
  const existing = new Set(state.entries.map((e) => e.name));
  const added = files.map(({ file, rel }) => {
    const parts = rel.split('/').filter(Boolean);
    const name = parts.pop();
    const item = { file, site, folder: parts.reduce(join, base), name, loaded: 0, final: false, exists: parts.length === 0 && existing.has(name) };
    item.bar = h('progress', { max: file.size || 1, value: 0, 'aria-label': t('Upload of {name}', { name: rel }) });
    item.status = h('span', { class: 'up-status' }, t('Waiting'));
    item.cancelButton = h('button', { type: 'button', class: 'link', 'aria-label': t('Cancel {name}', { name: rel }), onclick: () => cancel(item) }, t('Cancel'));
    item.row = h('li', { class: 'up-item' }, h('span', { class: 'up-name' }, rel), item.status, item.cancelButton, item.bar);
    return item;
  });
  items.push(...added);
  $('up-list').append(...added.map((i) => i.row));
  show($('resume'), false);
  show($('uploads'), true);
  document.body.classList.add('uploads-open');
  collapse(false);
  // Past the limit: refused here, before a byte is sent.
  for (const item of added) {
    if (item.file.size > limit()) finish(item, 'failed', t('Too large: the limit is {size} per file', { size: humanSize(limit()) }));
  }
  show($('up-close'), false);
  show($('up-cancel'), true);
  // Create the dropped folders first (mkdir makes parents and is fine when they exist).
  const folders = [...new Set(added.map((i) => i.folder).filter((f) => f !== base))].sort();
  const ready = folders.reduce((p, f) => p.then(() => api.mkdir(site, f)), Promise.resolve());
  ready.then(pump, (err) => added.forEach((i) => finish(i, 'failed', t('Folder not created: {why}', { why: err.message }))));
  updateTotal();
}

function pump() {
  while (items.filter((i) => i.request).length < PARALLEL) {
    const next = items.find((i) => !i.final && !i.request && !i.asking);
    if (!next) break;
    send(next, !next.exists ? false : undefined);
  }
  if (items.every((i) => i.final)) {
    show($('up-close'), true);
    show($('up-cancel'), false);
    // Finished: fold to one line, unless something failed and wants reading.
    if (!items.some((i) => i.final === 'failed')) collapse(true);
    onFinished();
  }
}

/** overwrite: false = refuse to replace; true = replace; undefined = ask first. */
async function send(item, overwrite) {
  if (overwrite === undefined) return resolveConflict(item);
  item.status.textContent = t('Uploading');
  const progress = (loaded, total) => {
    item.loaded = loaded;
    item.bar.max = total || 1;
    item.bar.value = loaded;
    updateTotal();
  };
  const request =
    item.file.size >= RESUMABLE_FROM
      ? resumable(item, overwrite, progress)
      : upload(item.site, item.folder, item.file, item.name, overwrite, progress);
  item.request = request;
  try {
    await request.done;
    item.loaded = item.file.size;
    item.bar.value = item.bar.max;
    finish(item, 'done', t('Done'));
  } catch (err) {
    item.request = null;
    if (err.code === 'aborted') finish(item, 'cancelled', t('Cancelled'));
    else if (err.status === 412) {
      item.loaded = 0;
      return resolveConflict(item);
    } else if (err.status === 413) finish(item, 'failed', t('Too large: {why}', { why: err.message }));
    else finish(item, 'failed', t('Failed: {why}', { why: err.message }));
  }
  pump();
}

/** A large file through tus-client.js; { done, abort } at once, like upload(), while the module loads. */
function resumable(item, overwrite, onProgress) {
  let inner = null;
  let cancelled = false;
  const done = import('./tus-client.js').then(({ tusUpload }) => {
    if (cancelled) throw new ApiError(0, { code: 'aborted', title: t('Cancelled'), detail: t('cancelled') });
    inner = tusUpload({
      site: item.site,
      folder: item.folder,
      file: item.file,
      name: item.name,
      overwrite,
      onProgress,
      onState: (s) => (item.status.textContent = s === 'reconnecting' ? t('Connection lost, resuming…') : t('Uploading')),
    });
    return inner.done;
  });
  return {
    done,
    abort() {
      cancelled = true;
      inner?.abort();
    },
  };
}

function resolveConflict(item) {
  item.asking = true;
  item.status.textContent = t('Already exists');
  questions = questions.then(async () => {
    const answer = standing ?? (await choose({
      title: t('“{name}” already exists', { name: item.name }),
      message: t('A file named “{name}” is already in {folder}. Replace it, skip this file, or keep both?', { name: item.name, folder: item.folder }),
      options: [
        { value: 'replace', label: t('Replace'), class: 'danger' },
        { value: 'both', label: t('Keep both') },
        { value: 'skip', label: t('Skip') },
      ],
      forAll: t('Do this for every name that exists'),
    }));
    item.asking = false;
    if (item.final) return; // cancelled meanwhile
    if (answer?.all) standing = answer;
    if (!answer || answer.value === 'skip') finish(item, 'skipped', t('Skipped'));
    else if (answer.value === 'replace') send(item, true);
    else {
      const taken = new Set([...state.entries.map((e) => e.name), ...items.map((i) => i.name)]);
      item.name = numbered(item.name, taken);
      item.status.textContent = t('As {name}', { name: item.name });
      send(item, false);
    }
    pump();
  });
}

function cancel(item) {
  if (item.final) return;
  if (item.request) item.request.abort();
  else finish(item, 'cancelled', t('Cancelled'));
}

function finish(item, outcome, text) {
  item.request = null;
  item.final = outcome;
  if (outcome === 'failed') {
    // A failed file shows as failed: no full bar, no "10 B of 10 B".
    item.loaded = 0;
    item.bar.value = 0;
  }
  item.status.textContent = text;
  item.row.className = 'up-item ' + outcome;
  item.cancelButton.remove();
  updateTotal();
}

function updateTotal() {
  const active = items.filter((i) => i.final !== 'skipped' && i.final !== 'cancelled' && i.final !== 'failed');
  const total = active.reduce((n, i) => n + i.file.size, 0);
  const loaded = active.reduce((n, i) => n + Math.min(i.loaded, i.file.size), 0);
  $('up-total').max = total || 1;
  $('up-total').value = total ? loaded : active.every((i) => i.final) ? 1 : 0;
  const done = items.filter((i) => i.final === 'done').length;
  const failed = items.filter((i) => i.final === 'failed').length;
  $('up-summary').textContent = `${done} of ${items.length} done${failed ? `, ${failed} failed` : ''} · ${humanSize(loaded)} of ${humanSize(total)}`;
}
