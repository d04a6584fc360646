// Who is asking, and may they do this. Basic credentials are parsed by the gateway
// (webdav-server's parser rejects base64 with "+" or "/" and cuts passwords at ":"). Sites
// where a request brings its own login need them: the FTP login (pass-through) or a gateway
// account verified by the login guard (src/http/security/login-guard.ts). Writes to a
// read-only site or account, and COPY/MOVE to another server, are refused here, before any
// FTP command.
import type { IncomingMessage } from 'node:http';
import { verifiedCaller } from '../auth/verified.js';
import { GatewayError } from '../core/errors.js';
import type { RemoteFs } from '../core/remote-fs.js';
import type { Caller } from '../core/types.js';
import { parseBasic } from '../http/credentials.js';
import { davTargetOfUrl, type DavTarget } from './dav-path.js';
import { DavError } from './respond.js';

/** Methods that change the resource they name (LOCK may create it; PROPPATCH changes properties). */
const WRITE_METHODS = new Set(['PUT', 'DELETE', 'MKCOL', 'MOVE', 'PROPPATCH', 'LOCK']);

/** The authority of an absolute URL, lower-cased; undefined for a path. */
function authorityOf(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url.trim());
  return m ? m[1]!.replace(/^[^@]*@/, '').toLowerCase() : undefined;
}

/**
 * A Destination naming another server is not ours to write: refused with 403 (a client error,
 * as the security rules want; RFC 4918 section 9.8.5 would also allow 502). An unreadable one is 400.
 */
function destinationOn(req: IncomingMessage): DavTarget | undefined {
  const header = req.headers.destination;
  if (typeof header !== 'string' || header === '') return undefined; // the handler answers 400
  const authority = authorityOf(header);
  if (authority !== undefined) {
    const ours = [req.headers.host, req.headers['x-forwarded-host']]
      .flatMap((h) => (typeof h === 'string' ? h.split(',') : []))
      .map((h) => h.trim().toLowerCase());
    if (!ours.includes(authority)) throw new DavError(403);
  }
  try {
    return davTargetOfUrl(header);
  } catch {
    throw new DavError(400);
  }
}

export function credentialsFor(fs: RemoteFs, req: IncomingMessage, target: DavTarget): Caller | undefined {
  const creds = parseBasic(req.headers.authorization);
  // The same caller serves every site of the request: its account, when the guard verified one,
  // is what sites with auth = accounts look at; pass-through sites use the user name and password.
  const caller = creds ? verifiedCaller(req, creds) : undefined;
  const callerOn = (site: string): Caller | undefined => {
    if (fs.site(site).credentials !== 'pass-through') return undefined;
    if (!caller) throw new GatewayError('unauthorized', `site "${site}" needs your user name and password`);
    return caller;
  };
  const own = target.site !== undefined ? callerOn(target.site) : undefined;
  const method = req.method ?? 'GET';
  if (target.site !== undefined && WRITE_METHODS.has(method)) fs.access(target.site, own, 'write');
  if (method === 'COPY' || method === 'MOVE') {
    const destination = destinationOn(req);
    if (destination?.site !== undefined) fs.access(destination.site, callerOn(destination.site), 'write');
  }
  return caller;
}
