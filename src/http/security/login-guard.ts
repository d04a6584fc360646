// The one place where a password is checked, for every way of presenting one: HTTP Basic on
// any route, for every site the front serving it declares (src/http/surface.ts: REST's and the
// browser's `:site`, a copy's `toSite`, WebDAV's site and Destination), and a password in a
// body (the browser's sign-in form). Before anything is tried it refuses
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
import { SESSION_COOKIE } from '../session/session-cookie.js';
import { readCookie } from '../cookies.js';
import { parseBasic } from '../credentials.js';
import { sitesOf, surfaceOf } from '../surface.js';

export interface GuardOptions {
  fs: RemoteFs;
  limiter: LoginLimiter;
  accounts?: AccountStore;
  /** Outcomes of recent pass-through logins (tests pass their own clock). */
  memory?: LoginMemory;
}

const WRONG = 'wrong user name or password';

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

  // A callback hook: a request to no pass-through site (most of them, on a site with its own
  // account) goes on at once, without a promise; the others are checked by `guard`.
  app.addHook('preHandler', (request, _reply, done) => {
    // Which sites, and which of them it changes, the front that serves the request declares (src/http/surface.ts).
    const uses = sitesOf(request);
    const sites = uses
      .map(({ site }) => siteOf(site))
      .filter((s): s is SiteConfig => s !== undefined && s.credentials === 'pass-through');
    if (sites.length === 0) {
      done();
      return;
    }
    guard(request, uses, sites).then(
      () => done(),
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  });

  async function guard(request: FastifyRequest, uses: ReturnType<typeof sitesOf>, sites: SiteConfig[]): Promise<void> {
    const writes = new Set(uses.filter((u) => u.write).map((u) => u.site));

    let basic: Credentials | undefined;
    try {
      basic = parseBasic(request.headers.authorization);
    } catch {
      basic = undefined; // the route answers 401 for a malformed header: no password was checked
    }
    // A write to a read-only pass-through site is refused as the route would refuse it, before
    // the password is checked: no FTP command at all for a request that cannot succeed.
    for (const site of sites) {
      if (site.auth === 'pass-through' && site.readOnly && writes.has(site.name)) {
        throw new GatewayError('read_only', `site "${site.name}" is read-only`);
      }
    }
    const signIn = surfaceOf(request).signIn?.(request);
    const attempt = signIn ? { user: signIn.user, password: signIn.password } : basic;
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
  }
}
