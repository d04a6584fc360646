// Validators and byte ranges for downloads (RFC 9110 sections 8.8, 13 and 14).
import type { Entry, Precondition } from '../core/types.js';
import { GatewayError } from '../core/errors.js';

/**
 * A strong validator: size, modification time (as precise as the server tells: MLSD or MDTM
 * to the second, LIST sometimes only to the minute) and the gateway's own write generation,
 * which changes on every write through the gateway even within one second and one size.
 */
export function etagOf(entry: Entry): string {
  const time = entry.modified ? entry.modified.getTime().toString(36) : '0';
  const generation = entry.generation ? `-${entry.generation}` : '';
  return `"${entry.size.toString(36)}-${time}${generation}"`;
}

/** If-Match (RFC 9110 section 13.1.1): strong comparison; "*" matches any current file. */
function ifMatchHolds(header: string, current: Entry | undefined): boolean {
  if (!current) return false;
  if (header.trim() === '*') return true;
  const etag = etagOf(current);
  return header.split(',').some((t) => t.trim() === etag);
}

/**
 * The If-Match / If-Unmodified-Since of a request that changes a resource, as a check on its
 * current state: the core runs it before the change and again under the commit lock right
 * before it (src/core/commit.ts). undefined when the request has neither header.
 */
export function writePrecondition(headers: Record<string, string | string[] | undefined>): Precondition | undefined {
  const ifMatch = headers['if-match'];
  const ius = headers['if-unmodified-since'];
  if (typeof ifMatch !== 'string' && typeof ius !== 'string') return undefined;
  return (current) => {
    if (typeof ifMatch === 'string') {
      if (!ifMatchHolds(ifMatch, current)) throw new GatewayError('precondition_failed', `If-Match: ${current ? 'the file changed' : 'no such file'}`);
      return;
    }
    const since = Date.parse(ius as string);
    if (Number.isNaN(since)) return; // an invalid date is ignored (RFC 9110 section 13.1.4)
    if (!current) throw new GatewayError('precondition_failed', 'If-Unmodified-Since: no such file');
    if (current.modified && Math.floor(current.modified.getTime() / 1000) > Math.floor(since / 1000)) {
      throw new GatewayError('precondition_failed', 'If-Unmodified-Since: the file changed since');
    }
  };
}

/**
 * If-None-Match (RFC 9110 section 13.1.2), weak comparison: does the header name the current
 * resource? "*" matches any that exists; nothing matches a resource that does not exist. The
 * one ETag comparison of every front: 304 for GET/HEAD here, 412 for a PUT (WebDAV's put.ts).
 */
export function noneMatchHits(header: string, current: Entry | undefined): boolean {
  if (!current) return false;
  if (header.trim() === '*') return true;
  const etag = etagOf(current);
  const weakless = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => weakless(t) === weakless(etag));
}

/** True when a GET/HEAD can be answered 304 Not Modified. */
export function notModified(headers: Record<string, string | string[] | undefined>, entry: Entry): boolean {
  const inm = headers['if-none-match'];
  if (typeof inm === 'string') return noneMatchHits(inm, entry);
  const ims = headers['if-modified-since'];
  if (typeof ims === 'string' && entry.modified) {
    const since = Date.parse(ims);
    if (!Number.isNaN(since)) return Math.floor(entry.modified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

export interface Range {
  start: number;
  end: number;
}

/**
 * One satisfiable range, or undefined to send the whole file (no Range, a stale If-Range, or a
 * multi-range request, which we answer in full as RFC 9110 allows). Unsatisfiable ranges throw 416.
 */
export function requestedRange(headers: Record<string, string | string[] | undefined>, entry: Entry): Range | undefined {
  const header = headers.range;
  if (typeof header !== 'string') return undefined;
  const ifRange = headers['if-range'];
  if (typeof ifRange === 'string') {
    const fresh = ifRange.trim().startsWith('"') || ifRange.trim().startsWith('W/')
      ? ifRange.trim() === etagOf(entry)
      : entry.modified !== undefined && Date.parse(ifRange) >= Math.floor(entry.modified.getTime() / 1000) * 1000;
    if (!fresh) return undefined;
  }
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined; // multiple or malformed ranges: ignore, send the whole file
  const size = entry.size;
  let start: number;
  let end: number;
  if (m[1] === '') {
    if (m[2] === '') return undefined;
    const suffix = Number(m[2]);
    if (suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size || !Number.isSafeInteger(start)) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): GatewayError {
  return new GatewayError('range_not_satisfiable', `the file has ${size} bytes`, { headers: { 'content-range': `bytes */${size}` } });
}
