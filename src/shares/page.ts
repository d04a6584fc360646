// The small HTML pages of a share link: a folder listing, a password form, a drop box form.
// Everything from the server is escaped; no script, so the gateway's strict CSP holds.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><link rel="stylesheet" href="/assets/style.css"></head>
<body class="share"><main><h1>${esc(title)}</h1>
${body}
</main></body></html>
`;
}

export interface ListedEntry {
  name: string;
  href: string;
  folder: boolean;
  size: number;
}

export function listingPage(title: string, entries: ListedEntry[], zipHref: string, parentHref?: string): string {
  const rows = entries
    .map((e) => `<li><a href="${esc(e.href)}">${esc(e.name)}${e.folder ? '/' : ''}</a>${e.folder ? '' : ` <small>${e.size} bytes</small>`}</li>`)
    .join('\n');
  const up = parentHref ? `<p><a href="${esc(parentHref)}">Parent folder</a></p>` : '';
  return page(title, `${up}<p><a href="${esc(zipHref)}">Download everything as a zip</a></p>\n<ul>\n${rows || '<li>(empty)</li>'}\n</ul>`);
}

export function passwordPage(title: string, action: string, wrong: boolean): string {
  return page(
    title,
    `${wrong ? '<p role="alert">Wrong password.</p>' : ''}
<form method="post" action="${esc(action)}">
<label>Password <input type="password" name="password" autocomplete="off" required autofocus></label>
<button type="submit">Open</button>
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
<button type="submit">Upload</button>
</form>`,
  );
}
