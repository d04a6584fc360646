// The page's own small tus 1.0 client, loaded only when a large file is uploaded: create the
// upload (POST), send the file in chunks (PATCH at Upload-Offset), and after any failure ask
// the gateway where it stands (HEAD: the size the FTP server really holds) and go on from
// there. Offline, it waits for the network to come back. The upload's URL is kept in
// localStorage, so a reloaded page picks up the same file where it stopped.
import { ApiError } from './api.js';
import { t } from './i18n.js';
import { apiSite, enc } from './paths.js';

const BASE = { 'Tus-Resumable': '1.0.0', 'X-Requested-With': 'ftpgate' };
/** Bytes per PATCH; localStorage "ftpgate.uploadChunkBytes" overrides it (tests use small chunks). */
const CHUNK = Number(localStorage.getItem('ftpgate.uploadChunkBytes')) || 8 * 1024 * 1024;
const MAX_FAILURES = 30; // in a row, without progress between them

const b64 = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const retriable = (err) => err.status === 0 || err.status === 409 || err.status === 423 || err.status >= 500;

function request(method, url, headers, body, onProgress) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    xhr.open(method, url);
    for (const [name, value] of Object.entries({ ...BASE, ...headers })) xhr.setRequestHeader(name, value);
    if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr);
      let problem = {};
      try {
        problem = JSON.parse(xhr.responseText);
      } catch {
        problem = { detail: xhr.responseText.trim() };
      }
      reject(new ApiError(xhr.status, problem));
    };
    xhr.onerror = () => reject(new ApiError(0, { code: 'network', title: t('No connection'), detail: t('the connection broke') }));
    xhr.onabort = () => reject(new ApiError(0, { code: 'aborted', title: t('Cancelled'), detail: t('cancelled') }));
    xhr.send(body ?? null);
  });
  return { xhr, done };
}

/** Wait before the next try: for the network when the browser knows it is offline, then a backoff. */
async function pause(failures) {
  if (!navigator.onLine) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 60_000);
      addEventListener('online', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
  await sleep(Math.min(250 * 2 ** (failures - 1), 10_000));
}

/**
 * Upload `file` as `name` into `folder`. Returns { done, abort }; `onProgress(loaded, total)`,
 * `onState('uploading' | 'reconnecting')`.
 */
export function tusUpload({ site, folder, file, name, overwrite, onProgress, onState = () => {} }) {
  let current = null;
  let aborted = false;
  let url = null;
  const key = `ftpgate.tus:${site}:${folder}:${name}:${file.size}:${file.lastModified}`;
  const step = (p) => {
    current = p;
    return p.done;
  };
  const offsetOf = async () => Number((await step(request('HEAD', url))).getResponseHeader('Upload-Offset'));

  const done = (async () => {
    url = localStorage.getItem(key);
    let offset = null;
    if (url) offset = await offsetOf().catch(() => null); // an earlier try of this file
    if (offset === null) {
      const created = await step(
        request('POST', `${apiSite(site)}/uploads/${enc(folder)}`, {
          'Upload-Length': String(file.size),
          'Upload-Metadata': `filename ${b64(name)},overwrite ${b64(String(overwrite))}`,
        }),
      );
      url = new URL(created.getResponseHeader('Location'), location.href).pathname;
      localStorage.setItem(key, url);
      offset = 0;
    }
    let failures = 0;
    while (offset === null || offset < file.size) {
      try {
        if (offset === null) offset = await offsetOf();
        if (offset >= file.size) break;
        const from = offset;
        const chunk = file.slice(from, from + CHUNK);
        const sent = await step(
          request('PATCH', url, { 'Upload-Offset': String(from), 'Content-Type': 'application/offset+octet-stream' }, chunk, (loaded) =>
            onProgress(from + loaded, file.size),
          ),
        );
        offset = Number(sent.getResponseHeader('Upload-Offset'));
        onProgress(offset, file.size);
        if (failures > 0) onState('uploading');
        failures = 0;
      } catch (err) {
        if (aborted || !retriable(err) || ++failures > MAX_FAILURES) throw err;
        onState('reconnecting');
        offset = null; // ask the gateway, after a pause
        await pause(failures);
        if (aborted) throw new ApiError(0, { code: 'aborted', title: t('Cancelled'), detail: t('cancelled') });
      }
    }
    localStorage.removeItem(key);
    return { path: folder, size: file.size };
  })();
  done.catch((err) => {
    // Given up for good (404/410: expired; 4xx: refused): nothing to resume later.
    if (aborted || (err.status >= 400 && err.status < 500 && err.status !== 409 && err.status !== 423)) localStorage.removeItem(key);
  });

  return {
    done,
    abort() {
      aborted = true;
      current?.xhr.abort();
      // Termination: the gateway removes the temporary files at once.
      if (url) request('DELETE', url).done.catch(() => {});
      localStorage.removeItem(key);
    },
  };
}
