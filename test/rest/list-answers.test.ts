// The REST JSON listing keeps its answer as bytes per login and folder (src/rest/list.ts,
// src/http/answer-cache.ts). A warm answer must be exactly the one a freshly fetched listing
// gives, after every kind of change through any front and after the listing cache's own
// expiry, and no answer may reach another login or another account's root.
import { Readable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { backendFactory } from '../../src/app/backends.js';
import { validateConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { RemotePath } from '../../src/core/paths.js';
import { RemoteFs } from '../../src/core/remote-fs.js';
import type { Entry } from '../../src/core/types.js';
import { AnswerCache, type KeptAnswer } from '../../src/http/answer-cache.js';
import { createLogger } from '../../src/http/logging.js';
import { problemSchema } from '../../src/ops/api-schemas.js';
import { listRoutes } from '../../src/rest/list.js';
import { ftpServers, siteUrl, type FixtureFactory, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic, enc } from '../helpers/http.js';
import { startDisk, writeUsersFile, type Disk } from '../security/fixtures.js';

/** The answer a listing gives when it is built from scratch (the route's body, as JSON.stringify writes it). */
const fresh = (path: RemotePath, entries: readonly Entry[]) =>
  JSON.stringify({
    path: path.toString(),
    entries: entries.map((e) => ({ name: e.name, type: e.type, size: e.size, modified: e.modified ? e.modified.toISOString() : null })),
  });
const upload = (text: string) => Readable.from([Buffer.from(text)]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the JSON listing answer, kept as bytes', () => {
  const logger = createLogger('silent');
  let fs: RemoteFs;
  beforeAll(() => {
    const config = validateConfig({
      listen: { host: '127.0.0.1', port: 0 },
      logLevel: 'silent',
      sites: [parseSiteUrl('mem', 'memory://u:p@scratch/?listingCacheTtl=600000')],
    });
    fs = new RemoteFs(config.sites, logger, backendFactory(logger, config));
  });
  afterAll(async () => {
    await fs?.close();
  });
  const appWith = async (answers: AnswerCache<KeptAnswer>) => {
    const app = Fastify();
    app.addSchema(problemSchema); // the error answers' schema, which the app adds with its OpenAPI document
    await app.register(listRoutes, { fs, answers });
    return app;
  };

  it('is built once, served again while the listing shows the same entries, and built again after a change', async () => {
    const access = fs.access('mem');
    await fs.mkdir(access, RemotePath.fromPlain('/once'));
    for (const name of ['a.txt', 'b.txt']) await fs.write(access, RemotePath.fromPlain(`/once/${name}`), upload(name));
    const answers = new AnswerCache<KeptAnswer>();
    const built = vi.spyOn(answers, 'set');
    const app = await appWith(answers);
    const get = async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/sites/mem/list/once' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['content-length']).toBe(String(res.rawPayload.length));
      return res.body;
    };
    const folder = RemotePath.fromPlain('/once');
    const first = await get();
    expect(first).toBe(fresh(folder, await fs.list(access, folder)));
    expect(built).toHaveBeenCalledTimes(1);
    expect(await get()).toBe(first);
    await fs.list(access, folder, true); // listed again (as after the listing cache expired): equal entries
    expect(await get()).toBe(first);
    expect(await get()).toBe(first);
    expect(built).toHaveBeenCalledTimes(1);
    await fs.write(access, RemotePath.fromPlain('/once/c.txt'), upload('c'));
    const after = await get();
    expect(built).toHaveBeenCalledTimes(2);
    expect(after).toBe(fresh(folder, await fs.list(access, folder, true)));
    expect(JSON.parse(after).entries.map((e: Entry) => e.name)).toEqual(['a.txt', 'b.txt', 'c.txt']);
    // HEAD: the same headers, no body.
    const head = await app.inject({ method: 'HEAD', url: '/api/v1/sites/mem/list/once' });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(after)));
    await app.close();
  });

  it('answers a folder too large to keep, built for each request', async () => {
    const access = fs.access('mem');
    await fs.mkdir(access, RemotePath.fromPlain('/large'));
    for (let i = 0; i < 8; i++) await fs.write(access, RemotePath.fromPlain(`/large/f${i}.txt`), upload('x'.repeat(i)));
    const answers = new AnswerCache<KeptAnswer>(2_000, 4); // 8 entries count 2,048 bytes: more than half
    const app = await appWith(answers);
    const expected = fresh(RemotePath.fromPlain('/large'), await fs.list(access, RemotePath.fromPlain('/large')));
    for (let i = 0; i < 3; i++) expect((await app.inject({ method: 'GET', url: '/api/v1/sites/mem/list/large' })).body).toBe(expected);
    await app.close();
  });
});

/** A memory:// site beside the FTP servers: the same answers with no server at all. */
const memorySite: FixtureFactory = {
  name: 'memory',
  start: async () => ({ name: 'memory', url: 'memory://u:p@scratch/', root: '', close: async () => {} }),
};

describe.each([memorySite, ...ftpServers()])('warm JSON listings after each kind of change, through REST and WebDAV, over $name', (factory) => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  const top = `j-${Date.now().toString(36)}`;
  const api = (action: string, path = '') => `${gw.base}/api/v1/sites/site/${action}/${enc(`${top}/${path}`)}`;
  const post = (action: 'move' | 'copy', from: string, to: string) =>
    fetch(`${gw.base}/api/v1/sites/site/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: `/${top}/${from}`, to: `/${top}/${to}` }),
    });
  const dav = (method: string, path: string, init: { body?: string; destination?: string } = {}) =>
    fetch(`${gw.base}/dav/site/${top}/${path}`, { method, body: init.body, headers: init.destination ? { destination: `${gw.base}/dav/site/${top}/${init.destination}` } : {} });
  /** The folder's answer, asked twice, is the one a listing fetched now gives; returns its names. */
  const expectCurrent = async (folder: string): Promise<string[]> => {
    const warm = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(api('list', folder));
      expect(res.status).toBe(200);
      warm.push(await res.text());
    }
    const path = RemotePath.fromPlain(`/${top}/${folder}`);
    const now = fresh(path, await gw.fs.list(gw.fs.access('site'), path, true));
    expect(warm).toEqual([now, now]);
    const again = await (await fetch(api('list', folder))).text(); // after the listing was fetched anew
    expect(again).toBe(now);
    return (JSON.parse(now) as { entries: Entry[] }).entries.map((e) => e.name);
  };

  beforeAll(async () => {
    ftp = await factory.start();
    gw = await startGateway({ site: siteUrl(ftp, '', { listingCacheTtl: 600_000 }) });
    for (const folder of ['', 'dir', 'elsewhere']) expect((await fetch(api('mkdir', folder), { method: 'POST' })).status).toBe(201);
    for (const name of ['a.txt', 'b.txt']) expect((await fetch(api('files', `dir/${name}`), { method: 'PUT', body: name })).status).toBe(201);
  });
  afterAll(async () => {
    if (gw) {
      await fetch(`${api('files')}?recursive=true`, { method: 'DELETE' });
      await gw.close();
    }
    await ftp?.close();
  });

  it('shows REST uploads, replacements, folders made, renames, moves, copies and deletes', async () => {
    expect((await expectCurrent('dir')).sort()).toEqual(['a.txt', 'b.txt']);
    expect((await fetch(api('files', 'dir/new.txt'), { method: 'PUT', body: 'new' })).status).toBe(201);
    expect(await expectCurrent('dir')).toContain('new.txt');
    expect((await fetch(api('files', 'dir/new.txt'), { method: 'PUT', body: 'longer content' })).status).toBe(204);
    await expectCurrent('dir');
    expect((await fetch(api('mkdir', 'dir/made'), { method: 'POST' })).status).toBe(201);
    expect(await expectCurrent('dir')).toContain('made');
    expect((await post('move', 'dir/new.txt', 'dir/renamed.txt')).status).toBe(200);
    expect((await expectCurrent('dir')).sort()).toEqual(['a.txt', 'b.txt', 'made', 'renamed.txt']);
    expect((await post('move', 'dir/renamed.txt', 'elsewhere/renamed.txt')).status).toBe(200);
    expect(await expectCurrent('dir')).not.toContain('renamed.txt');
    expect(await expectCurrent('elsewhere')).toEqual(['renamed.txt']);
    expect((await post('copy', 'elsewhere/renamed.txt', 'dir/copy.txt')).status).toBe(200);
    expect(await expectCurrent('dir')).toContain('copy.txt');
    expect((await fetch(api('files', 'dir/copy.txt'), { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${api('files', 'dir/made')}?recursive=true`, { method: 'DELETE' })).status).toBe(204);
    expect((await expectCurrent('dir')).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('shows WebDAV puts, replacements, collections made, moves, copies and deletes', async () => {
    expect((await expectCurrent('dir')).sort()).toEqual(['a.txt', 'b.txt']);
    expect((await dav('PUT', 'dir/d.txt', { body: 'dav' })).status).toBe(201);
    expect(await expectCurrent('dir')).toContain('d.txt');
    expect((await dav('PUT', 'dir/d.txt', { body: 'dav, longer' })).status).toBe(204);
    await expectCurrent('dir');
    expect((await dav('MKCOL', 'dir/col')).status).toBe(201);
    expect(await expectCurrent('dir')).toContain('col');
    expect((await dav('MOVE', 'dir/d.txt', { destination: 'dir/e.txt' })).status).toBe(201);
    expect((await expectCurrent('dir')).sort()).toEqual(['a.txt', 'b.txt', 'col', 'e.txt']);
    expect((await dav('COPY', 'dir/e.txt', { destination: 'elsewhere/e.txt' })).status).toBe(201);
    expect(await expectCurrent('elsewhere')).toContain('e.txt');
    expect((await dav('DELETE', 'dir/e.txt')).status).toBe(204);
    expect((await dav('DELETE', 'dir/col')).status).toBe(204);
    expect((await expectCurrent('dir')).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('answers an empty folder, and again once it is not empty and once it is empty again', async () => {
    expect((await fetch(api('mkdir', 'empty'), { method: 'POST' })).status).toBe(201);
    expect(await expectCurrent('empty')).toEqual([]);
    expect(await (await fetch(api('list', 'empty'))).text()).toBe(`{"path":"/${top}/empty","entries":[]}`);
    // Another empty folder shows the same entries (none): its answer names its own path.
    expect((await fetch(api('mkdir', 'empty/also empty'), { method: 'POST' })).status).toBe(201);
    expect(await (await fetch(api('list', 'empty/also empty'))).text()).toBe(`{"path":"/${top}/empty/also empty","entries":[]}`);
    expect((await fetch(`${api('files', 'empty/also empty')}?recursive=true`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(api('files', 'empty/x.txt'), { method: 'PUT', body: 'x' })).status).toBe(201);
    expect(await expectCurrent('empty')).toEqual(['x.txt']);
    expect((await fetch(api('files', 'empty/x.txt'), { method: 'DELETE' })).status).toBe(204);
    expect(await expectCurrent('empty')).toEqual([]);
  });
});

describe.each(ftpServers())('warm JSON listings after the listing cache expired, over $name', (factory) => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  const top = `l-${Date.now().toString(36)}`;
  beforeAll(async () => {
    ftp = await factory.start();
    gw = await startGateway({ site: siteUrl(ftp, '', { listingCacheTtl: 150 }) });
    expect((await fetch(`${gw.base}/api/v1/sites/site/mkdir/${top}`, { method: 'POST' })).status).toBe(201);
  });
  afterAll(async () => {
    if (gw) {
      await fetch(`${gw.base}/api/v1/sites/site/files/${top}?recursive=true`, { method: 'DELETE' });
      await gw.close();
    }
    await ftp?.close();
  });

  it('shows files added and changed behind the gateway once its listing expired', async () => {
    const url = `${gw.base}/api/v1/sites/site/list/${top}`;
    const names = async () => ((await (await fetch(url)).json()) as { entries: Entry[] }).entries;
    expect(await names()).toEqual([]);
    await writeFile(join(ftp.root, top, 'direct.txt'), 'direct');
    await sleep(300);
    expect((await names()).map((e) => [e.name, e.size])).toEqual([['direct.txt', 6]]);
    expect((await names()).map((e) => [e.name, e.size])).toEqual([['direct.txt', 6]]);
    await writeFile(join(ftp.root, top, 'direct.txt'), 'direct, and longer');
    await sleep(300);
    expect((await names()).map((e) => [e.name, e.size])).toEqual([['direct.txt', 18]]);
  });
});

describe('JSON listings of several logins', () => {
  let disk: Disk;
  let gw: TestGateway;
  let dir: string;
  beforeAll(async () => {
    disk = await startDisk({ 'alice/a.txt': 'alice', 'alice/sub/only-alice.txt': 'a', 'bob/b.txt': 'bob!', 'bob/sub/only-bob.txt': 'bb', 'top.txt': 'top' });
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-users-'));
    const usersFile = await writeUsersFile(dir, [
      { name: 'alice', password: 'alice-pw', sites: ['acc'], root: '/alice' },
      { name: 'bob', password: 'bob-pw', sites: ['acc'], root: '/bob' },
      { name: 'carol', password: 'carol-pw', sites: ['acc'] },
    ]);
    const ftp = { host: '127.0.0.1', port: disk.server.port, poolSize: 2, listingCacheTtlMs: 600_000 };
    gw = await startGateway(
      { acc: { ...ftp, auth: 'accounts' }, pass: { ...ftp, credentials: 'pass-through' } },
      { usersFile, loginFailuresPerUser: 1000, loginFailuresPerAddress: 1000 },
    );
  });
  afterAll(async () => {
    await gw?.close();
    await disk?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const list = async (site: string, path: string, authorization: string) => {
    const res = await fetch(`${gw.base}/api/v1/sites/${site}/list/${path}`, { headers: { authorization } });
    return { status: res.status, text: await res.text() };
  };

  it("never gives one account's answer to another, whose root or path differs", async () => {
    const alice = basic('alice', 'alice-pw');
    const bob = basic('bob', 'bob-pw');
    const carol = basic('carol', 'carol-pw');
    for (let round = 0; round < 2; round++) {
      for (const [who, auth, path, expected] of [
        ['alice', alice, '', { path: '/', names: ['a.txt', 'sub'] }],
        ['bob', bob, '', { path: '/', names: ['b.txt', 'sub'] }],
        ['alice', alice, 'sub', { path: '/sub', names: ['only-alice.txt'] }],
        ['bob', bob, 'sub', { path: '/sub', names: ['only-bob.txt'] }],
        ['carol', carol, 'alice/sub', { path: '/alice/sub', names: ['only-alice.txt'] }],
        ['carol', carol, '', { path: '/', names: ['alice', 'bob', 'top.txt'] }],
      ] as const) {
        const res = await list('acc', path, auth);
        expect(res.status, `${who} ${path} round ${round}`).toBe(200);
        const body = JSON.parse(res.text) as { path: string; entries: Entry[] };
        expect({ path: body.path, names: body.entries.map((e) => e.name) }, `${who} ${path} round ${round}`).toEqual(expected);
      }
    }
  });

  it('asks the server again for a pass-through login it has not seen, and refuses a wrong password', async () => {
    const right = basic('ftpteam', 'Ftp-S3cret-Value');
    const first = await list('pass', '', right);
    expect(first.status).toBe(200);
    expect((await list('pass', '', right)).text).toBe(first.text);
    const wrong = await list('pass', '', basic('ftpteam', 'wrong'));
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain('top.txt');
  });
});
