// The kept PROPFIND answers stay within their budget, least recently used out first, and go
// when nobody asked for them for 5 minutes.
import { describe, expect, it } from 'vitest';
import { AnswerCache, type MembersAnswer } from '../../src/webdav/answer-cache.js';

const answer = (bytes: number): MembersAnswer => ({ entries: [], keys: [], bags: [], ends: new Uint32Array(0), reusable: new Uint8Array(0), xml: Buffer.alloc(bytes) });

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

  it("keeps an empty folder's answer (no bytes at all)", () => {
    const cache = new AnswerCache(1000, 10);
    cache.set('empty', answer(0));
    expect(cache.get('empty')).toBeDefined();
  });
});
