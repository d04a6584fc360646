// The smaller holes of issue 15: share-link download limits and ranges, bearer ids in the log,
// FTP replies (with the server's local paths) in error bodies, and problem types that resolve.
import { Writable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessServer, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic } from '../helpers/http.js';
import { create, patch } from '../uploads/tus-helpers.js';
import { startDisk, writeUsersFile, type Disk } from './fixtures.js';

describe('share links, bearer ids and problem types', () => {
  let disk: Disk;
  let gw: TestGateway;
  let dir: string;
  const lines: string[] = [];
  const alice = { authorization: basic('alice', 'alice-pw'), 'content-type': 'application/json' };

  beforeAll(async () => {
    disk = await startDisk({ 'alice/big.bin': 'x'.repeat(1000), 'alice/up/': '' });
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-holes-'));
    const usersFile = await writeUsersFile(dir, [{ name: 'alice', password: 'alice-pw', sites: ['acc'], root: '/alice' }]);
    const ftp = { host: '127.0.0.1', port: disk.server.port, poolSize: 3, listingCacheTtlMs: 0 };
    const log = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    gw = await startGateway({ acc: { ...ftp, auth: 'accounts' } }, { usersFile, logLevel: 'debug' }, log);
  });
  afterAll(async () => {
    await gw?.close();
    await disk?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const share = async (body: object) => {
    const res = await fetch(`${gw.base}/api/v1/sites/acc/shares`, { method: 'POST', headers: alice, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; url: string };
  };

  it('maxDownloads bounds the bytes ranges can take: "Range: bytes=1-" is not free', async () => {
    const link = await share({ path: '/big.bin', maxDownloads: 2 });
    const range = (r: string) => fetch(`${gw.base}${link.url}`, { headers: { range: r } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await range('bytes=1-');
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([206, 206, 410, 410, 410]);
  });

  it('small ranges add up to whole downloads', async () => {
    const link = await share({ path: '/big.bin', maxDownloads: 1 });
    let served = 0;
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${gw.base}${link.url}`, { headers: { range: `bytes=${i * 100}-${i * 100 + 99}` } });
      expect(res.status).toBe(206);
      served += (await res.arrayBuffer()).byteLength;
    }
    expect(served).toBe(1000);
    expect((await fetch(`${gw.base}${link.url}`, { headers: { range: 'bytes=500-500' } })).status).toBe(410);
    const listed = (await (await fetch(`${gw.base}/api/v1/sites/acc/shares`, { headers: alice })).json()) as { shares: { id: string; downloads: number }[] };
    expect(listed.shares.find((s) => s.id === link.id)?.downloads).toBe(1);
  });

  it('share-link ids never reach the log', async () => {
    const link = await share({ path: '/big.bin' });
    expect((await fetch(`${gw.base}${link.url}`)).status).toBe(200);
    await fetch(`${gw.base}/s/${link.id}/zip`);
    expect((await fetch(`${gw.base}/api/v1/sites/acc/shares/${link.id}`, { method: 'DELETE', headers: { authorization: alice.authorization } })).status).toBe(204);
    const log = lines.join('');
    expect(log).toContain('"path":"/s/***"');
    expect(log).not.toContain(link.id);
  });

  it('problem types resolve on the gateway, and the catalogue is in the OpenAPI document', async () => {
    const res = await fetch(`${gw.base}/api/v1/sites/nope/list/`);
    expect(res.status).toBe(404);
    const problem = (await res.json()) as { type: string; code: string };
    const doc = await fetch(new URL(problem.type, res.url));
    expect(doc.status).toBe(200);
    expect(await doc.json()).toMatchObject({ code: problem.code, status: 404, type: problem.type });
    expect((await fetch(`${gw.base}/api/problems/no_such_code`)).status).toBe(404);
    const all = (await (await fetch(`${gw.base}/api/problems`)).json()) as { problems: { code: string; description: string }[] };
    expect(all.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['not_found', 'misdirected', 'cross_site', 'internal']));
    const openapi = (await (await fetch(`${gw.base}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toContain('/api/problems/{code}');
  });
});

describe('FTP replies stay in the log', () => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  const lines: string[] = [];

  beforeAll(async () => {
    ftp = await inProcessServer.start();
    await writeFile(join(ftp.root, 'here.txt'), 'x');
    const log = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    gw = await startGateway({ demo: `${ftp.url}?listingCacheTtl=0` }, { logLevel: 'debug' }, log);
  });
  afterAll(async () => {
    await gw?.close();
    await ftp?.close();
  });

  it('resumable upload ids never reach the log', async () => {
    const upload = await create(gw.base, 'demo', '/', 5, { filename: 'u.txt' });
    expect(upload.status).toBe(201);
    const uploadId = new URL(upload.url).pathname.split('/').pop()!;
    expect(uploadId.length).toBeGreaterThan(10);
    const patched = await patch(upload.url, 0, new TextEncoder().encode('hello') as Uint8Array<ArrayBuffer>);
    expect(patched.status, patched.body).toBe(204);
    const log = lines.join('');
    expect(log).toContain('/uploads/***');
    expect(log).not.toContain(uploadId);
  });

  it("an anonymous visitor's error body names no local path of the server, and says what to do", async () => {
    const bodies: string[] = [];
    for (const [method, path] of [
      ['GET', '/api/v1/sites/demo/files/missing.txt'],
      ['GET', '/api/v1/sites/demo/list/missing/'],
      ['DELETE', '/api/v1/sites/demo/files/missing.txt'],
      ['POST', '/api/v1/sites/demo/move'],
      ['GET', '/dav/demo/missing.txt'],
      ['DELETE', '/dav/demo/missing.txt'],
      ['GET', '/browse/demo/missing/'],
    ] as const) {
      const res = await fetch(`${gw.base}${path}`, {
        method,
        ...(path.endsWith('/move') ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: '/missing.txt', to: '/here2.txt' }) } : {}),
      });
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      bodies.push(await res.text());
    }
    for (const body of bodies) {
      expect(body).not.toContain(ftp.root);
      expect(body).not.toMatch(/ENOENT|stat '|\/tmp\//);
    }
    const rest = JSON.parse(bodies[0]!) as { detail: string };
    expect(rest.detail).toMatch(/check the name|does not exist/i);
    // The operator still has the server's reply.
    expect(lines.join('')).toContain(ftp.root);
  });
});
