// The Redis StateStore (ioredis): every gateway instance given the same redisUrl sees the same
// maps. A map is a hash `<prefix><name>` and its version a counter `<prefix><name>:version`;
// both change together in one MULTI. The mutex is SET NX PX with a random token, released by a
// compare-and-delete script, so an expired holder cannot free someone else's.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { StateUnavailableError, type MapSnapshot, type MutexOptions, type StateStore } from './state.js';

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export interface RedisStateOptions {
  /** Prefix of every key, so several gateways (or other apps) can share one Redis. */
  prefix?: string;
  /** Per-command limit, so a lost Redis fails requests instead of hanging them. */
  commandTimeoutMs?: number;
}

export class RedisState implements StateStore {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(url: string, options: RedisStateOptions = {}) {
    this.prefix = options.prefix ?? 'ftpgate:';
    this.redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 5_000,
      commandTimeout: options.commandTimeoutMs ?? 5_000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
    // Reconnects are retried by ioredis; failed commands surface in the requests that issued them.
    this.redis.on('error', () => {});
  }

  private key(map: string): string {
    return this.prefix + map;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      if (this.redis.status === 'wait') await this.redis.connect();
      return await fn();
    } catch (err) {
      throw new StateUnavailableError(`Redis ${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  version(map: string): Promise<string> {
    return this.call('GET', async () => (await this.redis.get(`${this.key(map)}:version`)) ?? '0');
  }

  get(map: string, key: string): Promise<string | undefined> {
    return this.call('HGET', async () => (await this.redis.hget(this.key(map), key)) ?? undefined);
  }

  load(map: string): Promise<MapSnapshot> {
    return this.call('load', async () => {
      const res = await this.redis.multi().get(`${this.key(map)}:version`).hgetall(this.key(map)).exec();
      if (!res) throw new Error('transaction aborted');
      const [[e1, version], [e2, entries]] = res as [[Error | null, string | null], [Error | null, Record<string, string>]];
      if (e1 || e2) throw e1 ?? e2;
      return { version: version ?? '0', entries: new Map(Object.entries(entries ?? {})) };
    });
  }

  apply(map: string, changes: ReadonlyMap<string, string | undefined>): Promise<{ before: string; after: string }> {
    return this.call('apply', async () => {
      const key = this.key(map);
      const sets: string[] = [];
      const dels: string[] = [];
      for (const [field, value] of changes) {
        if (value === undefined) dels.push(field);
        else sets.push(field, value);
      }
      let tx = this.redis.multi();
      if (sets.length > 0) tx = tx.hset(key, ...sets);
      if (dels.length > 0) tx = tx.hdel(key, ...dels);
      tx = tx.incr(`${key}:version`);
      const res = await tx.exec();
      if (!res) throw new Error('transaction aborted');
      for (const [err] of res) if (err) throw err;
      const after = Number(res[res.length - 1]![1]);
      return { before: String(after - 1), after: String(after) };
    });
  }

  async withMutex<T>(name: string, fn: () => Promise<T>, options: MutexOptions = {}): Promise<T> {
    const key = `${this.prefix}mutex:${name}`;
    const token = randomUUID();
    const ttl = options.ttlMs ?? 30_000;
    const deadline = Date.now() + (options.waitMs ?? 10_000);
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const got = await this.call('SET NX', () => this.redis.set(key, token, 'PX', ttl, 'NX'));
      if (got === 'OK') break;
      if (Date.now() >= deadline) throw new StateUnavailableError(`mutex ${name} busy`);
      await new Promise((r) => setTimeout(r, delay));
    }
    try {
      return await fn();
    } finally {
      await this.call('release', () => this.redis.eval(RELEASE, 1, key, token)).catch(() => undefined);
    }
  }

  async ping(): Promise<void> {
    await this.call('PING', () => this.redis.ping());
  }

  async close(): Promise<void> {
    if (this.redis.status === 'wait' || this.redis.status === 'end') {
      this.redis.disconnect();
      return;
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
