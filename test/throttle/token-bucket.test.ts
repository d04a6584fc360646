// Unit tests of the token buckets and the gates made from them (throttle.ts).
import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  burstFor,
  GatewayThrottle,
  quantumFor,
  SiteThrottle,
  Throttle,
  throttleReadable,
  throttleWritable,
  TokenBucket,
} from '../../src/ftp/throttle.js';

const MiB = 1024 * 1024;

describe('TokenBucket', () => {
  it('lets a burst through at once, then spaces reservations at the rate', () => {
    const b = new TokenBucket(1000 * 1024, 100 * 1024, () => 0); // 1000 KiB/s, 100 KiB burst
    let at = 0;
    // The first 100 KiB (the burst) and one more reservation's worth go without waiting...
    expect(b.reserve(50 * 1024, at)).toBe(0);
    expect(b.reserve(50 * 1024, at)).toBe(0);
    // ...then each 10 KiB waits 10 ms more than the one before.
    expect(b.reserve(10 * 1024, at)).toBeCloseTo(10, 6);
    expect(b.reserve(10 * 1024, at)).toBeCloseTo(20, 6);
    // Time passing pays the debt back; idle time refills at most the burst.
    at = 10_000;
    expect(b.reserve(100 * 1024, at)).toBe(0);
    expect(b.reserve(10 * 1024, at)).toBeCloseTo(10, 6);
  });

  it('holds the long-run rate exactly: n bytes take (n - burst) / rate', () => {
    const rate = 10 * MiB;
    const b = new TokenBucket(rate, burstFor(rate), () => 0);
    let clock = 0;
    let sent = 0;
    while (sent < 50 * MiB) {
      clock += b.reserve(64 * 1024, clock); // wait, then send
      sent += 64 * 1024;
    }
    expect(clock / 1000).toBeCloseTo((50 * MiB - burstFor(rate)) / rate, 3);
  });

  it('sizes quanta and bursts from the rate', () => {
    expect(quantumFor(1024)).toBe(4096);
    expect(quantumFor(10 * MiB)).toBe(16 * 1024);
    expect(quantumFor(1 * MiB)).toBe(10485);
    expect(burstFor(10 * MiB)).toBe(MiB);
    expect(burstFor(1024)).toBe(8192);
    expect(() => new TokenBucket(0)).toThrow(RangeError);
  });
});

describe('Throttle', () => {
  it('shares one bucket fairly between transfers that take turns', async () => {
    const bucket = new TokenBucket(2 * MiB, 64 * 1024);
    const a = new Throttle([bucket]);
    const b = new Throttle([bucket]);
    const got = { a: 0, b: 0 };
    const started = performance.now();
    // A asks for big chunks, B for small ones: turns are per quantum, not per chunk.
    const run = async (t: Throttle, chunk: number, key: 'a' | 'b') => {
      while (performance.now() - started < 600) {
        await t.take(chunk);
        got[key] += chunk;
      }
    };
    await Promise.all([run(a, 256 * 1024, 'a'), run(b, 16 * 1024, 'b')]);
    a.close();
    b.close();
    const ratio = got.a / got.b;
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.7);
    expect(bucket.active).toBe(0);
  });

  it('waits for the slowest of its buckets', async () => {
    const fast = new TokenBucket(100 * MiB, 4096);
    const slow = new TokenBucket(1 * MiB, 4096);
    const t = new Throttle([fast, slow]);
    const started = performance.now();
    await t.take(256 * 1024); // ~250 ms at 1 MiB/s
    const ms = performance.now() - started;
    t.close();
    expect(ms).toBeGreaterThan(200);
    expect(ms).toBeLessThan(400);
  });

  it('close() cancels a pending wait and returns the buckets', async () => {
    const bucket = new TokenBucket(4096, 4096);
    const t = new Throttle([bucket]);
    expect(bucket.active).toBe(1);
    const pending = t.take(64 * 1024); // would take ~15 s
    setTimeout(() => t.close(), 20);
    await pending;
    expect(bucket.active).toBe(0);
  });
});

describe('zero cost without limits', () => {
  it('hands the very same streams back when there is no gate', () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const source = new PassThrough();
    expect(throttleWritable(sink, undefined)).toBe(sink);
    expect(throttleReadable(source, undefined)).toBe(source);
  });

  it('a site without limits (and no gateway limit) makes no gate at all', () => {
    const site = new SiteThrottle({}, new GatewayThrottle());
    expect(site.gate('key', 'download')).toBeUndefined();
    expect(site.gate('key', 'upload')).toBeUndefined();
  });
});

describe('SiteThrottle', () => {
  it('stacks gateway, site and per-login buckets, per direction', () => {
    const gateway = new GatewayThrottle();
    gateway.setLimits({ download: 50 * MiB });
    const site = new SiteThrottle({ downloadLimit: 20 * MiB, userDownloadLimit: 5 * MiB, userUploadLimit: 1 * MiB }, gateway);
    const d1 = site.gate('alice', 'download')!;
    const d2 = site.gate('alice', 'download')!;
    const d3 = site.gate('bob', 'download')!;
    expect(d1.buckets.map((b) => b.rate)).toEqual([50 * MiB, 20 * MiB, 5 * MiB]);
    expect(d1.buckets[2]).toBe(d2.buckets[2]); // one bucket per login...
    expect(d1.buckets[2]).not.toBe(d3.buckets[2]); // ...and per login
    expect(d1.buckets[1]).toBe(d3.buckets[1]); // one per site
    expect(site.gate('alice', 'upload')!.buckets.map((b) => b.rate)).toEqual([1 * MiB]);
    for (const g of [d1, d2, d3]) g.close();
  });

  it('forgets idle per-login buckets, keeps busy ones', async () => {
    const site = new SiteThrottle({ userDownloadLimit: 100 * MiB }, new GatewayThrottle());
    const busy = site.gate('a', 'download')!;
    const done = site.gate('b', 'download')!;
    await done.take(1024);
    done.close();
    await new Promise((r) => setTimeout(r, 5));
    site.prune();
    expect(site.userBuckets).toBe(1);
    busy.close();
    site.prune();
    expect(site.userBuckets).toBe(0);
  });
});

describe('throttled streams', () => {
  it('a gated download destination delivers every byte, in order, at the rate', async () => {
    const received: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        received.push(chunk);
        cb();
      },
    });
    const gate = new Throttle([new TokenBucket(1 * MiB, 64 * 1024)]);
    const gated = throttleWritable(sink, gate);
    const data = Buffer.alloc(512 * 1024, 7);
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      Readable.from([data.subarray(0, 200_000), data.subarray(200_000)]).pipe(gated).on('finish', resolve).on('error', reject);
    });
    const seconds = (performance.now() - started) / 1000;
    expect(Buffer.concat(received).equals(data)).toBe(true);
    expect(seconds).toBeGreaterThan(0.35); // (512 - 64) KiB at 1 MiB/s = 0.44 s
    expect(seconds).toBeLessThan(0.8);
    expect(gate.buckets[0]!.active).toBe(0);
  });

  it('a gated upload source fails when its source ends prematurely (no truncated upload)', async () => {
    const source = new PassThrough();
    const gated = throttleReadable(source, new Throttle([new TokenBucket(10 * MiB)]));
    const failed = new Promise<Error>((resolve) => gated.once('error', resolve));
    gated.resume();
    source.write('partial');
    source.destroy(); // the HTTP client went away
    expect((await failed).message).toMatch(/premature close/i);
  });
});
