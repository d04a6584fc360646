// Previews straight from the download URL: the browser's own image, audio, video and PDF
// viewers (media stream with Range requests); text is fetched, capped, and shown as text.
import { api } from './api.js';
import { $, h } from './dom.js';
import { humanSize, kindOf } from './format.js';
import { fileUrl } from './paths.js';

const TEXT_CAP = 256 * 1024;

export function initPreview() {
  const dialog = $('preview');
  $('preview-close').addEventListener('click', () => dialog.close());
  // Emptying the body stops any playing media and frees the image.
  dialog.addEventListener('close', () => $('preview-body').replaceChildren());
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close(); // a click on the backdrop
  });
}

export function showPreview(site, path, entry) {
  const src = fileUrl(site, path);
  const kind = kindOf(entry);
  $('preview-title').textContent = entry.name;
  const link = $('preview-download');
  link.href = fileUrl(site, path, true);
  link.download = entry.name;
  const body = $('preview-body');
  const broken = () => body.replaceChildren(h('p', { class: 'error' }, `${entry.name} could not be shown here; download it instead.`));
  let view;
  if (kind === 'image') view = h('img', { src, alt: entry.name, onerror: broken });
  else if (kind === 'audio') view = h('audio', { src, controls: true, preload: 'metadata', onerror: broken });
  else if (kind === 'video') view = h('video', { src, controls: true, preload: 'metadata', playsinline: true, onerror: broken });
  else if (kind === 'pdf') view = h('iframe', { src, title: entry.name });
  else if (entry.size === 0) view = h('p', { class: 'note' }, 'This file is empty.');
  else {
    view = h('pre', { class: 'text', tabindex: 0 }, 'Loading…');
    api.head(site, path, TEXT_CAP).then(
      ({ text }) => {
        view.textContent = text;
        if (entry.size > TEXT_CAP) body.append(h('p', { class: 'note' }, `Showing the first ${humanSize(TEXT_CAP)} of ${humanSize(entry.size)}.`));
      },
      (err) => body.replaceChildren(h('p', { class: 'error' }, `Could not load the preview: ${err.message}`)),
    );
  }
  body.replaceChildren(view);
  body.className = 'preview-body kind-' + kind;
  $('preview').showModal();
  $('preview-close').focus();
}
