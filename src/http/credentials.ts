// HTTP Basic credentials, parsed by hand: the password may contain ":" and any UTF-8.
import type { FastifyRequest } from 'fastify';
import type { SiteConfig } from '../config/schema.js';
import type { Access, Caller, Credentials } from '../core/types.js';
import type { RemoteFs } from '../core/remote-fs.js';
import { GatewayError } from '../core/errors.js';
import { verifiedCaller } from '../auth/verified.js';
import { sessionCredentials } from './session/request-session.js';
import { lockTokensOf } from './lock-tokens.js';
import { sitesOf, unsafe } from './surface.js';

/** Longest Authorization header read (base64 of a 256-byte name and a 256-byte password, and then some). */
const MAX_BASIC = 2048;

export function parseBasic(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  if (header.length > MAX_BASIC) throw new GatewayError('unauthorized', 'the Authorization header is too long');
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) throw new GatewayError('unauthorized', 'the Authorization header is not HTTP Basic');
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) throw new GatewayError('unauthorized', 'the Basic credentials have no ":"');
  const user = text.slice(0, colon);
  const password = text.slice(colon + 1);
  // Neither may reach an FTP command line with a line break in it (USER/PASS injection).
  if (/[\r\n\0]/.test(text)) throw new GatewayError('unauthorized', 'CR, LF and NUL are not allowed in a user name or password');
  return { user, password };
}

/**
 * Does this request change the site? As the front serving it declares (src/http/surface.ts;
 * e.g. a copy only reads its source site); otherwise every unsafe method does. A route that
 * only reads with an unsafe method passes intent 'read' to accessFor.
 */
function intentOf(request: FastifyRequest, siteName: string): 'read' | 'write' {
  const use = sitesOf(request).find((u) => u.site === siteName);
  return (use ? use.write : unsafe(request.method)) ? 'write' : 'read';
}

/**
 * Who is asking, on this site: the one answer for every front. Only sites where a request
 * brings its own login look at it (undefined for the others): an Authorization header wins;
 * without one, a signed-in browser session's login (unless `browserSession` is false: WebDAV
 * takes Basic only). For gateway accounts the caller carries its account only when the login
 * guard verified these credentials for this request (src/http/security/login-guard.ts).
 */
export function callerFor(request: FastifyRequest, site: SiteConfig, { browserSession = true } = {}): Caller | undefined {
  if (site.credentials !== 'pass-through') return undefined;
  const creds = parseBasic(request.headers.authorization) ?? (browserSession ? sessionCredentials(request, site.name) : undefined);
  return creds && site.auth === 'accounts' ? verifiedCaller(request.raw, creds) : creds;
}

/**
 * Resolve which FTP login serves this request on this site (see callerFor). A write to a
 * read-only site or account is refused here; a write carries the lock tokens it presents.
 */
export function accessFor(fs: RemoteFs, request: FastifyRequest, siteName: string, intent = intentOf(request, siteName)): Access {
  const access = fs.access(siteName, callerFor(request, fs.site(siteName)), intent);
  // WebDAV locks bind this front too: the tokens it presents (If / Lock-Token) lift them.
  return intent === 'write' ? { ...access, lockTokens: lockTokensOf(request) } : access;
}
