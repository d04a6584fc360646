// Who is asking, and may they do this. The caller on each site is the toolkit's callerFor,
// without a browser session (WebDAV clients log in with Basic only). WebDAV's own: a malformed
// Authorization header, or no login for a site that needs one, is a 401 before anything else;
// writes to a read-only site or account, and COPY/MOVE to another server, are refused here,
// before any FTP command.
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../core/errors.js';
import type { RemoteFs } from '../core/remote-fs.js';
import type { Caller } from '../core/types.js';
import { callerFor, parseBasic } from '../http/credentials.js';
import type { DavTarget } from './dav-path.js';
import { readDestination } from './destination.js';

/** Methods that change the resource they name (LOCK may create it; PROPPATCH changes properties). */
export const WRITE_METHODS: ReadonlySet<string> = new Set(['PUT', 'DELETE', 'MKCOL', 'MOVE', 'PROPPATCH', 'LOCK']);

/** The caller on one site: undefined on sites that log in with their own account. */
export type CallerOn = (site: string) => Caller | undefined;

/** Authenticate a WebDAV request and refuse what it may not do; returns its caller on each site. */
export function authenticate(fs: RemoteFs, request: FastifyRequest, target: DavTarget): CallerOn {
  // Read on every request, whatever its site: a malformed header is a 401, as it always was here.
  parseBasic(request.headers.authorization);
  const callerOn: CallerOn = (site) => callerFor(request, fs.site(site), { browserSession: false });
  const required = (site: string): Caller | undefined => {
    const caller = callerOn(site);
    if (!caller && fs.site(site).credentials === 'pass-through') throw new GatewayError('unauthorized', `site "${site}" needs your user name and password`);
    return caller;
  };
  const own = target.site !== undefined ? required(target.site) : undefined;
  const method = request.method;
  if (target.site !== undefined && WRITE_METHODS.has(method)) fs.access(target.site, own, 'write');
  if (method === 'COPY' || method === 'MOVE') {
    // A missing or unreadable Destination is refused here (400; 403 for another host), before any FTP command.
    const { site } = readDestination(request.raw).target;
    fs.access(site, required(site), 'write');
  }
  return callerOn;
}
