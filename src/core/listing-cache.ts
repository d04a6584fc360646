// A short-lived cache of folder listings, so that a burst of requests (a browser page,
// a WebDAV client's PROPFINDs, stat before download) costs one LIST. Every change made
// through the gateway invalidates what it touched.
import { LRUCache } from 'lru-cache';
import type { ListedEntry } from './types.js';

export class ListingCache {
  private readonly cache: LRUCache<string, ListedEntry[]>;

  constructor(ttlMs: number, max = 2_000) {
    // ttlResolution 0: read the clock at each look-up. The default (1 ms) caches the time and
    // starts a timer to forget it, one timer per look-up: every warm GET looks up a listing.
    this.cache = new LRUCache<string, ListedEntry[]>({ max, ttl: Math.max(ttlMs, 1), ttlAutopurge: false, ttlResolution: 0 });
    this.enabled = ttlMs > 0;
  }

  private readonly enabled: boolean;

  private static key(owner: string, path: string): string {
    return `${owner}\n${path}`;
  }

  get(owner: string, path: string): ListedEntry[] | undefined {
    return this.enabled ? this.cache.get(ListingCache.key(owner, path)) : undefined;
  }

  set(owner: string, path: string, entries: ListedEntry[]): void {
    if (this.enabled) this.cache.set(ListingCache.key(owner, path), entries);
  }

  /** Forget a folder's listing and everything below it, for every login (others see the change too). */
  invalidate(path: string): void {
    const below = path.endsWith('/') ? path : path + '/';
    for (const key of this.cache.keys()) {
      const cached = key.slice(key.indexOf('\n') + 1);
      if (cached === path || cached.startsWith(below)) this.cache.delete(key);
    }
  }

  clear(): void {
    this.cache.clear();
  }
}
