// What a GET or HEAD of a file answers, decided once for every front (REST and WebDAV):
// entity headers, 304, 206 with its Content-Range, or 200 with the whole length.
import mime from 'mime-types';
import type { Entry } from '../core/types.js';
import { etagOf, notModified, requestedRange, type Range } from './conditional.js';

/** Types a browser would run as a page in our origin: never served inline. */
const ACTIVE_TYPES = /^(text\/html|text\/xml|application\/xml|[a-z]+\/[^;\s]*\+xml)\b/; // +xml: SVG, XHTML, RSS...

type RequestHeaders = Record<string, string | string[] | undefined>;

/** RFC 6266 / 8187: an ASCII fallback plus the exact UTF-8 name. */
export function contentDisposition(type: 'attachment' | 'inline', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

function entityHeaders(entry: Entry, name: string, forceDownload = false): Record<string, string> {
  const type = mime.lookup(name) || 'application/octet-stream';
  const active = ACTIVE_TYPES.test(type);
  const charset = !active && (type.startsWith('text/') || type === 'application/json') ? '; charset=utf-8' : '';
  const headers: Record<string, string> = {
    'content-type': type + charset,
    etag: etagOf(entry),
    'accept-ranges': 'bytes',
    'x-content-type-options': 'nosniff',
  };
  if (entry.modified) headers['last-modified'] = entry.modified.toUTCString();
  if (forceDownload || active) headers['content-disposition'] = contentDisposition('attachment', name);
  return headers;
}

export interface DownloadPlan {
  status: 200 | 206 | 304;
  headers: Record<string, string>;
  /** The bytes to read: the range, or the whole file bounded by its listed size. */
  read?: Range;
}

/** Throws GatewayError 416 (with its Content-Range header) for an unsatisfiable range. */
export function planDownload(request: RequestHeaders, entry: Entry, name: string, forceDownload = false): DownloadPlan {
  const headers = entityHeaders(entry, name, forceDownload);
  if (notModified(request, entry)) return { status: 304, headers };
  const range = requestedRange(request, entry);
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${entry.size}`;
    headers['content-length'] = String(range.end - range.start + 1);
    return { status: 206, headers, read: range };
  }
  headers['content-length'] = String(entry.size);
  // Always bound the read by the listed size: a file that changed meanwhile fails loudly.
  return { status: 200, headers, ...(entry.size > 0 ? { read: { start: 0, end: entry.size - 1 } } : {}) };
}
