// Who is asking, and may they do this. Basic credentials are parsed by the gateway (base64
// with "+" or "/", passwords holding ":"). Sites
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
import type { DavTarget } from './dav-path.js';
import { readDestination } from './destination.js';

/** Methods that change the resource they name (LOCK may create it; PROPPATCH changes properties). */
const WRITE_METHODS = new Set(['PUT', 'DELETE', 'MKCOL', 'MOVE', 'PROPPATCH', 'LOCK']);

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
    // A missing or unreadable Destination is refused here (400; 403 for another host), before any FTP command.
    const { site } = readDestination(req).target;
    fs.access(site, callerOn(site), 'write');
  }
  return caller;
}
