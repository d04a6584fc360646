// Paths in the page are plain strings like "/docs/a b.txt"; URLs encode each segment.
export const segments = (path) => path.split('/').filter(Boolean);
export const join = (folder, name) => (folder === '/' ? '' : folder) + '/' + name;
export const parentOf = (path) => '/' + segments(path).slice(0, -1).join('/');
export const nameOf = (path) => segments(path).pop() ?? '';
export const enc = (path) => segments(path).map(encodeURIComponent).join('/');

export const browseUrl = (site, path = '/') => {
  const tail = enc(path);
  return `/browse/${encodeURIComponent(site)}/${tail ? tail + '/' : ''}`;
};
export const apiSite = (site) => `/api/v1/sites/${encodeURIComponent(site)}`;
export const listUrl = (site, path) => `${apiSite(site)}/list/${enc(path)}`;
export const fileUrl = (site, path, download = false) => `${apiSite(site)}/files/${enc(path)}${download ? '?download=1' : ''}`;
/** A folder as a zip, streamed by the gateway. */
export const zipUrl = (site, path) => `${apiSite(site)}/zip/${enc(path)}`;
/** Several entries of one folder as one zip. */
export const zipSelectionUrl = (site, folder, names) =>
  `${apiSite(site)}/zip-selection/${enc(folder)}?${names.map((n) => 'name=' + encodeURIComponent(n)).join('&')}`;

/** { site, path } from the address bar, or null at the site list. */
export function fromLocation(pathname) {
  const parts = pathname.split('/').filter(Boolean);
  if (parts[0] !== 'browse' || parts.length < 2) return null;
  try {
    const [site, ...rest] = parts.slice(1).map(decodeURIComponent);
    return { site, path: '/' + rest.join('/') };
  } catch {
    return null;
  }
}

/** "report.pdf" -> "report (1).pdf", for "keep both". */
export function numbered(name, taken) {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let i = 1; ; i++) {
    const candidate = `${stem} (${i})${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}
