// GET and HEAD over WebDAV take the REST download path's rules: validators from the listing,
// conditional requests, and a single Range served by FTP REST (never read from byte 0 and
// thrown away up to the range).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../core/errors.js';
import { planDownload } from '../../http/download-plan.js';
import { watchDownload } from '../../http/send-file.js';
import type { DavShared } from '../shared.js';
import { hrefOf, type DavTarget } from '../dav-path.js';
import type { RequestState } from '../request-state.js';
import { escapeAttr, escapeXml } from '../xml.js';

/** A collection asked with GET: a plain HTML index, enough for a browser to look around. */
function sendIndex(res: ServerResponse, target: DavTarget, names: Array<{ name: string; dir: boolean }>, head: boolean): void {
  const rows = names
    .map(({ name, dir }) => {
      const child: DavTarget = target.site === undefined ? { site: name, path: target.path } : { site: target.site, path: target.path.child(name) };
      return `<li><a href="${escapeAttr(hrefOf(child, dir))}">${escapeXml(name)}${dir ? '/' : ''}</a></li>`;
    })
    .join('\n');
  const html = `<!doctype html>\n<meta charset="utf-8"><title>Index</title>\n<ul>\n${rows}\n</ul>\n`;
  res.statusCode = 200;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('content-security-policy', "default-src 'none'");
  res.setHeader('content-length', String(Buffer.byteLength(html)));
  res.end(head ? undefined : html);
}

export interface GetRequest {
  shared: DavShared;
  state: RequestState;
  target: DavTarget;
  req: IncomingMessage;
  res: ServerResponse;
  head: boolean;
}

export async function handleGet({ shared, state, target, req, res, head }: GetRequest): Promise<number> {
  if (target.site === undefined) {
    sendIndex(res, target, shared.fs.listSites().map((s) => ({ name: s.name, dir: true })), head);
    return 0;
  }
  const entry = target.path.isRoot ? undefined : await state.describe(target.site, target.path);
  if (!target.path.isRoot && !entry) throw new GatewayError('not_found', `${target.path} does not exist`);
  if (!entry || entry.type === 'directory') {
    const entries = await state.list(target.site, target.path);
    sendIndex(res, target, entries.map((e) => ({ name: e.name, dir: e.type === 'directory' })), head);
    return 0;
  }
  const plan = planDownload(req.headers, entry, target.path.name);
  res.statusCode = plan.status;
  for (const [name, value] of Object.entries(plan.headers)) res.setHeader(name, value);
  if (head || !plan.read) {
    res.end();
    return 0;
  }
  const access = state.access(target.site);
  const stream = await shared.fs.read(access, target.path, plan.read);
  return new Promise<number>((resolve) => {
    // A client that stops reading is cut, one that leaves stops the FTP transfer; resolves with the bytes read.
    watchDownload(res, stream, access.site, resolve);
    stream.on('error', (err) => res.destroy(err));
    stream.pipe(res);
  });
}
