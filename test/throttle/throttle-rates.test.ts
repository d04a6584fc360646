// Bandwidth limits end to end, over the in-process FTP server: the measured rates, fairness
// between transfers under one limit, flat memory (back-pressure, not buffering), and listings
// and small files not slowed by a limit more than their bytes require.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessServer, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, sha256 } from '../helpers/http.js';

const MiB = 1024 * 1024;

interface Download {
  status: number;
  bytes: number;
  /** From the request to the last byte. */
  seconds: number;
  /** From the first byte to the last: the rate of the stream itself, without the request's setup. */
  streamRate: number;
  sha: string;
}

/** Download `url`, hashing as it goes (nothing kept). */
async function download(url: string): Promise<Download> {
  const started = performance.now();
  const res = await fetch(url);
  const hash = createHash('sha256');
  let n = 0;
  let first = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    if (n === 0) first = performance.now();
    hash.update(chunk);
    n += chunk.length;
  }
  const end = performance.now();
  return { status: res.status, bytes: n, seconds: (end - started) / 1000, streamRate: n / MiB / ((end - first) / 1000), sha: hash.digest('hex') };
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Retained heap plus array buffers (where Buffers live), sampled every `ms` until stopped. */
function memorySampler(ms: number) {
  const samples: number[] = [];
  const take = () => {
    gc();
    gc(); // the second one frees what the finalizers of the first released
    const m = process.memoryUsage();
    samples.push(m.heapUsed + m.arrayBuffers);
  };
  take();
  const timer = setInterval(take, ms);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

describe('bandwidth limits (in-process server)', () => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  const big = bytes(50 * MiB, 41);
  const half = big.subarray(0, 25 * MiB);
  const api = (site: string, action: string, path = '') => `${gw.base}/api/v1/sites/${site}/${action}/${path}`;
  const measured: string[] = [];

  beforeAll(async () => {
    ftp = await inProcessServer.start();
    await writeFile(join(ftp.root, 'big.bin'), big);
    await writeFile(join(ftp.root, 'half-a.bin'), half);
    await writeFile(join(ftp.root, 'half-b.bin'), half);
    await writeFile(join(ftp.root, 'small.txt'), 'x'.repeat(10_000));
    gw = await startGateway({
      lim: `${ftp.url}?poolSize=4&downloadLimit=10MiB&uploadLimit=4MiB`,
      user: `${ftp.url}?poolSize=4&userDownloadLimit=${8 * MiB}`,
      free: `${ftp.url}?poolSize=2`,
    });
  });

  afterAll(async () => {
    console.log(`measured rates:\n  ${measured.join('\n  ')}`);
    await gw?.close();
    await ftp?.close();
  });

  it('a 50 MiB download under a 10 MiB/s limit takes 4.5 to 6 seconds', async () => {
    const r = await download(api('lim', 'files', 'big.bin'));
    expect(r.status).toBe(200);
    expect(r.bytes).toBe(big.length);
    expect(r.sha).toBe(sha256(big));
    measured.push(`50 MiB at 10 MiB/s: ${r.seconds.toFixed(2)} s = ${(r.bytes / MiB / r.seconds).toFixed(2)} MiB/s (stream ${r.streamRate.toFixed(2)} MiB/s)`);
    // (50 MiB - the 1 MiB burst) / 10 MiB/s = 4.9 s, plus the request's setup.
    expect(r.seconds).toBeGreaterThanOrEqual(4.5);
    expect(r.seconds).toBeLessThanOrEqual(6);
  });

  it("keeps the gateway's memory flat while it holds a download back", async () => {
    await download(api('free', 'files', 'half-a.bin')); // warm up: sessions, code, pools
    // A full collection before each sample (once a second), so that samples show what is
    // retained, not garbage; the collections slow this run, so it is not the timed one.
    const memory = memorySampler(1000);
    const r = await download(api('lim', 'files', 'big.bin'));
    const samples = memory.stop();
    expect(r.sha).toBe(sha256(big));
    const growth = Math.max(...samples) - samples[0]!;
    measured.push(`retained memory during a 50 MiB download at 10 MiB/s: ${samples.map((m) => ((m - samples[0]!) / MiB).toFixed(1)).join(', ')} MiB over the start`);
    // Buffering the transfer would retain up to the 45 MiB the limit holds back; the gateway
    // (with the test client and the FTP server, all in this process) keeps stream buffers only...
    expect(growth).toBeLessThan(8 * MiB);
    // ...and that does not climb over the transfer.
    const mid = Math.floor(samples.length / 2);
    expect(Math.max(...samples.slice(mid))).toBeLessThan(Math.max(...samples.slice(0, mid)) + 4 * MiB);
  });

  it('two concurrent downloads under one 10 MiB/s limit each get 4 to 6 MiB/s', async () => {
    const [a, b] = await Promise.all([download(api('lim', 'files', 'half-a.bin')), download(api('lim', 'files', 'half-b.bin'))]);
    for (const r of [a!, b!]) {
      expect(r.sha).toBe(sha256(half));
      const rate = r.bytes / MiB / r.seconds;
      measured.push(`one of two 25 MiB downloads sharing 10 MiB/s: ${r.seconds.toFixed(2)} s = ${rate.toFixed(2)} MiB/s (stream ${r.streamRate.toFixed(2)})`);
      expect(rate).toBeGreaterThanOrEqual(4);
      expect(rate).toBeLessThanOrEqual(6);
    }
  });

  it('an upload under a 4 MiB/s limit runs at 4 MiB/s', async () => {
    const body = bytes(12 * MiB, 43);
    const started = performance.now();
    const res = await fetch(api('lim', 'files', 'up.bin'), { method: 'PUT', body });
    const seconds = (performance.now() - started) / 1000;
    expect(res.status).toBe(201);
    expect(sha256(await readFile(join(ftp.root, 'up.bin')))).toBe(sha256(body));
    const rate = body.length / MiB / seconds;
    measured.push(`12 MiB upload at 4 MiB/s: ${seconds.toFixed(2)} s = ${rate.toFixed(2)} MiB/s, with the request's checks and rename`);
    // (12 MiB - the burst) / 4 MiB/s = 2.9 s, plus the upload's own steps (stat, temporary name, rename).
    expect(rate).toBeGreaterThan(3.2);
    expect(rate).toBeLessThan(4.4);
  });

  it('a per-login limit is shared by the transfers of that login', async () => {
    const [a, b] = await Promise.all([download(api('user', 'files', 'half-a.bin')), download(api('user', 'files', 'half-b.bin'))]);
    const total = (a!.bytes + b!.bytes) / MiB / Math.max(a!.seconds, b!.seconds);
    measured.push(`two downloads of one login under 8 MiB/s: together ${total.toFixed(2)} MiB/s`);
    expect(total).toBeGreaterThan(7);
    expect(total).toBeLessThan(8.8);
    for (const r of [a!, b!]) expect(r.sha).toBe(sha256(half));
  });

  it('the gateway-wide limit covers every site of its gateway', async () => {
    // A gateway of its own with a gateway-wide limit (limits belong to a gateway, not to the process).
    const limited = await startGateway({ free: `${ftp.url}?poolSize=2` }, { gatewayDownloadLimit: 20 * MiB });
    try {
      const r = await download(`${limited.base}/api/v1/sites/free/files/half-a.bin`);
      measured.push(`25 MiB under the gateway's 20 MiB/s: ${r.seconds.toFixed(2)} s, stream ${r.streamRate.toFixed(2)} MiB/s`);
      // The burst (2 MiB) goes at once, the rest at 20 MiB/s: 1.15 s of streaming.
      expect(r.streamRate).toBeGreaterThan(18);
      expect(r.streamRate).toBeLessThan(23);
    } finally {
      await limited.close();
    }
  });

  it('does not slow listings or small files more than their bytes require', async () => {
    let started = performance.now();
    const list = await fetch(api('lim', 'list'));
    expect(list.status).toBe(200);
    await list.json();
    const listMs = performance.now() - started;
    started = performance.now();
    const small = await fetch(api('lim', 'files', 'small.txt'));
    expect((await small.text()).length).toBe(10_000);
    const smallMs = performance.now() - started;
    measured.push(`under 10 MiB/s: listing ${listMs.toFixed(0)} ms, 10 kB file ${smallMs.toFixed(0)} ms`);
    // Listings are never gated (only file streams are); a 10 kB file fits in the burst.
    expect(listMs).toBeLessThan(1000);
    expect(smallMs).toBeLessThan(500);
  });

  it('without a limit adds nothing', async () => {
    // Unlimited: a 50 MiB download is not held back at all.
    const r = await download(api('free', 'files', 'big.bin'));
    measured.push(`50 MiB without a limit: ${r.seconds.toFixed(2)} s = ${(r.bytes / MiB / r.seconds).toFixed(0)} MiB/s`);
    expect(r.seconds).toBeLessThan(4);
  });
});
