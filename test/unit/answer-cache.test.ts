// The kept answers (PROPFIND Depth 1 members, REST JSON listings) stay within their budget,
// least recently used out first, and go when nobody asked for them for 5 minutes; a kept
// answer is taken as still showing a listing only when every entry is the same or equal.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/core/types.js';
import { AnswerCache, sameEntry, stillShows, type KeptAnswer } from '../../src/http/answer-cache.js';

const answer = (bytes: number): KeptAnswer => ({ entries: [], bytes: Buffer.alloc(bytes) });

describe('AnswerCache', () => {
  it('drops the least recently used answers to stay within its bytes and its count', () => {
    const cache = new AnswerCache(1000, 3);
    cache.set('a', answer(400));
    cache.set('b', answer(400));
    expect(cache.get('a')).toBeDefined(); // a is now more recent than b
    cache.set('c', answer(400)); // 1,200 bytes: b goes
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    cache.set('d', answer(10));
    cache.set('e', answer(10)); // four answers: the oldest (a) goes
    expect(cache.get('a')).toBeUndefined();
    expect(['c', 'd', 'e'].map((k) => cache.get(k) !== undefined)).toEqual([true, true, true]);
  });

  it('keeps no answer larger than half its budget, and a replaced answer counts once', () => {
    const cache = new AnswerCache(1000, 10);
    cache.set('big', answer(501));
    expect(cache.get('big')).toBeUndefined();
    for (let i = 0; i < 5; i++) cache.set('same', answer(400));
    cache.set('other', answer(400));
    expect(cache.get('same')).toBeDefined();
    expect(cache.get('other')).toBeDefined();
    cache.set('same', answer(501)); // too big now: the old one goes too
    expect(cache.get('same')).toBeUndefined();
  });

  it('forgets an answer nobody asked for in 5 minutes, and keeps one still in use', () => {
    let now = 1; // lru-cache takes a start time of 0 for "no TTL"
    const cache = new AnswerCache(1000, 10, { now: () => now });
    cache.set('idle', answer(10));
    cache.set('used', answer(10));
    for (let minute = 1; minute <= 6; minute++) {
      now = 1 + minute * 60_000;
      expect(cache.get('used')).toBeDefined();
    }
    expect(cache.get('idle')).toBeUndefined();
  });

  it('counts 256 bytes for each entry an answer keeps alive', () => {
    const cache = new AnswerCache(10_000, 10);
    const entries: Entry[] = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, type: 'file', size: i }));
    cache.set('a', { entries, bytes: Buffer.alloc(100) }); // 100 + 20 × 256 = 5,220: more than half
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', { entries: entries.slice(0, 10), bytes: Buffer.alloc(100) }); // 2,660
    cache.set('c', { entries: entries.slice(0, 10), bytes: Buffer.alloc(100) });
    cache.set('d', { entries: entries.slice(0, 10), bytes: Buffer.alloc(100) });
    cache.set('e', { entries: entries.slice(0, 10), bytes: Buffer.alloc(100) }); // 10,640 in all: b goes
    expect(['b', 'c', 'd', 'e'].map((k) => cache.get(k) !== undefined)).toEqual([false, true, true, true]);
  });

  it("keeps an empty folder's answer (no bytes at all)", () => {
    const cache = new AnswerCache(1000, 10);
    cache.set('empty', answer(0));
    expect(cache.get('empty')).toBeDefined();
  });
});

describe('stillShows', () => {
  const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
  const listing = (): Entry[] => [
    { name: 'a.txt', type: 'file', size: 1, modified: t(0) },
    { name: 'b.txt', type: 'file', size: 2, modified: t(0), generation: 'g1' },
    { name: 'sub', type: 'directory', size: 0 },
  ];

  it('holds for the same entries, and for equal ones listed again, which it then keeps', () => {
    const first = listing();
    const kept: KeptAnswer = { entries: first.slice(), bytes: Buffer.from('x') };
    expect(stillShows(kept, first)).toBe(true);
    expect(kept.entries[0]).toBe(first[0]);
    const again = listing();
    expect(stillShows(kept, again)).toBe(true);
    expect(kept.entries[0]).toBe(again[0]); // compared by identity from now on
    expect(kept.entries).not.toBe(again); // its own copy: the caller may sort its list
  });

  it('fails for a listing with an entry more, less, renamed, resized, retimed, retyped or with another generation', () => {
    const changes: Array<(l: Entry[]) => Entry[]> = [
      (l) => [...l, { name: 'c.txt', type: 'file', size: 3 }],
      (l) => l.slice(1),
      (l) => [{ ...l[0]!, name: 'A.txt' }, ...l.slice(1)],
      (l) => [{ ...l[0]!, size: 10 }, ...l.slice(1)],
      (l) => [{ ...l[0]!, modified: t(1) }, ...l.slice(1)],
      (l) => [{ ...l[0]!, modified: undefined }, ...l.slice(1)],
      (l) => [l[0]!, l[1]!, { ...l[2]!, type: 'symlink' }],
      (l) => [l[0]!, { ...l[1]!, generation: 'g2' }, l[2]!],
      (l) => [l[0]!, (({ generation: _, ...rest }) => rest)(l[1]!), l[2]!],
      (l) => [l[1]!, l[0]!, l[2]!],
    ];
    for (const [i, change] of changes.entries()) {
      const kept: KeptAnswer = { entries: listing(), bytes: Buffer.from('x') };
      expect(stillShows(kept, change(listing())), `change ${i}`).toBe(false);
    }
  });

  it("asks its caller about each entry's other parts", () => {
    const l = listing();
    const kept: KeptAnswer = { entries: l.slice(), bytes: Buffer.from('x') };
    expect(stillShows(kept, l, (i) => i !== 1)).toBe(false);
    expect(stillShows(kept, l, () => true)).toBe(true);
  });

  it('compares times by their instant, and holds for an empty folder', () => {
    expect(sameEntry({ name: 'a', type: 'file', size: 1, modified: t(5) }, { name: 'a', type: 'file', size: 1, modified: t(5) })).toBe(true);
    expect(sameEntry({ name: 'a', type: 'file', size: 1, modified: new Date(NaN) }, { name: 'a', type: 'file', size: 1, modified: new Date(NaN) })).toBe(false);
    expect(stillShows({ entries: [], bytes: Buffer.from('{}') }, [])).toBe(true);
  });
});
