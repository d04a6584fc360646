// Resumable uploads across gateway instances and restarts, with the tus lock and the finished
// uploads in the shared state store: two gateways on one real redis-server (Debian's) over one
// FTP server. A PATCH may land on either instance; one already appending on one instance makes
// a PATCH on the other wait and answer 423 rather than append at the same time; a finished
// upload answers its final offset on the other instance and after a restart. Skipped without
// redis-server unless FTPGATE_REQUIRE_EXTERNAL=1.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureByName, inProcessServer, requireExternal, siteUrl, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, sha256 } from '../helpers/http.js';
import { create, head, patch, TUS } from './tus-helpers.js';

const REDIS = '/usr/bin/redis-server';
const haveRedis = existsSync(REDIS);

async function startRedis(): Promise<{ url: string; process: ChildProcess }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  const child = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Ready to accept connections/i.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`redis-server exited:\n${out}`)));
  });
  return { url: `redis://127.0.0.1:${port}/0`, process: child };
}

/** A PATCH that sends `first` bytes of `data` and then waits: finish() sends the rest. */
function slowPatch(url: string, offset: number, data: Buffer, first: number): { finish(): Promise<{ status: number; offset: number }> } {
  const u = new URL(url);
  let answered!: (r: { status: number; offset: number }) => void;
  const response = new Promise<{ status: number; offset: number }>((r) => (answered = r));
  const req = request({
    host: u.hostname,
    port: u.port,
    method: 'PATCH',
    path: u.pathname,
    headers: { ...TUS, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', 'content-length': String(data.length) },
  });
  req.on('response', (res) => {
    res.resume();
    res.on('end', () => answered({ status: res.statusCode ?? 0, offset: Number(res.headers['upload-offset']) }));
  });
  req.on('error', () => answered({ status: 0, offset: NaN }));
  req.write(data.subarray(0, first));
  return {
    finish: () => {
      req.end(data.subarray(first));
      return response;
    },
  };
}

const servers = [inProcessServer, fixtureByName('vsftpd')].filter((f) => f !== undefined);

describe.skipIf(!haveRedis && !requireExternal).each(servers.map((f) => [f.name, f] as const))('tus uploads across two instances sharing Redis (%s)', (_name, factory) => {
  let redis: { url: string; process: ChildProcess };
  let ftp: FtpFixture;
  let site: string;
  let a: TestGateway;
  let b: TestGateway;
  const on = (gw: TestGateway, url: string) => new URL(new URL(url).pathname, gw.base).toString();

  beforeAll(async () => {
    if (!haveRedis) throw new Error(`FTPGATE_REQUIRE_EXTERNAL=1 but ${REDIS} is missing (apt-get install redis-server)`);
    redis = await startRedis();
    ftp = await factory.start();
    site = siteUrl(ftp, '', { listingCacheTtl: 0 });
    a = await startGateway({ site }, { redisUrl: redis.url });
    b = await startGateway({ site }, { redisUrl: redis.url });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await ftp?.close();
    redis?.process.kill('SIGTERM');
  });

  it('PATCHes land on either instance; the finished upload answers its offset on the other instance and after a restart', async () => {
    const data = bytes(600_000, 81);
    const name = `across-${factory.name}.bin`;
    const made = await create(a.base, 'site', '/', data.length, { filename: name });
    expect(made.status).toBe(201);
    expect((await patch(on(a, made.url), 0, data.subarray(0, 250_000))).offset).toBe(250_000);
    expect((await head(on(b, made.url))).offset).toBe(250_000);
    const last = await patch(on(b, made.url), 250_000, data.subarray(250_000));
    expect(last.status).toBe(204);
    expect(last.offset).toBe(data.length);
    expect(sha256(await readFile(join(ftp.root, name)))).toBe(sha256(data));

    // Finished on b: a has never seen the end, and the info file is gone from the FTP server.
    const onA = await head(on(a, made.url));
    expect(onA.status).toBe(200);
    expect(onA.offset).toBe(data.length);
    expect(onA.length).toBe(data.length);

    // b restarts: a new process with nothing in memory.
    await b.close();
    b = await startGateway({ site }, { redisUrl: redis.url });
    const afterRestart = await head(on(b, made.url));
    expect(afterRestart.status).toBe(200);
    expect(afterRestart.offset).toBe(data.length);
  });

  it('a PATCH on one instance while another PATCH of the same upload runs on the other waits, then answers 423; the first completes', async () => {
    const data = bytes(400_000, 82);
    const name = `locked-${factory.name}.bin`;
    const made = await create(a.base, 'site', '/', data.length, { filename: name });
    const first = slowPatch(on(a, made.url), 0, data, 100_000);
    await new Promise((r) => setTimeout(r, 500)); // a holds the upload's lock, appending
    const started = Date.now();
    const second = await patch(on(b, made.url), 0, data);
    expect(second.status).toBe(423);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000); // it waited for the lock first
    const done = await first.finish();
    expect(done.status).toBe(204);
    expect(done.offset).toBe(data.length);
    expect(sha256(await readFile(join(ftp.root, name)))).toBe(sha256(data));
  });
});
