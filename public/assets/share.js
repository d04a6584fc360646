// Share links from the page, with every option the API has: expiry, password, a download
// limit, and (for folders) an upload-only drop box. "My links" lists them with Revoke.
import { api } from './api.js';
import { $, h } from './dom.js';
import { t } from './i18n.js';
import { notify } from './toast.js';

const EXPIRY = [[0, t('Never')], [3600, t('1 hour')], [86400, t('1 day')], [7 * 86400, t('7 days')], [30 * 86400, t('30 days')]];

function openDialog(title, body, buttons) {
  const dialog = $('dialog');
  $('dialog-title').textContent = title;
  $('dialog-body').replaceChildren(...body);
  $('dialog-buttons').replaceChildren(...buttons);
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue), { once: true }));
}

const field = (text, input) => h('label', { class: 'field' }, text, input);

/** Ask for the link's options, make it, show it. */
export async function shareDialog(site, path, entry) {
  const folder = entry.type === 'directory';
  const kind = h('select', { id: 'share-kind' }, h('option', { value: 'download' }, t('Anyone with the link can download')), folder ? h('option', { value: 'dropbox' }, t('Upload-only drop box (visitors add files, see nothing)')) : null);
  const expiry = h('select', { id: 'share-expiry' }, ...EXPIRY.map(([s, l]) => h('option', { value: String(s) }, l)));
  const password = h('input', { type: 'password', id: 'share-password', autocomplete: 'new-password' });
  const max = h('input', { type: 'number', id: 'share-max', min: 1, inputmode: 'numeric' });
  const answer = await openDialog(
    t('Share “{name}”', { name: entry.name }),
    [
      h('p', { class: 'note' }, t('A share link works for anyone who has it, without an account, for this file or folder only.')),
      field(t('Kind'), kind), field(t('Expires'), expiry), field(t('Password (optional)'), password), field(t('Download limit (optional)'), max),
    ],
    [h('button', { value: 'ok', class: 'primary', type: 'submit', id: 'share-create' }, t('Create link')), h('button', { value: '', type: 'submit', formnovalidate: true }, t('Cancel'))],
  );
  if (answer !== 'ok') return;
  const options = { kind: kind.value };
  if (Number(expiry.value)) options.expiresInSeconds = Number(expiry.value);
  if (password.value) options.password = password.value;
  if (Number(max.value) > 0) options.maxDownloads = Math.floor(Number(max.value));
  let made;
  try {
    made = await api.share(site, path, options);
  } catch (err) {
    return notify(`${t('Share failed')}: ${err.message}`, true);
  }
  const url = new URL(made.url, location.href).href;
  const box = h('input', { type: 'text', readonly: true, value: url, id: 'share-url', 'aria-label': t('Share link') });
  const copy = h('button', { type: 'button', onclick: () => navigator.clipboard?.writeText(url).then(() => notify(t('Link copied')), () => box.select()) }, t('Copy'));
  const facts = [made.expiresAt ? t('expires {when}', { when: new Date(made.expiresAt).toLocaleString() }) : t('never expires'), made.hasPassword ? t('needs the password') : null, made.maxDownloads ? t('{n} downloads at most', { n: made.maxDownloads }) : null].filter(Boolean);
  const shown = openDialog(t('Share link for “{name}”', { name: entry.name }), [h('div', { class: 'share-url' }, box, copy), h('p', { class: 'note' }, facts.join(' · '))], [h('button', { value: 'ok', class: 'primary', type: 'submit' }, t('Done'))]);
  box.select();
  await shown;
}

/** The caller's links on this site, each with Revoke. */
export async function myLinks(site) {
  const list = h('ul', { class: 'share-list', id: 'share-list' });
  const fill = async () => {
    let shares;
    try {
      ({ shares } = await api.shares(site));
    } catch (err) {
      return list.replaceChildren(h('li', { class: 'error' }, err.message));
    }
    list.replaceChildren(
      ...shares.map((s) =>
        h('li', { 'data-id': s.id },
          h('a', { href: s.url, target: '_blank', rel: 'noopener' }, s.path),
          h('small', {}, [s.kind === 'dropbox' ? t('drop box') : t('download'), s.expiresAt ? t('expires {when}', { when: new Date(s.expiresAt).toLocaleString() }) : null, s.hasPassword ? t('password') : null, s.maxDownloads ? `${s.downloads}/${s.maxDownloads}` : `${s.downloads} ×`].filter(Boolean).join(' · ')),
          h('button', { type: 'button', class: 'danger', onclick: () => api.revokeShare(site, s.id).then(fill, (err) => notify(err.message, true)) }, t('Revoke'))),
      ),
    );
    if (!shares.length) list.append(h('li', { class: 'note' }, t('You have no share links on this site.')));
  };
  const shown = openDialog(t('My share links'), [list], [h('button', { value: 'ok', class: 'primary', type: 'submit' }, t('Close'))]);
  await fill();
  await shown;
}
