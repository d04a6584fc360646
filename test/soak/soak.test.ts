// A bounded soak: FTPGATE_SOAK_REQUESTS (default 200; the figure is 2,000) mixed requests
// (list, download, ranged download, upload, overwrite, delete) at concurrency 32 against vsftpd,
// through a gateway in a child process (`node dist/cli.js`) with a pool of 8 sessions.
// Zero errors, every byte checked by sha256, gateway RSS flat within 20% from the first to the
// last quarter. Skips without vsftpd (FTPGATE_TEST_VSFTPD_URL/_ROOT) unless FTPGATE_REQUIRE_EXTERNAL=1.
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureByName, siteUrl, type FtpFixture } from '../helpers/ftp-servers.js';
import { bytes, sha256 } from '../helpers/http.js';
import { cliBuilt, startChildGateway, type ChildGateway } from '../faults/child-gateway.js';

const TOTAL = Math.max(32, Number(process.env.FTPGATE_SOAK_REQUESTS ?? 200));
const CONCURRENCY = 32;
const POOL = 8;
// Requests before RSS is sampled: the working set of 32 concurrent mixed requests (pool, HTTP
// and data buffers, V8's heap at its working size) takes more than 64 of them to build. With the
// bundled dist/ the gateway starts some 10 MB lower, and after a 64-request warm-up its first
// quarter was still climbing (109-113 MB, last quarter 133-135 MB in 200 requests), while 2,000
// requests went from 134.1 to 146.5 MB: a plateau being reached, not a leak (2026-12-07).
const WARMUP = 200;
const factory = fixtureByName(process.env.FTPGATE_SOAK_SERVER ?? 'vsftpd');

describe.skipIf(!factory || !cliBuilt)(`soak: ${TOTAL} mixed requests at concurrency ${CONCURRENCY}, pool ${POOL}`, () => {
  let ftp: FtpFixture;
  let gw: ChildGateway;
  let dir: string;
  let run: string;
  // Shared read-only files, and one folder per worker for its own writes (so that every
  // expected content is known: a worker's requests on its own files are sequential).
  const shared = [1_000, 65_536, 300_001, 1_048_576 + 7].map((size, i) => ({ name: `shared-${i}.bin`, data: bytes(size, 100 + i) }));

  beforeAll(async () => {
    ftp = await factory!.start();
    run = `soak-${process.pid}-${Date.now().toString(36)}`;
    dir = join(ftp.root, run);
    await mkdir(dir, { mode: 0o777 });
    await chmod(dir, 0o777);
    for (const f of shared) await writeFile(join(dir, f.name), f.data);
    for (let w = 0; w < CONCURRENCY; w++) {
      await mkdir(join(dir, `w${w}`), { mode: 0o777 });
      await chmod(join(dir, `w${w}`), 0o777);
    }
    gw = await startChildGateway({ s: siteUrl(ftp, run, { poolSize: POOL, queueTimeout: 60_000 }) });
  });

  afterAll(async () => {
    await gw?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await ftp?.close();
  });

  it('serves every request correctly and keeps its memory flat', async () => {
    const api = (action: string, path: string) => `${gw.base}/api/v1/sites/s/${action}/${path}`;
    const errors: string[] = [];
    const counts: Record<string, number> = {};
    const rss: number[] = [];
    let issued = 0;
    let bytesChecked = 0;
    let seed = 1000;

    const fail = (what: string) => {
      if (errors.length < 20) errors.push(what);
      else errors.push('');
    };

    async function worker(w: number): Promise<void> {
      const own = new Map<string, Buffer>(); // this worker's files and their expected content
      let rnd = (w + 1) * 2654435761;
      const next = (n: number) => {
        rnd ^= rnd << 13;
        rnd ^= rnd >>> 17;
        rnd ^= rnd << 5;
        return (rnd >>> 0) % n;
      };
      for (;;) {
        const i = issued++;
        if (i >= TOTAL + WARMUP) return;
        const kind = ['list', 'download', 'range', 'upload', 'overwrite', 'delete'][next(6)]!;
        counts[kind] = (counts[kind] ?? 0) + 1;
        try {
          if (kind === 'list') {
            const res = await fetch(api('list', `w${w}`));
            const body = (await res.json()) as { entries: { name: string; size: number }[] };
            const names = body.entries.map((e) => e.name).sort();
            if (res.status !== 200 || names.join() !== [...own.keys()].sort().join()) fail(`list w${w}: ${res.status} ${names.join()} vs ${[...own.keys()].sort().join()}`);
          } else if (kind === 'download') {
            // Alternate between a shared file and one of our own.
            const mine = [...own.keys()];
            let path: string;
            let target: Buffer;
            if (mine.length > 0 && next(2) === 1) {
              const name = mine[next(mine.length)]!;
              path = `w${w}/${name}`;
              target = own.get(name)!;
            } else {
              const f = shared[next(shared.length)]!;
              path = f.name;
              target = f.data;
            }
            const res = await fetch(api('files', path));
            const got = Buffer.from(await res.arrayBuffer());
            bytesChecked += got.length;
            if (res.status !== 200 || sha256(got) !== sha256(target)) fail(`download ${path}: ${res.status} ${got.length}/${target.length}`);
          } else if (kind === 'range') {
            const f = shared[next(shared.length)]!;
            const start = next(f.data.length);
            const end = Math.min(f.data.length - 1, start + next(200_000));
            const res = await fetch(api('files', f.name), { headers: { range: `bytes=${start}-${end}` } });
            const got = Buffer.from(await res.arrayBuffer());
            bytesChecked += got.length;
            if (res.status !== 206 || sha256(got) !== sha256(f.data.subarray(start, end + 1))) fail(`range ${f.name} ${start}-${end}: ${res.status} ${got.length}`);
          } else if (kind === 'upload' || (kind === 'overwrite' && own.size === 0)) {
            const name = `f${i}.bin`;
            const data = bytes(1 + next(400_000), seed++);
            const res = await fetch(api('files', `w${w}/${name}`), { method: 'PUT', body: data });
            await res.arrayBuffer();
            if (res.status !== 201) fail(`upload w${w}/${name}: ${res.status}`);
            else own.set(name, data);
          } else if (kind === 'overwrite') {
            const names = [...own.keys()];
            const name = names[next(names.length)]!;
            const data = bytes(1 + next(400_000), seed++);
            const res = await fetch(api('files', `w${w}/${name}`), { method: 'PUT', body: data });
            await res.arrayBuffer();
            if (res.status !== 204) fail(`overwrite w${w}/${name}: ${res.status}`);
            else own.set(name, data);
          } else {
            const names = [...own.keys()];
            if (names.length === 0) {
              const res = await fetch(api('files', `w${w}/never.bin`), { method: 'DELETE' });
              await res.arrayBuffer();
              if (res.status !== 404) fail(`delete missing: ${res.status}`);
            } else {
              const name = names[next(names.length)]!;
              const res = await fetch(api('files', `w${w}/${name}`), { method: 'DELETE' });
              await res.arrayBuffer();
              if (res.status !== 204) fail(`delete w${w}/${name}: ${res.status}`);
              else own.delete(name);
            }
          }
        } catch (err) {
          fail(`${kind}: ${(err as Error).message}`);
        }
        if (i >= WARMUP) rss.push(gw.rss());
      }
    }

    const started = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
    const seconds = (Date.now() - started) / 1000;
    const quarter = Math.floor(rss.length / 4);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const firstQ = mean(rss.slice(0, quarter));
    const lastQ = mean(rss.slice(-quarter));
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(
      `soak: ${TOTAL} requests (+${WARMUP} warm-up) at concurrency ${CONCURRENCY}, pool ${POOL}, in ${seconds.toFixed(1)} s; ` +
        `${errors.length} errors; ${mb(bytesChecked)} MiB checked by sha256; ops ${JSON.stringify(counts)}; ` +
        `gateway RSS first quarter ${mb(firstQ)} MiB, last quarter ${mb(lastQ)} MiB (${(((lastQ - firstQ) / firstQ) * 100).toFixed(1)}%)`,
    );
    expect(errors.filter(Boolean)).toEqual([]);
    expect(errors.length).toBe(0);
    expect(Math.abs(lastQ - firstQ) / firstQ).toBeLessThanOrEqual(0.2);
    expect(gw.alive()).toBe(true);
  }, 600_000);
});
