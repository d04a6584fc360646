// Promises about writes that must hold against other writers and across restarts (issue 14):
// no-overwrite uploads serialised by the commit lock, WebDAV locks binding the REST front,
// ETags that change on every write through the gateway, stale If-Match refused, and the
// state (locks, share links) kept in the data folder across a restart.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, siteUrl, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic, enc } from '../helpers/http.js';
import { startDisk, writeUsersFile } from '../security/fixtures.js';
import { LOCKINFO } from '../webdav/dav-helpers.js';

/** Resolves once the gateway's temporary upload file shows in `folder`: the upload passed its checks and streams. */
async function uploadStarted(folder: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await readdir(folder)).some((n) => n.startsWith('.ftpgate-upload-'))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no upload started in ${folder}`);
}

/** A PUT whose body is sent in two halves: `release()` sends the rest and gives the status. */
function slowPut(url: string, headers: Record<string, string>, first: string, rest: string): { release(): Promise<number> } {
  const req = httpRequest(url, { method: 'PUT', headers: { ...headers, 'content-length': String(Buffer.byteLength(first + rest)) } });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  req.write(first);
  return {
    release: async () => {
      req.end(rest);
      return status;
    },
  };
}

describe.each(ftpServers())('write safety on $name', (factory) => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  let dir: string;
  let dataDir: string;
  let site: string;

  const api = (path: string) => `${gw.base}/api/v1/sites/main/files/${enc(path)}`;
  const davUrl = (path: string) => `${gw.base}/dav/main/${enc(path)}`;
  const onDisk = (path: string) => join(dir, ...path.split('/').filter(Boolean));
  const put = (path: string, body: string, headers: Record<string, string> = {}) => fetch(api(path), { method: 'PUT', headers, body });

  beforeAll(async () => {
    ftp = await factory.start();
    const run = `safety-${process.pid}-${Date.now().toString(36)}`;
    dir = join(ftp.root, run);
    await mkdir(dir, { mode: 0o777 });
    await chmod(dir, 0o777);
    dataDir = await mkdtemp(join(tmpdir(), 'ftpgate-safety-'));
    site = siteUrl(ftp, run, { poolSize: 4, listingCacheTtl: 0 });
    gw = await startGateway({ main: site }, { dataDir });
  });
  afterAll(async () => {
    await gw?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('two uploads of one new name with If-None-Match: *: exactly one 201, the other 412, the fast one’s content', async () => {
    const slow = slowPut(api('race.txt'), { 'if-none-match': '*' }, 'slow-'.repeat(1000), 'slow end');
    await uploadStarted(dir);
    const fast = await put('race.txt', 'fast content', { 'if-none-match': '*' });
    expect(fast.status).toBe(201);
    expect(await slow.release()).toBe(412);
    expect(await readFile(onDisk('race.txt'), 'utf8')).toBe('fast content');
    // The loser's temporary file is removed (in the background).
    await new Promise((r) => setTimeout(r, 1500));
    expect((await readdir(dir)).filter((n) => n.startsWith('.ftpgate-'))).toEqual([]);
  });

  it('two same-size writes within a minute give two ETags, and a stale If-Match is 412 with nothing written', async () => {
    expect((await put('etag.txt', 'aaaa')).status).toBe(201);
    const first = (await fetch(api('etag.txt'), { method: 'HEAD' })).headers.get('etag');
    expect((await put('etag.txt', 'bbbb')).status).toBe(204);
    const second = (await fetch(api('etag.txt'), { method: 'HEAD' })).headers.get('etag');
    expect(first).toBeTruthy();
    expect(second).not.toBe(first);
    // WebDAV and REST agree on the validator.
    const davHead = await fetch(davUrl('etag.txt'), { method: 'HEAD' });
    expect(davHead.headers.get('etag')).toBe(second);

    const stale = await put('etag.txt', 'cccc', { 'if-match': first! });
    expect(stale.status).toBe(412);
    expect(await readFile(onDisk('etag.txt'), 'utf8')).toBe('bbbb');
    const staleDav = await fetch(davUrl('etag.txt'), { method: 'PUT', headers: { 'if-match': first! }, body: 'dddd' });
    expect(staleDav.status).toBe(412);
    expect(await readFile(onDisk('etag.txt'), 'utf8')).toBe('bbbb');
    const staleDelete = await fetch(api('etag.txt'), { method: 'DELETE', headers: { 'if-match': first! } });
    expect(staleDelete.status).toBe(412);
    const staleMove = await fetch(`${gw.base}/api/v1/sites/main/move`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'if-match': first! },
      body: JSON.stringify({ from: '/etag.txt', to: '/etag-moved.txt', overwrite: false }),
    });
    expect(staleMove.status).toBe(412);
    expect(await readFile(onDisk('etag.txt'), 'utf8')).toBe('bbbb');

    const fresh = await put('etag.txt', 'eeee', { 'if-match': second! });
    expect(fresh.status).toBe(204);
    expect(await readFile(onDisk('etag.txt'), 'utf8')).toBe('eeee');
  });

  it('a move and a copy check If-Match under the commit lock, right before the rename', async () => {
    // The core's commit locks (white box: the state store of the gateway under test). A probe
    // started from inside the precondition asks for the source's (move) or the target's (copy)
    // commit lock and looks at the disk once it has it: it can only get it after the rename when
    // the check runs under the lock; a check outside the lock lets it look before the rename.
    const guard = (gw.fs as unknown as { guard: { withCommitLock<T>(site: string, path: string, fn: () => Promise<T>): Promise<T> } }).guard;
    const root = gw.fs.access('main').site.root;
    const ftpPath = (p: string) => `${root === '/' ? '' : root}/${p}`;
    const { RemotePath } = await import('../../src/core/paths.js');
    for (const d of ['locked-move', 'locked-copy']) {
      await mkdir(onDisk(d), { mode: 0o777 });
      await chmod(onDisk(d), 0o777);
    }
    expect((await put('locked-move/a.txt', 'one')).status).toBe(201);
    expect((await put('locked-copy/a.txt', 'one')).status).toBe(201);
    const seen: Promise<boolean>[] = [];
    const probe = (lockPath: string, onDiskPath: string) => () => {
      seen.push(guard.withCommitLock('main', ftpPath(lockPath), async () => {
        try {
          await stat(onDisk(onDiskPath));
          return true;
        } catch {
          return false;
        }
      }));
    };
    const access = gw.fs.access('main');
    await gw.fs.move(access, RemotePath.fromUrl('/locked-move/a.txt'), RemotePath.fromUrl('/locked-move/b.txt'), {
      precondition: probe('locked-move/a.txt', 'locked-move/a.txt'),
    });
    await gw.fs.copy(access, RemotePath.fromUrl('/locked-copy/a.txt'), access, RemotePath.fromUrl('/locked-copy/b.txt'), {
      precondition: probe('locked-copy/b.txt', 'locked-copy/b.txt'),
    });
    // Move: the source was gone when the probe got its lock. Copy: checked once before copying
    // (no target yet, no lock) and once under the lock, when the probe saw the target in place.
    expect(await Promise.all(seen)).toEqual([false, false, true]);
  });

  it('Last-Modified and PROPFIND Depth 0 give the time to the second, even where the listing gives minutes', async () => {
    await writeFile(onDisk('timed.txt'), 'timed');
    const when = new Date(Date.UTC(2025, 2, 4, 5, 6, 7)); // an old file: LIST shows only the day
    await utimes(onDisk('timed.txt'), when, when);
    const head = await fetch(api('timed.txt'), { method: 'HEAD' });
    expect(head.headers.get('last-modified')).toBe(when.toUTCString());
    const propfind = await fetch(davUrl('timed.txt'), { method: 'PROPFIND', headers: { depth: '0' } });
    expect(await propfind.text()).toContain(when.toUTCString());
    // A change behind the gateway's back within the same day and size changes the validator.
    const later = new Date(when.getTime() + 5000);
    await utimes(onDisk('timed.txt'), later, later);
    const again = await fetch(api('timed.txt'), { method: 'HEAD' });
    expect(again.headers.get('etag')).not.toBe(head.headers.get('etag'));
  });

  it('a WebDAV lock binds REST PUT and DELETE (423) until its token is presented', async () => {
    expect((await put('locked.txt', 'original')).status).toBe(201);
    const lock = await fetch(davUrl('locked.txt'), { method: 'LOCK', headers: { 'content-type': 'application/xml', timeout: 'Second-600' }, body: LOCKINFO('exclusive') });
    expect(lock.status).toBe(200);
    const token = /<([^>]+)>/.exec(lock.headers.get('lock-token') ?? '')![1]!;

    expect((await put('locked.txt', 'clobbered')).status).toBe(423);
    expect((await fetch(api('locked.txt'), { method: 'DELETE' })).status).toBe(423);
    const form = new FormData();
    form.append('file', new Blob(['via form']), 'locked.txt');
    expect((await fetch(`${gw.base}/api/v1/sites/main/files/`, { method: 'POST', body: form })).status).toBe(423);
    expect(await readFile(onDisk('locked.txt'), 'utf8')).toBe('original');

    expect((await put('locked.txt', 'with if', { if: `(<${token}>)` })).status).toBe(204);
    expect((await put('locked.txt', 'with lock-token', { 'lock-token': `<${token}>` })).status).toBe(204);
    expect(await readFile(onDisk('locked.txt'), 'utf8')).toBe('with lock-token');

    // The lock lives in the data folder: a restarted gateway still enforces it and honours its token.
    await gw.close();
    gw = await startGateway({ main: site }, { dataDir });
    expect((await put('locked.txt', 'after restart, no token')).status).toBe(423);
    const davPut = await fetch(davUrl('locked.txt'), { method: 'PUT', headers: { if: `(<${token}>)` }, body: 'after restart' });
    expect(davPut.status).toBe(204);
    expect(await readFile(onDisk('locked.txt'), 'utf8')).toBe('after restart');
    const unlock = await fetch(davUrl('locked.txt'), { method: 'UNLOCK', headers: { 'lock-token': `<${token}>` } });
    expect(unlock.status).toBe(204);
    expect((await fetch(api('locked.txt'), { method: 'DELETE' })).status).toBe(204);
    await expect(stat(onDisk('locked.txt'))).rejects.toThrow();
  });
});

describe('state across a restart', () => {
  it('keeps share links in the data folder', async () => {
    const disk = await startDisk({ 'alice/report.txt': 'the report' });
    const dir = await mkdtemp(join(tmpdir(), 'ftpgate-restart-'));
    const dataDir = join(dir, 'state');
    const usersFile = await writeUsersFile(dir, [{ name: 'alice', password: 'alice-pw', sites: ['acc'], root: '/alice' }]);
    const sites = { acc: { host: '127.0.0.1', port: disk.server.port, auth: 'accounts' } };
    let gw = await startGateway(sites, { usersFile, dataDir });
    try {
      const made = await fetch(`${gw.base}/api/v1/sites/acc/shares`, {
        method: 'POST',
        headers: { authorization: basic('alice', 'alice-pw'), 'content-type': 'application/json' },
        body: JSON.stringify({ path: '/report.txt' }),
      });
      expect(made.status).toBe(201);
      const { url } = (await made.json()) as { url: string };
      await gw.close();
      gw = await startGateway(sites, { usersFile, dataDir });
      const opened = await fetch(gw.base + url);
      expect(opened.status).toBe(200);
      expect(await opened.text()).toBe('the report');
    } finally {
      await gw.close();
      await disk.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a drop box never lets a slow visitor replace a fast one: the slow one gets the next free name', async () => {
    const disk = await startDisk({ 'alice/inbox/': '' });
    const dir = await mkdtemp(join(tmpdir(), 'ftpgate-dropbox-'));
    const usersFile = await writeUsersFile(dir, [{ name: 'alice', password: 'alice-pw', sites: ['acc'], root: '/alice' }]);
    const gw = await startGateway({ acc: { host: '127.0.0.1', port: disk.server.port, auth: 'accounts', poolSize: 4, listingCacheTtlMs: 0 } }, { usersFile });
    try {
      const made = await fetch(`${gw.base}/api/v1/sites/acc/shares`, {
        method: 'POST',
        headers: { authorization: basic('alice', 'alice-pw'), 'content-type': 'application/json' },
        body: JSON.stringify({ path: '/inbox', kind: 'dropbox' }),
      });
      const { url } = (await made.json()) as { url: string };
      const boundary = 'xBOUNDARYx';
      const part = (content: string) => `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n${content}\r\n--${boundary}--\r\n`;
      const slowBody = part('slow '.repeat(2000));
      const cut = slowBody.length - 100;
      const headers = { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'application/json' };
      const req = httpRequest(`${gw.base}${url}/upload`, { method: 'POST', headers: { ...headers, 'content-length': String(slowBody.length) } });
      const slowStatus = new Promise<{ status: number; body: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
      });
      req.write(slowBody.slice(0, cut));
      await uploadStarted(join(disk.root, 'alice/inbox'));
      const fastBody = part('fast');
      const fast = await fetch(`${gw.base}${url}/upload`, { method: 'POST', headers, body: fastBody });
      expect(fast.status).toBe(201);
      expect(((await fast.json()) as { files: string[] }).files).toEqual(['a.txt']);
      req.end(slowBody.slice(cut));
      const slowDone = await slowStatus;
      expect(slowDone.status).toBe(201);
      expect((JSON.parse(slowDone.body) as { files: string[] }).files).toEqual(['a (1).txt']);
      expect(await readFile(join(disk.root, 'alice/inbox/a.txt'), 'utf8')).toBe('fast');
      expect(await readFile(join(disk.root, 'alice/inbox/a (1).txt'), 'utf8')).toBe('slow '.repeat(2000));
    } finally {
      await gw.close();
      await disk.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
