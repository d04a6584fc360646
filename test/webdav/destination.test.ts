// One reading of a WebDAV Destination (issue 15): the lock check, the access check and the
// engine act on the same path. The exploit: "/dav/site/zz?://x/dav/site/locked.txt" was
// checked as .../zz (cut at "?") while webdav-server resolved the text after "://" and
// overwrote a locked file. Such headers are now 400, and what is accepted lands where checked.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessServer, type FtpFixture } from '../helpers/ftp-servers.js';
import { dav, LOCKINFO, startDavGateway, type DavGateway } from './dav-helpers.js';

describe('WebDAV Destination', () => {
  let ftp: FtpFixture;
  let d: DavGateway;
  let base: string;
  let headers: Record<string, string>;

  beforeAll(async () => {
    ftp = await inProcessServer.start();
    d = await startDavGateway(ftp);
    base = d.gw.base;
    headers = { authorization: d.auth };
    await writeFile(join(ftp.root, 'src.txt'), 'attacker');
    await writeFile(join(ftp.root, 'locked.txt'), 'precious');
    const lock = await dav(base, 'LOCK', '/dav/site/locked.txt', {
      headers: { ...headers, depth: '0', timeout: 'Second-600', 'content-type': 'application/xml' },
      body: LOCKINFO('exclusive'),
    });
    expect(lock.status).toBe(200);
  });
  afterAll(async () => {
    await d?.gw.close();
    await ftp?.close();
  });

  const copy = (destination: string, method = 'COPY') =>
    dav(base, method, '/dav/site/src.txt', { headers: { ...headers, destination, overwrite: 'T' } });

  it('a query that hides another path is refused, and the locked file is untouched', async () => {
    for (const method of ['COPY', 'MOVE']) {
      for (const destination of ['/dav/site/zz?://x/dav/site/locked.txt', `${base}/dav/site/zz?://x/dav/site/locked.txt`]) {
        expect((await copy(destination, method)).status, `${method} ${destination}`).toBe(400);
      }
    }
    expect(await readFile(join(ftp.root, 'locked.txt'), 'utf8')).toBe('precious');
    expect(await readFile(join(ftp.root, 'src.txt'), 'utf8')).toBe('attacker');
  });

  it('fragments, dot segments (raw or encoded), other schemes, user info and paths outside /dav/ are 400', async () => {
    const port = new URL(base).port;
    for (const destination of [
      '/dav/site/zz#/dav/site/locked.txt',
      '/dav/site/a/../locked.txt',
      '/dav/site/a/%2e%2e/locked.txt',
      '/dav/site/./locked.txt',
      '/dav/site/a%2flocked.txt',
      '/dav/site/a%5clocked.txt',
      'dav/site/relative.txt',
      '/api/v1/sites/site/files/x.txt',
      `ftp://127.0.0.1:${port}/dav/site/x.txt`,
      `http://user@127.0.0.1:${port}/dav/site/x.txt`,
      '/dav/site/bad%zz.txt',
    ]) {
      expect((await copy(destination)).status, destination).toBe(400);
    }
    expect(await readFile(join(ftp.root, 'locked.txt'), 'utf8')).toBe('precious');
  });

  it('a locked Destination is 423 however it is spelled', async () => {
    for (const destination of ['/dav/site/locked.txt', `${base}/dav/site/locked.txt`, '/dav/site//locked.txt', '/dav/site/%6cocked.txt']) {
      expect((await copy(destination)).status, destination).toBe(423);
    }
    expect(await readFile(join(ftp.root, 'locked.txt'), 'utf8')).toBe('precious');
  });

  it('what is accepted is exactly where the copy lands', async () => {
    const res = await copy(`${base}/dav/site/a%20b%23c.txt`);
    expect(res.status).toBe(201);
    expect(await readFile(join(ftp.root, 'a b#c.txt'), 'utf8')).toBe('attacker');
  });
});
