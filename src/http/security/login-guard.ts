// The one place where a password is checked, for every way of presenting one: HTTP Basic on
// any route (REST, the browser's /browse pages, WebDAV, and the site a WebDAV Destination or a
// copy's `toSite` names) and the browser's sign-in form. Before anything is tried it refuses
// with 429 + Retry-After once a client address or a user name has failed too often; then it
// checks the password itself (bcrypt for gateway accounts, an FTP login for pass-through
// sites) and counts the outcome: a wrong password is a failure and a 401, before the route
// runs; only a password that was really verified clears the user name's count. Share-link
// passwords go through the same limiter (src/shares/routes.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountStore } from '../../auth/accounts.js';
import { LoginMemory } from '../../auth/login-memory.js';
import type { LoginLimiter } from '../../auth/rate-limit.js';
import { rememberVerified } from '../../auth/verified.js';
import type { SiteConfig } from '../../config/schema.js';
import { GatewayError } from '../../core/errors.js';
import type { RemoteFs } from '../../core/remote-fs.js';
import type { Credentials } from '../../core/types.js';
import { destinationSite } from '../../webdav/destination.js';
import { readCookie, SESSION_COOKIE } from '../browser/cookies.js';
import { intentOf, parseBasic } from '../credentials.js';

export interface GuardOptions {
  fs: RemoteFs;
  limiter: LoginLimiter;
  accounts?: AccountStore;
  /** Outcomes of recent pass-through logins (tests pass their own clock). */
  memory?: LoginMemory;
}

function decode(segment: string | undefined): string | undefined {
  if (!segment) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The sites a request names: in its path, a copy's `toSite`, a sign-in's `site`, a WebDAV Destination. */
export function sitesOf(request: FastifyRequest): string[] {
  const path = (request.raw.url ?? '/').split('?')[0]!;
  const seg = path.split('/');
  const names: Array<string | undefined> = [];
  if (seg[1] === 'api' && seg[2] === 'v1' && seg[3] === 'sites') names.push(decode(seg[4]));
  if (seg[1] === 'browse' || seg[1] === 'dav') names.push(decode(seg[2]));
  const body = request.body as { toSite?: unknown; site?: unknown } | undefined;
  if (body && typeof body === 'object') {
    if (typeof body.toSite === 'string') names.push(body.toSite);
    if (typeof body.site === 'string' && path === '/api/v1/session') names.push(body.site);
  }
  // The same reading of the Destination as the WebDAV front acts on (src/webdav/destination.ts).
  if (seg[1] === 'dav' && request.headers.destination !== undefined) names.push(destinationSite(request.raw));
  return [...new Set(names.filter((n): n is string => n !== undefined && n !== ''))];
}

function isSignIn(request: FastifyRequest): boolean {
  return request.method === 'POST' && request.routeOptions.url === '/api/v1/session';
}

const WRONG = 'wrong user name or password';

/** WebDAV methods that change the resource they name (as in src/webdav/auth.ts). */
const DAV_WRITES = new Set(['PUT', 'DELETE', 'MKCOL', 'MOVE', 'PROPPATCH', 'LOCK']);

/** Does this request change this site? (A sign-in changes nothing.) */
function writesTo(request: FastifyRequest, site: string): boolean {
  if (isSignIn(request)) return false;
  const seg = (request.raw.url ?? '/').split('?')[0]!.split('/');
  if (seg[1] !== 'dav') return intentOf(request, site) === 'write';
  if (decode(seg[2]) === site && DAV_WRITES.has(request.method)) return true;
  return (request.method === 'COPY' || request.method === 'MOVE') && destinationSite(request.raw) === site;
}

export function installLoginGuard(app: FastifyInstance, { fs, limiter, accounts, memory = new LoginMemory() }: GuardOptions): void {
  const siteOf = (name: string): SiteConfig | undefined => {
    try {
      return fs.site(name);
    } catch {
      return undefined;
    }
  };

  /** Is this password right on this site? Known failures are answered from memory, without the FTP server. */
  async function verify(site: SiteConfig, creds: Credentials, request: FastifyRequest): Promise<boolean> {
    if (site.auth === 'accounts') {
      if (!accounts) return false;
      const account = await accounts.verify(creds.user, creds.password);
      if (account) rememberVerified(request.raw, creds, account);
      return account !== undefined;
    }
    const known = memory.get(site.name, creds.user, creds.password);
    if (known) return known === 'ok';
    try {
      await fs.verifyLogin(fs.access(site.name, creds));
    } catch (err) {
      // Only a refused login is a wrong password; a server that is down is no answer.
      if (err instanceof GatewayError && err.code === 'unauthorized') {
        memory.remember(site.name, creds.user, creds.password, 'failed');
        return false;
      }
      throw err;
    }
    memory.remember(site.name, creds.user, creds.password, 'ok');
    return true;
  }

  app.addHook('preHandler', async (request) => {
    const sites = sitesOf(request)
      .map(siteOf)
      .filter((s): s is SiteConfig => s !== undefined && s.credentials === 'pass-through');
    if (sites.length === 0) return;

    let basic: Credentials | undefined;
    try {
      basic = parseBasic(request.headers.authorization);
    } catch {
      basic = undefined; // the route answers 401 for a malformed header: no password was checked
    }
    // A write to a read-only pass-through site is refused as the route would refuse it, before
    // the password is checked: no FTP command at all for a request that cannot succeed.
    for (const site of sites) {
      if (site.auth === 'pass-through' && site.readOnly && writesTo(request, site.name)) {
        throw new GatewayError('read_only', `site "${site.name}" is read-only`);
      }
    }
    const signIn = isSignIn(request) ? (request.body as Credentials) : undefined;
    const attempt = signIn ?? basic;
    if (attempt) {
      const wait = limiter.retryAfter(request.ip, attempt.user);
      if (wait > 0) throw new GatewayError('too_many_requests', `too many failed logins: try again in ${wait} seconds`, { retryAfter: wait });
      // Every site the request names checks the password: each may be another server, another account.
      let accountsChecked = false;
      for (const site of sites) {
        if (site.auth === 'accounts' && accountsChecked) continue;
        accountsChecked ||= site.auth === 'accounts';
        if (!(await verify(site, attempt, request))) {
          limiter.fail(request.ip, attempt.user);
          throw new GatewayError('unauthorized', WRONG);
        }
      }
      limiter.succeed(attempt.user);
    }

    // A signed-in browser's stored login for a site of accounts: checked again (it was right at
    // sign-in; the users file may have changed since), not counted: nobody is guessing.
    if (!accounts) return;
    for (const site of sites) {
      if (site.auth !== 'accounts') continue;
      const fromSession = request.sessionStore?.credentials(readCookie(request, SESSION_COOKIE), site.name);
      if (!fromSession) continue;
      const account = await accounts.verify(fromSession.user, fromSession.password);
      if (account) rememberVerified(request.raw, fromSession, account);
    }
  });
}
