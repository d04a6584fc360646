// One guard for every way of logging in (REST Basic, WebDAV Basic, the browser's sign-in form):
// it refuses with 429 + Retry-After, before any password is checked or any FTP login tried,
// once a client address or a user name has failed too often; it verifies gateway accounts
// (bcrypt, off the request path's synchronous code) before the handler; and it counts every
// 401 answered to a request that carried a login.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountStore } from '../../auth/accounts.js';
import type { LoginLimiter } from '../../auth/rate-limit.js';
import { rememberVerified } from '../../auth/verified.js';
import { GatewayError } from '../../core/errors.js';
import type { RemoteFs } from '../../core/remote-fs.js';
import type { Credentials } from '../../core/types.js';
import { readCookie, SESSION_COOKIE } from '../browser/cookies.js';
import { parseBasic } from '../credentials.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The user name this request tried to log in with, for the failed-login count. */
    loginUser?: string;
  }
}

export interface GuardOptions {
  fs: RemoteFs;
  limiter: LoginLimiter;
  accounts?: AccountStore;
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
  const destination = request.headers.destination;
  if (seg[1] === 'dav' && typeof destination === 'string') {
    const m = /^(?:[a-z][a-z0-9+.-]*:\/\/[^/]*)?\/dav\/([^/?#]*)/i.exec(destination.trim());
    names.push(decode(m?.[1]));
  }
  return [...new Set(names.filter((n): n is string => n !== undefined && n !== ''))];
}

function isSignIn(request: FastifyRequest): boolean {
  return request.method === 'POST' && request.routeOptions.url === '/api/v1/session';
}

export function installLoginGuard(app: FastifyInstance, { fs, limiter, accounts }: GuardOptions): void {
  app.decorateRequest('loginUser', undefined);

  const siteOf = (name: string) => {
    try {
      return fs.site(name);
    } catch {
      return undefined;
    }
  };

  app.addHook('preHandler', async (request) => {
    const sites = sitesOf(request)
      .map(siteOf)
      .filter((s) => s !== undefined && s.credentials === 'pass-through');
    if (sites.length === 0) return;

    let basic: Credentials | undefined;
    try {
      basic = parseBasic(request.headers.authorization);
    } catch {
      basic = undefined; // the route answers 401 for a malformed header
    }
    const signIn = isSignIn(request) ? (request.body as Credentials) : undefined;
    const attempt = signIn ?? basic;
    if (attempt) {
      request.loginUser = attempt.user;
      const wait = limiter.retryAfter(request.ip, attempt.user);
      if (wait > 0) {
        request.loginUser = undefined; // refused unheard: not another failure
        throw new GatewayError('too_many_requests', `too many failed logins: try again in ${wait} seconds`, { retryAfter: wait });
      }
    }

    const accountSites = sites.filter((s) => s!.auth === 'accounts').map((s) => s!.name);
    if (accountSites.length === 0 || !accounts) return;
    const candidates: Credentials[] = [];
    if (attempt) candidates.push(attempt);
    for (const site of accountSites) {
      const fromSession = request.sessionStore?.credentials(readCookie(request, SESSION_COOKIE), site);
      if (fromSession) candidates.push(fromSession);
    }
    for (const creds of candidates) {
      const account = await accounts.verify(creds.user, creds.password);
      if (account) rememberVerified(request.raw, creds, account);
    }
  });

  // Hijacked replies (WebDAV) reach this hook too, with the status the raw response was given.
  app.addHook('onResponse', async (request, reply) => {
    const user = request.loginUser;
    if (user === undefined) return;
    if (reply.statusCode === 401) limiter.fail(request.ip, user);
    else if (reply.statusCode < 400) limiter.succeed(user);
  });
}
