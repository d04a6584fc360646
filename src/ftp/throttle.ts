// Bandwidth limits: token buckets for the whole gateway, per site and per login (credential
// key), for downloads and uploads separately. A transfer under one or more limits reserves
// its bytes in every bucket that covers it and waits until the slowest one allows them; the
// wait holds back the stream's callback, so the data socket (or the HTTP body) is paused by
// back-pressure, never buffered. Reservations are made one quantum at a time, so transfers
// sharing a bucket take turns and get equal shares. No limit, no cost: without a bucket the
// stream is handed back as it was, with nothing inserted into the pipeline.
//
// The buckets are GCRA ("virtual scheduling"): a bucket keeps the theoretical time at which
// its next byte may go; a reservation of n bytes moves it n / rate later and waits until it
// is no more than `burst` ahead of now. Idle time refills the burst, and nothing more.
import { performance } from 'node:perf_hooks';
import { pipeline, Transform, Writable, type Readable } from 'node:stream';

export type Direction = 'download' | 'upload';

/**
 * Reservation size. Transfers sharing a bucket take turns of one reservation each, so a turn
 * must not be larger than the chunks the smallest of them moves: 16 KiB, a TLS record (a
 * plain socket reads up to 64 KiB at a time). Lower rates get smaller turns (10 ms worth).
 */
export function quantumFor(rate: number): number {
  return Math.min(16 * 1024, Math.max(4 * 1024, Math.floor(rate / 100)));
}

/** Default burst: a tenth of a second of the rate, and at least two quanta. */
export function burstFor(rate: number): number {
  return Math.max(Math.floor(rate / 10), 2 * quantumFor(rate));
}

export class TokenBucket {
  /** Theoretical arrival time of the next byte, in ms of `now()`. */
  private tat = -Infinity;
  readonly quantum: number;
  /** Transfers using this bucket now. */
  active = 0;

  constructor(
    /** Bytes per second. */
    readonly rate: number,
    readonly burst: number = burstFor(rate),
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(rate > 0)) throw new RangeError('a token bucket needs a positive rate');
    this.quantum = quantumFor(rate);
  }

  /** Reserve `n` bytes; returns how many ms to wait before sending them (0: now). */
  reserve(n: number, at = this.now()): number {
    const tau = (this.burst / this.rate) * 1000;
    const tat = Math.max(this.tat, at) + (n / this.rate) * 1000;
    this.tat = tat;
    const wait = Math.max(0, tat - at - tau);
    return wait;
  }

  /** True when the bucket is full again: dropping it and making a new one changes nothing. */
  isIdle(at = this.now()): boolean {
    return this.active === 0 && this.tat <= at;
  }
}

/**
 * The gate of one transfer: the buckets that cover it. `take(n)` resolves when n bytes may go;
 * `close()` gives the buckets back and cancels a pending wait.
 */
export class Throttle {
  private timer?: NodeJS.Timeout;
  private cancel?: () => void;
  private closed = false;

  constructor(readonly buckets: readonly TokenBucket[]) {
    for (const b of buckets) b.active++;
  }

  get quantum(): number {
    return Math.min(...this.buckets.map((b) => b.quantum));
  }

  /** Wait until `n` bytes may go, reserving a quantum at a time so that others get their turns. */
  async take(n: number): Promise<void> {
    const quantum = this.quantum;
    for (let left = n; left > 0 && !this.closed; ) {
      const piece = Math.min(left, quantum);
      left -= piece;
      const at = performance.now();
      let wait = 0;
      for (const b of this.buckets) wait = Math.max(wait, b.reserve(piece, at));
      // Below a millisecond a timer is all overhead; the bucket's clock keeps the average exact.
      if (wait >= 1) await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.cancel = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.cancel = undefined;
        resolve();
      }, ms);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.cancel?.();
    for (const b of this.buckets) b.active--;
  }
}

/**
 * A download's destination behind a gate: each chunk waits for its bytes, then goes to `sink`,
 * and the next one is taken only when `sink` has taken this one. Without a gate, `sink` itself.
 * Ending is left to `sink`'s owner (basic-ftp ends the destination even after a failure).
 */
export function throttleWritable(sink: Writable, gate: Throttle | undefined): Writable {
  if (!gate) return sink;
  const gated = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      gate.take(chunk.length).then(
        () => {
          if (gated.destroyed) return callback();
          sink.write(chunk, (err) => callback(err ?? null));
        },
        (err: Error) => callback(err),
      );
    },
    final(callback) {
      gate.close();
      sink.end(callback);
    },
    destroy(err, callback) {
      gate.close();
      callback(err);
    },
  });
  gated.on('error', () => {}); // basic-ftp listens while it downloads; the session reports the outcome
  return gated;
}

/**
 * An upload's source behind a gate: a stream that hands on `source`'s bytes at the gate's pace.
 * A failure or premature end of `source` destroys it with an error, so that the upload fails
 * instead of storing a truncated file. Without a gate, `source` itself.
 */
export function throttleReadable(source: Readable, gate: Throttle | undefined): Readable {
  if (!gate) return source;
  const gated = new Transform({
    highWaterMark: 64 * 1024,
    transform(chunk: Buffer, _encoding, callback) {
      gate.take(chunk.length).then(
        () => callback(null, chunk),
        (err: Error) => callback(err),
      );
    },
  });
  gated.once('close', () => gate.close());
  // Reported to basic-ftp through its own listener while it uploads; later ones are moot.
  gated.on('error', () => {});
  pipeline(source, gated, () => gate.close());
  return gated;
}

export interface Limits {
  download?: number | undefined;
  upload?: number | undefined;
}

function bucketFor(limit: number | undefined): TokenBucket | undefined {
  return limit === undefined ? undefined : new TokenBucket(limit);
}

/** The gateway-wide limits: one pair of buckets, made by the wiring and shared by its sites' pools. */
export class GatewayThrottle {
  download?: TokenBucket | undefined;
  upload?: TokenBucket | undefined;

  /** Set (or clear) the gateway-wide limits; transfers that start afterwards use them. */
  setLimits(limits: Limits): void {
    if (limits.download !== this.download?.rate) this.download = bucketFor(limits.download);
    if (limits.upload !== this.upload?.rate) this.upload = bucketFor(limits.upload);
  }
}

export interface SiteLimits {
  downloadLimit?: number | undefined;
  uploadLimit?: number | undefined;
  userDownloadLimit?: number | undefined;
  userUploadLimit?: number | undefined;
}

/** One site's limits: a bucket per direction for the site, and one per login and direction. */
export class SiteThrottle {
  private readonly site: Partial<Record<Direction, TokenBucket>> = {};
  private readonly users: Record<Direction, Map<string, TokenBucket>> = { download: new Map(), upload: new Map() };
  private readonly userLimit: Partial<Record<Direction, number>> = {};

  constructor(
    limits: SiteLimits,
    private readonly gateway: GatewayThrottle,
  ) {
    this.site.download = bucketFor(limits.downloadLimit);
    this.site.upload = bucketFor(limits.uploadLimit);
    if (limits.userDownloadLimit !== undefined) this.userLimit.download = limits.userDownloadLimit;
    if (limits.userUploadLimit !== undefined) this.userLimit.upload = limits.userUploadLimit;
  }

  /** The gate for one transfer of login `key`, or undefined when no limit covers it. */
  gate(key: string, direction: Direction): Throttle | undefined {
    const buckets: TokenBucket[] = [];
    const global = this.gateway[direction];
    if (global) buckets.push(global);
    const site = this.site[direction];
    if (site) buckets.push(site);
    const userLimit = this.userLimit[direction];
    if (userLimit !== undefined) {
      let user = this.users[direction].get(key);
      if (!user) this.users[direction].set(key, (user = new TokenBucket(userLimit)));
      buckets.push(user);
    }
    return buckets.length === 0 ? undefined : new Throttle(buckets);
  }

  /** Forget per-login buckets that are idle and full (a new one would be the same). */
  prune(): void {
    const now = performance.now();
    for (const map of Object.values(this.users)) {
      for (const [key, bucket] of map) if (bucket.isIdle(now)) map.delete(key);
    }
  }

  /** Per-login buckets held now (tests: they must not pile up). */
  get userBuckets(): number {
    return this.users.download.size + this.users.upload.size;
  }
}
