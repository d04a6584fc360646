// A small shared state for what must be the same on every gateway instance (WebDAV locks and
// dead properties): named maps of strings, each with a version that changes whenever the map
// changes, and a named mutex. In SQLite under the data folder for one instance (the default),
// in Redis for several, in memory for tests.

export interface MapSnapshot {
  version: string;
  entries: Map<string, string>;
}

export interface StateStore {
  readonly kind: 'memory' | 'sqlite' | 'redis';
  /** The current version of a map; any change anywhere gives a new one. */
  version(map: string): Promise<string>;
  /** One field of a map, or undefined. */
  get(map: string, key: string): Promise<string | undefined>;
  /** The whole map and the version it is at, read atomically. */
  load(map: string): Promise<MapSnapshot>;
  /**
   * Set (string) or delete (undefined) fields at once and bump the version. Returns the
   * version before and after this change, read atomically with it.
   */
  apply(map: string, changes: ReadonlyMap<string, string | undefined>): Promise<{ before: string; after: string }>;
  /** Run `fn` holding a named mutex (across every instance sharing the store). */
  withMutex<T>(name: string, fn: () => Promise<T>, options?: MutexOptions): Promise<T>;
  /** Is the store reachable? (readiness) */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface MutexOptions {
  /** The mutex frees itself after this long, should its holder die (Redis). Default 30 s. */
  ttlMs?: number;
  /** Give up waiting after this long. Default 10 s. */
  waitMs?: number;
}

export class StateUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateUnavailableError';
  }
}
