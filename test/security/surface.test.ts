// The login guard knows no front's URLs: it checks a password on exactly the sites the front
// serving a request declares (src/http/surface.ts), and refuses a declared write to a read-only
// pass-through site before any login. A made-up front under a URL the toolkit never heard of
// proves it; the FTP side is a fake RemoteFs that records each login it is asked to try.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../src/auth/rate-limit.js';
import { GatewayError } from '../../src/core/errors.js';
import type { RemoteFs } from '../../src/core/remote-fs.js';
import type { Access, Caller } from '../../src/core/types.js';
import { installProblemHandlers } from '../../src/http/problem.js';
import { installLoginGuard } from '../../src/http/security/login-guard.js';
import { declareSurface } from '../../src/http/surface.js';
import { basic } from '../helpers/http.js';

const SITES: Record<string, { readOnly: boolean }> = { open: { readOnly: false }, frozen: { readOnly: true } };

function fakeFs(tried: string[]): RemoteFs {
  return {
    site(name: string) {
      const s = SITES[name];
      if (!s) throw new GatewayError('site_not_found', `no site named "${name}"`);
      return { name, credentials: 'pass-through', auth: 'pass-through', readOnly: s.readOnly };
    },
    access(site: string, caller?: Caller) {
      return { site: { name: site }, creds: caller } as unknown as Access;
    },
    async verifyLogin(access: Access) {
      tried.push(`${access.site.name}:${access.creds.user}`);
      if (access.creds.password !== 'right') throw new GatewayError('unauthorized', 'login refused');
    },
  } as unknown as RemoteFs;
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(tried: string[]): Promise<FastifyInstance> {
  app = Fastify();
  installProblemHandlers(app);
  installLoginGuard(app, { fs: fakeFs(tried), limiter: new LoginLimiter({ perAddress: 100, perUser: 100, windowMs: 60_000 }) });
  // A front of its own: the site is in a header, nothing in the URL says "site".
  await app.register(async (front) => {
    declareSurface(front, { sites: (r) => [{ site: String(r.headers['x-place']), write: r.method === 'POST' }] });
    front.get('/elsewhere/thing', async () => ({ ran: true }));
    front.post('/elsewhere/thing', async () => ({ ran: true }));
  });
  // A route with no surface and no :site parameter names no site.
  app.get('/plain/:place', async () => ({ ran: true }));
  await app.ready();
  return app;
}

describe('login guard over declared surfaces', () => {
  it('checks the password on the site a front declares, under a URL it never parses', async () => {
    const tried: string[] = [];
    const gw = await build(tried);
    const wrong = await gw.inject({ url: '/elsewhere/thing', headers: { 'x-place': 'open', authorization: basic('ann', 'wrong') } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('ran');
    const right = await gw.inject({ url: '/elsewhere/thing', headers: { 'x-place': 'open', authorization: basic('ann', 'right') } });
    expect(right.statusCode).toBe(200);
    expect(tried).toEqual(['open:ann', 'open:ann']);
  });

  it('refuses a declared write to a read-only pass-through site before any login; a read goes on to the login', async () => {
    const tried: string[] = [];
    const gw = await build(tried);
    const write = await gw.inject({ method: 'POST', url: '/elsewhere/thing', headers: { 'x-place': 'frozen', authorization: basic('ann', 'right') } });
    expect(write.statusCode).toBe(403);
    expect(write.json().code).toBe('read_only');
    expect(tried).toEqual([]);
    const read = await gw.inject({ url: '/elsewhere/thing', headers: { 'x-place': 'frozen', authorization: basic('ann', 'right') } });
    expect(read.statusCode).toBe(200);
    expect(tried).toEqual(['frozen:ann']);
  });

  it('checks nothing for a route that declares no site', async () => {
    const tried: string[] = [];
    const gw = await build(tried);
    const res = await gw.inject({ url: '/plain/open', headers: { authorization: basic('ann', 'wrong') } });
    expect(res.statusCode).toBe(200);
    expect(tried).toEqual([]);
  });
});
