// The REST API, as the page uses it. Every call says it comes from the page (the CSRF
// defence for cookie sign-ins, and what spares us the browser's Basic prompt).
import { t } from './i18n.js';
import { apiSite, enc, fileUrl, listUrl } from './paths.js';

const PAGE_HEADER = { 'X-Requested-With': 'ftpgate' };

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || 'http_' + status;
    this.title = problem.title || `HTTP ${status}`;
  }
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return { title: response.statusText || `HTTP ${response.status}` };
  }
}

async function call(method, url, body) {
  const headers = { ...PAGE_HEADER };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, { code: 'network', title: t('No connection'), detail: t('the gateway could not be reached') });
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return response.status === 204 ? null : response.json();
}

export const api = {
  sites: () => call('GET', '/api/v1/sites').then((r) => r.sites),
  session: () => call('GET', '/api/v1/session').then((r) => r.sites),
  signIn: (site, user, password) => call('POST', '/api/v1/session', { site, user, password }),
  signOut: (site) => call('DELETE', `/api/v1/session?site=${encodeURIComponent(site)}`),
  list: (site, path) => call('GET', listUrl(site, path)),
  mkdir: (site, path) => call('POST', `${apiSite(site)}/mkdir/${enc(path)}`),
  remove: (site, path, recursive) => call('DELETE', fileUrl(site, path) + (recursive ? '?recursive=true' : '')),
  access: (site) => call('GET', `${apiSite(site)}/access`),
  move: (site, from, to, overwrite = false) => call('POST', `${apiSite(site)}/move`, { from, to, overwrite }),
  copy: (site, from, to, overwrite = false) => call('POST', `${apiSite(site)}/copy`, { from, to, overwrite }),
  /** options: kind, expiresInSeconds, password, maxDownloads (as the API takes them) */
  share: (site, path, options = {}) => call('POST', `${apiSite(site)}/shares`, { path, ...options }),
  shares: (site) => call('GET', `${apiSite(site)}/shares`),
  revokeShare: (site, id) => call('DELETE', `${apiSite(site)}/shares/${encodeURIComponent(id)}`),
  /** The first `bytes` of a file as text, for previews. */
  async head(site, path, bytes) {
    const response = await fetch(fileUrl(site, path), { headers: { ...PAGE_HEADER, Range: `bytes=0-${bytes - 1}` } });
    if (!response.ok) throw new ApiError(response.status, await problemOf(response));
    return { text: await response.text(), partial: response.status === 206 };
  },
};

/**
 * Upload one file as multipart/form-data with progress (fetch has no upload progress).
 * Returns { done: Promise, abort() }.
 */
export function upload(site, folder, file, name, overwrite, onProgress) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    xhr.open('POST', `${fileUrl(site, folder)}?overwrite=${overwrite}`);
    xhr.setRequestHeader('X-Requested-With', 'ftpgate');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(JSON.parse(xhr.responseText));
      let problem = {};
      try {
        problem = JSON.parse(xhr.responseText);
      } catch {}
      reject(new ApiError(xhr.status, problem));
    };
    xhr.onerror = () => reject(new ApiError(0, { code: 'network', title: t('Upload failed'), detail: t('the connection broke') }));
    xhr.onabort = () => reject(new ApiError(0, { code: 'aborted', title: t('Cancelled'), detail: t('cancelled') }));
    const form = new FormData();
    form.append('file', file, name);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}
