// The one reading of a WebDAV Destination header. The access check (auth.ts), the lock check
// and the COPY and MOVE handlers (methods/) all act on what this returns, so no header can
// mean one path to one check and another to the next.
import type { IncomingMessage } from 'node:http';
import { davTargetOf, hrefOf, type DavTarget } from './dav-path.js';
import { DavError } from './respond.js';

export interface CheckedDestination {
  target: DavTarget & { site: string };
  /** The target as a percent-encoded absolute path under /dav/. */
  href: string;
}

/** The host names this request reached the gateway by (its Host, or a proxy's X-Forwarded-Host). */
function ownAuthorities(req: IncomingMessage): string[] {
  return [req.headers.host, req.headers['x-forwarded-host']]
    .flatMap((h) => (typeof h === 'string' ? h.split(',') : []))
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
}

/**
 * An absolute http(s) URL on this gateway's own host, or an absolute path; no query, no
 * fragment, no "." or ".." segment (after decoding), under /dav/{site}/. 403 for another
 * host, 400 for anything else that is not such a path.
 */
export function readDestination(req: IncomingMessage): CheckedDestination {
  const header = req.headers.destination;
  if (typeof header !== 'string') throw new DavError(400);
  const text = header.trim();
  // Spaces and control characters must be percent-encoded; "?" and "#" would be read differently by different parsers.
  if (text === '' || /[\0-\x20\x7f?#\\]/.test(text)) throw new DavError(400);
  let path = text;
  const absolute = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(.*)$/i.exec(text);
  if (absolute) {
    const [, scheme, authority, rest] = absolute;
    const at = authority!.lastIndexOf('@');
    const host = authority!.slice(at + 1).toLowerCase();
    if (!ownAuthorities(req).includes(host)) throw new DavError(403); // another server: not ours to write
    if (!/^https?$/i.test(scheme!) || at >= 0) throw new DavError(400);
    path = rest || '/';
  }
  if (!path.startsWith('/')) throw new DavError(400);
  let target: DavTarget;
  try {
    target = davTargetOf(path); // each segment decoded once; ".", ".." and "/" inside a name refused
  } catch {
    throw new DavError(400);
  }
  if (target.site === undefined) throw new DavError(403); // /dav/ itself lists the sites: nothing to write there
  return { target: target as CheckedDestination['target'], href: hrefOf(target) };
}

/** The site a Destination names, or undefined when it names none we would act on. */
export function destinationSite(req: IncomingMessage): string | undefined {
  try {
    return readDestination(req).target.site;
  } catch {
    return undefined;
  }
}
