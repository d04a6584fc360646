// The listing cache keeps a folder's listing for its TTL and no longer (src/core/listing-cache.ts),
// reading the clock at each look-up.
import { describe, expect, it } from 'vitest';
import { ListingCache } from '../../src/core/listing-cache.js';

const entries = [{ name: 'a.txt', type: 'file' as const, size: 1 }];

describe('ListingCache', () => {
  it('answers within the TTL, and not after it', async () => {
    const cache = new ListingCache(60);
    cache.set('owner', '/d', entries);
    expect(cache.get('owner', '/d')).toBe(entries);
    expect(cache.get('other', '/d')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 100));
    expect(cache.get('owner', '/d')).toBeUndefined();
  });

  it('keeps nothing with a TTL of 0, and forgets a folder and what is below it on invalidate', () => {
    const off = new ListingCache(0);
    off.set('owner', '/d', entries);
    expect(off.get('owner', '/d')).toBeUndefined();
    const cache = new ListingCache(60_000);
    for (const path of ['/d', '/d/e', '/de']) cache.set('owner', path, entries);
    cache.invalidate('/d');
    expect([cache.get('owner', '/d'), cache.get('owner', '/d/e'), cache.get('owner', '/de')]).toEqual([undefined, undefined, entries]);
  });
});
