// A short-lived cache of folder listings, so that a burst of requests (a browser page,
// a WebDAV client's PROPFINDs, stat before download) costs one LIST. Every change made
// through the gateway invalidates what it touched.
import { LRUCache } from 'lru-cache';
import type { FtpEntry } from '../ftp/types.js';

export class ListingCache {
  private readonly cache: LRUCache<string, FtpEntry[]>;

  constructor(ttlMs: number, max = 2_000) {
    this.cache = new LRUCache<string, FtpEntry[]>({ max, ttl: Math.max(ttlMs, 1), ttlAutopurge: false });
    this.enabled = ttlMs > 0;
  }

  private readonly enabled: boolean;

  private static key(owner: string, ftpPath: string): string {
    return `${owner}\n${ftpPath}`;
  }

  get(owner: string, ftpPath: string): FtpEntry[] | undefined {
    return this.enabled ? this.cache.get(ListingCache.key(owner, ftpPath)) : undefined;
  }

  set(owner: string, ftpPath: string, entries: FtpEntry[]): void {
    if (this.enabled) this.cache.set(ListingCache.key(owner, ftpPath), entries);
  }

  /** Forget a folder's listing and everything below it, for every login (others see the change too). */
  invalidate(ftpPath: string): void {
    const below = ftpPath.endsWith('/') ? ftpPath : ftpPath + '/';
    for (const key of this.cache.keys()) {
      const path = key.slice(key.indexOf('\n') + 1);
      if (path === ftpPath || path.startsWith(below)) this.cache.delete(key);
    }
  }

  clear(): void {
    this.cache.clear();
  }
}
