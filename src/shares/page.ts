// The small HTML pages of a share link: a folder listing, a preview of one file (a gallery
// through the folder), a password form, a drop box form. Everything from the server is escaped;
// the only script is the gateway's own /assets/share-view.js (keys and swipes), so the strict CSP holds.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function page(title: string, body: string, script = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(title)}</title><link rel="icon" href="/assets/icon.svg" type="image/svg+xml"><link rel="stylesheet" href="/assets/style.css">${script ? `<script src="${script}" defer></script>` : ''}</head>
<body class="share"><header class="topbar"><span class="brand"><img src="/assets/icon.svg" alt="" width="22" height="22"> ftpgate</span>
<span class="share-note">A shared link</span></header>
<main class="app share-main"><h1>${esc(title)}</h1>
${body}
</main></body></html>
`;
}

export interface ListedEntry {
  name: string;
  /** The folder to browse, or the file's download. */
  href: string;
  /** The file's preview page, for the kinds a browser shows. */
  view?: string;
  folder: boolean;
  size: number;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];
/** 288 → "288 B", 1536 → "1.5 KB": what people read, not a byte count. */
function humanSize(bytes: number): string {
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n < 10 ? n.toFixed(1) : Math.round(n)} ${UNITS[i]}`;
}

const KINDS: Array<[string, RegExp]> = [
  ['image', /\.(png|jpe?g|gif|webp|avif|bmp|ico)$/i],
  ['video', /\.(mp4|webm|ogv|mov|m4v)$/i],
  ['audio', /\.(mp3|ogg|oga|opus|wav|flac|m4a|aac)$/i],
  ['pdf', /\.pdf$/i],
  ['archive', /\.(zip|tar|gz|tgz|bz2|xz|7z|rar|zst)$/i],
  ['text', /\.(txt|md|csv|log|json|ya?ml|xml|ini|conf)$/i],
];
const kindOf = (e: ListedEntry) => (e.folder ? 'directory' : (KINDS.find(([, re]) => re.test(e.name))?.[0] ?? 'file'));

export type PreviewKind = 'image' | 'video' | 'audio' | 'pdf' | 'text';
const PREVIEWABLE = new Set(['image', 'video', 'audio', 'pdf', 'text']);
/** The kind of preview a browser can show for a file name, or undefined. */
export function previewKind(name: string): PreviewKind | undefined {
  const kind = KINDS.find(([, re]) => re.test(name))?.[0];
  return kind && PREVIEWABLE.has(kind) ? (kind as PreviewKind) : undefined;
}

export function listingPage(title: string, entries: ListedEntry[], zipHref: string, parentHref?: string): string {
  const rows = entries
    .map(
      (e) =>
        `<tr><td class="col-icon"><span class="ico ico-${kindOf(e)}" aria-hidden="true"></span></td>` +
        `<td class="col-name"><a href="${esc(e.view ?? e.href)}">${esc(e.name)}${e.folder ? '/' : ''}</a></td>` +
        `<td class="col-size">${e.folder ? '' : esc(humanSize(e.size))}</td>` +
        `<td class="col-get">${e.folder ? '' : `<a class="button" href="${esc(e.href)}" download aria-label="Download ${esc(e.name)}">Download</a>`}</td></tr>`,
    )
    .join('\n');
  const files = entries.filter((e) => !e.folder);
  const total = files.reduce((n, e) => n + e.size, 0);
  const up = parentHref ? `<a href="${esc(parentHref)}" rel="up">↑ Parent folder</a>` : '';
  const summary = `${entries.length} item${entries.length === 1 ? '' : 's'}${files.length ? `, ${esc(humanSize(total))}` : ''}`;
  return page(
    title,
    `<div class="share-bar">${up}<span class="note">${summary}</span><a class="button primary" href="${esc(zipHref)}" download>Download everything (zip)</a></div>
<table class="files share-files"><thead><tr><th class="col-icon"><span class="sr-only">Type</span></th><th class="col-name">Name</th><th class="col-size">Size</th><th class="col-get"><span class="sr-only">Download</span></th></tr></thead>
<tbody>
${rows || '<tr class="empty-row"><td colspan="4">This folder is empty.</td></tr>'}
</tbody></table>`,
  );
}

export interface PreviewPage {
  name: string;
  kind: PreviewKind;
  /** The file's bytes, shown inline (sandboxed). */
  src: string;
  download: string;
  folder: string;
  prev?: string;
  next?: string;
  /** 1-based place among the folder's previewable files, and how many there are. */
  index: number;
  count: number;
}

/** One file of a shared folder, shown in the page; ←/→ (links, keys, swipes) go through the folder's others. */
export function previewPage(p: PreviewPage): string {
  const src = esc(p.src);
  const media =
    p.kind === 'image'
      ? `<img src="${src}" alt="${esc(p.name)}">`
      : p.kind === 'video'
        ? `<video src="${src}" controls preload="metadata"></video>`
        : p.kind === 'audio'
          ? `<audio src="${src}" controls preload="metadata"></audio>`
          : `<iframe src="${src}" title="${esc(p.name)}"></iframe>`;
  const step = (href: string | undefined, rel: 'prev' | 'next', label: string, arrow: string) =>
    href ? `<a class="button" href="${esc(href)}" rel="${rel}" aria-label="${label}">${arrow}</a>` : '';
  return page(
    p.name,
    `<div class="share-bar"><a href="${esc(p.folder)}" rel="up">↑ Back to the folder</a>
<span class="note">${p.index} of ${p.count}</span>${step(p.prev, 'prev', 'Previous', '←')}${step(p.next, 'next', 'Next', '→')}
<a class="button primary" href="${esc(p.download)}" download>Download</a></div>
<div class="share-view kind-${p.kind}">${media}</div>`,
    '/assets/share-view.js',
  );
}

export function passwordPage(title: string, action: string, wrong: boolean): string {
  return page(
    title,
    `${wrong ? '<p role="alert">Wrong password.</p>' : ''}
<form method="post" action="${esc(action)}">
<label>Password <input type="password" name="password" autocomplete="off" required autofocus></label>
<button type="submit" class="primary">Open</button>
</form>`,
  );
}

export function dropboxPage(title: string, action: string, done?: string[]): string {
  const thanks = done?.length ? `<p role="status">Received: ${done.map(esc).join(', ')}</p>` : '';
  return page(
    title,
    `${thanks}<p>Add files here. You cannot see or replace what others have added.</p>
<form method="post" action="${esc(action)}" enctype="multipart/form-data">
<input type="file" name="file" multiple required>
<button type="submit" class="primary">Upload</button>
</form>`,
  );
}
