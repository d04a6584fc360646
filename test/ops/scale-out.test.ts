// Several gateway instances behind one load balancer behave as one: with the same redisUrl,
// a WebDAV LOCK taken through one instance binds the other, UNLOCK on one frees it on the
// other, and a dead property set on one is read on the other. Runs Debian's redis-server on
// 127.0.0.1 (skipped without it, unless FTPGATE_REQUIRE_EXTERNAL=1).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisState } from '../../src/state/redis.js';
import { MemoryState } from '../../src/state/memory.js';
import type { StateStore } from '../../src/state/state.js';
import { inProcessServer, requireExternal, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic } from '../helpers/http.js';
import { dav, LOCKINFO } from '../webdav/dav-helpers.js';

const REDIS = '/usr/bin/redis-server';
const haveRedis = existsSync(REDIS);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function startRedis(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
    const look = () => {
      if (/Ready to accept connections/i.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', look);
    child.on('exit', () => reject(new Error(`redis-server exited:\n${out}`)));
  });
  return { url: `redis://127.0.0.1:${port}/0`, process: child };
}

const PROPPATCH = (value: string) =>
  `<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:example:ftpgate">` +
  `<D:set><D:prop><Z:color>${value}</Z:color></D:prop></D:set></D:propertyupdate>`;
const PROPFIND_COLOR =
  `<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" xmlns:Z="urn:example:ftpgate"><D:prop><Z:color/></D:prop></D:propfind>`;

describe.skipIf(!haveRedis && !requireExternal)('two gateway instances sharing Redis', () => {
  let redis: { url: string; process: ChildProcess };
  let ftp: FtpFixture;
  let a: TestGateway;
  let b: TestGateway;
  let auth: string;

  beforeAll(async () => {
    if (!haveRedis) throw new Error(`FTPGATE_REQUIRE_EXTERNAL=1 but ${REDIS} is missing (apt-get install redis-server)`);
    redis = await startRedis();
    ftp = await inProcessServer.start();
    const url = new URL(ftp.url);
    auth = basic(decodeURIComponent(url.username), decodeURIComponent(url.password));
    // No listing cache: each instance must see the other's files at once.
    const site = `${ftp.url}?listingCacheTtl=0`;
    a = await startGateway({ site }, { redisUrl: redis.url });
    b = await startGateway({ site }, { redisUrl: redis.url });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await ftp?.close();
    redis?.process.kill('SIGTERM');
  });

  it('a LOCK taken through one instance is honoured by the other; UNLOCK on one frees it on the other', async () => {
    const put = (gw: TestGateway, body: string, headers: Record<string, string> = {}) =>
      dav(gw.base, 'PUT', '/dav/site/shared.txt', { headers: { authorization: auth, ...headers }, body });
    expect((await put(a, 'v1')).status).toBeLessThan(300);

    const lock = await dav(a.base, 'LOCK', '/dav/site/shared.txt', {
      headers: { authorization: auth, 'content-type': 'application/xml', timeout: 'Second-600' },
      body: LOCKINFO('exclusive'),
    });
    expect(lock.status).toBe(200);
    const token = /<([^>]+)>/.exec(lock.headers.get('lock-token') ?? '')?.[1];
    expect(token).toMatch(/^urn:uuid:/);

    // Through the other instance, at once: no token, no write; a second exclusive lock conflicts.
    expect((await put(b, 'intruder')).status).toBe(423);
    const second = await dav(b.base, 'LOCK', '/dav/site/shared.txt', {
      headers: { authorization: auth, 'content-type': 'application/xml' },
      body: LOCKINFO('exclusive'),
    });
    expect(second.status).toBe(423);
    // The other instance shows the lock in PROPFIND, and accepts its token.
    const discovery = await dav(b.base, 'PROPFIND', '/dav/site/shared.txt', {
      headers: { authorization: auth, depth: '0', 'content-type': 'application/xml' },
      body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>',
    });
    expect(discovery.status).toBe(207);
    expect(discovery.text).toContain(token!);
    expect((await put(b, 'v2', { if: `(<${token}>)` })).status).toBe(204);
    expect((await dav(a.base, 'GET', '/dav/site/shared.txt', { headers: { authorization: auth } })).text).toBe('v2');

    // UNLOCK through b frees it for a.
    const unlock = await dav(b.base, 'UNLOCK', '/dav/site/shared.txt', { headers: { authorization: auth, 'lock-token': `<${token}>` } });
    expect(unlock.status).toBe(204);
    expect((await put(a, 'v3')).status).toBe(204);
  });

  it('a dead property set through one instance is read through the other, and follows MOVE done on the other', async () => {
    expect((await dav(a.base, 'PUT', '/dav/site/props.txt', { headers: { authorization: auth }, body: 'x' })).status).toBeLessThan(300);
    const patch = await dav(a.base, 'PROPPATCH', '/dav/site/props.txt', {
      headers: { authorization: auth, 'content-type': 'application/xml' },
      body: PROPPATCH('teal'),
    });
    expect(patch.status).toBe(207);
    const find = (gw: TestGateway, path: string) =>
      dav(gw.base, 'PROPFIND', path, { headers: { authorization: auth, depth: '0', 'content-type': 'application/xml' }, body: PROPFIND_COLOR });
    const onB = await find(b, '/dav/site/props.txt');
    expect(onB.status).toBe(207);
    expect(onB.text).toMatch(/<[^>]*color[^>]*>teal</);
    const move = await dav(b.base, 'MOVE', '/dav/site/props.txt', {
      headers: { authorization: auth, destination: `${b.base}/dav/site/moved.txt` },
    });
    expect(move.status).toBe(201);
    expect((await find(a, '/dav/site/moved.txt')).text).toMatch(/<[^>]*color[^>]*>teal</);
  });

  it('concurrent LOCKs of one file through both instances: exactly one wins', async () => {
    expect((await dav(a.base, 'PUT', '/dav/site/race.txt', { headers: { authorization: auth }, body: 'x' })).status).toBeLessThan(300);
    const lockVia = (gw: TestGateway) =>
      dav(gw.base, 'LOCK', '/dav/site/race.txt', {
        headers: { authorization: auth, 'content-type': 'application/xml' },
        body: LOCKINFO('exclusive'),
      });
    const results = await Promise.all([lockVia(a), lockVia(b), lockVia(a), lockVia(b)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 423, 423, 423]);
  });
});

describe('state stores', () => {
  let redis: { url: string; process: ChildProcess } | undefined;
  afterAll(() => {
    redis?.process.kill('SIGTERM');
  });

  const contract = (name: string, make: () => Promise<StateStore>) => {
    it(`${name}: versions move with changes, load is consistent, the mutex excludes`, async () => {
      const s = await make();
      try {
        const v0 = await s.version('m');
        const { before, after } = await s.apply('m', new Map([['k', 'v'], ['gone', undefined]]));
        expect(before).toBe(v0);
        expect(after).not.toBe(v0);
        expect(await s.version('m')).toBe(after);
        const snap = await s.load('m');
        expect(snap.version).toBe(after);
        expect([...snap.entries]).toEqual([['k', 'v']]);
        await s.apply('m', new Map([['k', undefined]]));
        expect((await s.load('m')).entries.size).toBe(0);
        let inside = 0;
        let most = 0;
        await Promise.all(
          [1, 2, 3, 4].map(() =>
            s.withMutex('x', async () => {
              most = Math.max(most, ++inside);
              await new Promise((r) => setTimeout(r, 20));
              inside--;
            }),
          ),
        );
        expect(most).toBe(1);
        await s.ping();
      } finally {
        await s.close();
      }
    });
  };
  contract('memory', async () => new MemoryState());
  if (haveRedis) {
    contract('redis', async () => {
      redis ??= await startRedis();
      return new RedisState(redis.url, { prefix: `t${Date.now()}:` });
    });
  }

  it('WebDAV answers 503 (not 500, not a hang) while its Redis is out of reach; REST is unaffected', async () => {
    const ftp = await inProcessServer.start();
    const gw = await startGateway({ site: ftp.url }, { redisUrl: `redis://127.0.0.1:${await freePort()}/0` });
    try {
      const url = new URL(ftp.url);
      const res = await dav(gw.base, 'PROPFIND', '/dav/site/', {
        headers: { authorization: basic(decodeURIComponent(url.username), decodeURIComponent(url.password)), depth: '0' },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('2');
      expect((await fetch(`${gw.base}/api/v1/sites/site/list/`)).status).toBe(200);
    } finally {
      await gw.close();
      await ftp.close();
    }
  });

  it('redis: a lost Redis fails fast with StateUnavailableError', async () => {
    const s = new RedisState(`redis://127.0.0.1:${await freePort()}/0`, { commandTimeoutMs: 500 });
    const t0 = Date.now();
    await expect(s.version('m')).rejects.toThrow(/Redis .* failed/);
    expect(Date.now() - t0).toBeLessThan(8_000);
    await s.close();
  });
});
