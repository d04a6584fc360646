// No client starves a site (issue 15): slow uploads hold sessions, yet listings and other
// clients' downloads are served; stalled bodies and responses are cut (408 for uploads, closed
// connection for downloads) with nothing written and the session not lent again. In-process
// server and, under test/servers/with-servers.sh, vsftpd. Windows are made small (1 s) here.
import { open, stat } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalServer, inProcessServer, siteUrl, type FixtureFactory, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { poolQuiet, runFolder, seedFile, sleep, tempFiles, waitFor } from './helpers.js';
import { existsSync } from 'node:fs';

const fixtures = [inProcessServer, externalServer('vsftpd')].filter((f): f is FixtureFactory => f !== undefined);

interface SlowBody {
  response: Promise<{ status: number; body: string } | Error>;
  stop(): void;
}

/** A request whose body of `length` bytes is sent one byte every `everyMs`. */
function slowBody(url: string, method: string, length: number, everyMs: number, headers: Record<string, string> = {}): SlowBody {
  const target = new URL(url);
  const req = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method, headers: { 'content-length': length, ...headers } });
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < length && !req.destroyed) {
      req.write('x');
      sent++;
    }
  }, everyMs);
  const response = new Promise<{ status: number; body: string } | Error>((resolve) => {
    req.on('response', (res: IncomingMessage) => {
      clearInterval(timer);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve(e));
    });
    req.on('error', (e) => {
      clearInterval(timer);
      resolve(e);
    });
  });
  return {
    response,
    stop: () => {
      clearInterval(timer);
      req.destroy();
    },
  };
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work;
  return { value, ms: Date.now() - started };
}

describe.each(fixtures)('no client starves a site ($name)', (factory) => {
  let ftp: FtpFixture;
  let run: Awaited<ReturnType<typeof runFolder>>;
  let gw: TestGateway;
  const api = (site: string, p: string) => `${gw.base}/api/v1/sites/${site}/${p}`;

  beforeAll(async () => {
    ftp = await factory.start();
    run = await runFolder(ftp, 'starve');
    await seedFile(run.dir, 'small.txt', 'hello');
    await seedFile(run.dir, 'mid.bin', Buffer.alloc(16 * 1024 * 1024, 7)); // outlasts socket buffers: the read is still open while the write runs
    // A sparse 256 MiB file: more than any socket buffer holds, costs no disk.
    const f = await open(join(run.dir, 'big.bin'), 'w');
    await f.truncate(256 * 1024 * 1024);
    await f.close();
    gw = await startGateway(
      {
        // Stall limits that slow test bodies (a byte every 400 ms) do not trip within the test.
        busy: siteUrl(ftp, run.name, { poolSize: 4, queueTimeout: 3000, listingCacheTtl: 0, minIdle: 0 }),
        narrow: siteUrl(ftp, run.name, { poolSize: 3, queueTimeout: 3000, minIdle: 0 }),
        // Stall limits made small: 1 KiB/s over 1 s, idle 1.5 s.
        strict: siteUrl(ftp, run.name, { poolSize: 2, minTransferRate: 1024, minTransferRateWindow: 1000, transferIdleTimeout: 1500, listingCacheTtl: 0, minIdle: 0 }),
      },
      { trustProxy: true }, // X-Forwarded-For plays other client addresses
    );
  });
  afterAll(async () => {
    await gw?.close();
    await run?.remove();
    await ftp?.close();
  });

  it('ten slow uploads do not block listings, nor another client\'s download', async () => {
    const slow = Array.from({ length: 10 }, (_, i) => slowBody(api('busy', `files/slow-${i}.bin`), 'PUT', 1000, 400));
    try {
      // The first ones hold their STOR sessions: half of 4 for the slow client, the rest queue.
      expect(await waitFor(() => gw.fs.poolStats('busy').transfers === 2, 8000)).toBe(true);
      await sleep(500);
      expect(gw.fs.poolStats('busy').transfers).toBe(2);
      const list = await timed(fetch(api('busy', 'list/')));
      expect(list.value.status).toBe(200);
      expect(list.ms).toBeLessThan(1500);
      const other = await timed(fetch(api('busy', 'files/small.txt'), { headers: { 'x-forwarded-for': '10.9.9.9' } }));
      expect(other.value.status).toBe(200);
      expect(await other.value.text()).toBe('hello');
      expect(other.ms).toBeLessThan(1500);
    } finally {
      for (const s of slow) s.stop();
    }
    expect(await waitFor(() => poolQuiet(gw, 'busy'), 5000)).toBe(true);
    expect(await waitFor(async () => (await tempFiles(run.dir)).length === 0, 10_000)).toBe(true);
  });

  it('a copy (a transfer reading while another writes) finishes where one client may hold a single transfer', async () => {
    // poolSize 3: two sessions for transfers, one of them per client. REST and WebDAV.
    const rest = await fetch(api('narrow', 'copy'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '/mid.bin', to: '/copied.bin', overwrite: true }),
    });
    expect(rest.status).toBeLessThan(300);
    const dav = await fetch(`${gw.base}/dav/narrow/mid.bin`, { method: 'COPY', headers: { destination: `${gw.base}/dav/narrow/dav-copied.bin`, overwrite: 'T' } });
    expect(dav.status).toBeLessThan(300);
    expect((await stat(join(run.dir, 'copied.bin'))).size).toBe(16 * 1024 * 1024);
    expect((await stat(join(run.dir, 'dav-copied.bin'))).size).toBe(16 * 1024 * 1024);
  });

  it('a stalled upload body gets 408, nothing is written and its session is not lent again', async () => {
    const slow = slowBody(api('strict', 'files/stalled.bin'), 'PUT', 5000, 300);
    const res = await timed(slow.response);
    slow.stop();
    expect(res.value).not.toBeInstanceOf(Error);
    const answer = res.value as { status: number; body: string };
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'request_timeout' });
    expect(res.ms).toBeLessThan(6000);
    expect(existsSync(join(run.dir, 'stalled.bin'))).toBe(false);
    expect(await waitFor(async () => (await tempFiles(run.dir)).length === 0, 10_000)).toBe(true);
    expect(await waitFor(() => poolQuiet(gw, 'strict'), 5000)).toBe(true);
    // The site still works (a fast upload passes the same limits).
    const put = await fetch(api('strict', 'files/fast.txt'), { method: 'PUT', body: 'fast' });
    expect(put.status).toBe(201);
  });

  it('a stalled resumable (tus) PATCH gets 408', async () => {
    const created = await fetch(api('strict', 'uploads/'), {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': '5000', 'upload-metadata': `filename ${Buffer.from('tus-stalled.bin').toString('base64')}` },
    });
    expect(created.status).toBe(201);
    const location = new URL(created.headers.get('location')!, gw.base).toString();
    const slow = slowBody(location, 'PATCH', 5000, 300, { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' });
    const res = await timed(slow.response);
    slow.stop();
    expect((res.value as { status: number }).status).toBe(408);
    expect(res.ms).toBeLessThan(6000);
    expect(existsSync(join(run.dir, 'tus-stalled.bin'))).toBe(false);
    expect(await waitFor(() => poolQuiet(gw, 'strict'), 5000)).toBe(true);
  });

  it('a download the client stops reading is cut and its session closed', async () => {
    const target = new URL(api('strict', 'files/big.bin'));
    let received = 0;
    let res!: IncomingMessage;
    const req = request({ host: target.hostname, port: target.port, path: target.pathname });
    await new Promise<void>((resolve) => {
      req.on('response', (r: IncomingMessage) => {
        res = r;
        r.pause(); // read nothing: the gateway's buffers fill and the transfer stalls
        resolve();
      });
      req.end();
    });
    try {
      expect(res.statusCode).toBe(200);
      // Seen from the gateway: the connection is cut and the FTP session closed, not kept.
      expect(await waitFor(() => gw.fs.poolStats('strict').open === 0, 8000)).toBe(true);
      // Seen from the client once it reads again: the body ends early.
      const ending = await new Promise<string>((resolve) => {
        res.on('data', (c: Buffer) => (received += c.length));
        res.on('end', () => resolve(res.complete ? 'complete' : 'cut'));
        res.on('aborted', () => resolve('cut'));
        res.on('error', () => resolve('cut'));
        res.resume();
      });
      expect(ending).toBe('cut');
      expect(received).toBeLessThan(256 * 1024 * 1024);
    } finally {
      req.destroy();
    }
    const again = await fetch(api('strict', 'files/small.txt'));
    expect(await again.text()).toBe('hello');
  });
});

