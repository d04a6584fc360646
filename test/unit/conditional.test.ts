import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import { etagOf, noneMatchHits, notModified, requestedRange } from '../../src/http/conditional.js';

const entry = { name: 'f', type: 'file' as const, size: 1000, modified: new Date('2026-11-20T10:00:00Z') };

describe('byte ranges', () => {
  it.each([
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=900-', { start: 900, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    ['bytes=990-2000', { start: 990, end: 999 }],
  ])('%s', (range, expected) => {
    expect(requestedRange({ range }, entry)).toEqual(expected);
  });
  it('sends the whole file for multiple, malformed or backwards ranges', () => {
    expect(requestedRange({ range: 'bytes=0-1,5-6' }, entry)).toBeUndefined();
    expect(requestedRange({ range: 'items=0-1' }, entry)).toBeUndefined();
    expect(requestedRange({ range: 'bytes=50-10' }, entry)).toBeUndefined();
  });
  it('answers 416 past the end', () => {
    expect(() => requestedRange({ range: 'bytes=1000-' }, entry)).toThrow(GatewayError);
    expect(() => requestedRange({ range: 'bytes=-0' }, entry)).toThrow(GatewayError);
  });
  it('ignores the range when If-Range no longer matches', () => {
    expect(requestedRange({ range: 'bytes=0-9', 'if-range': '"other"' }, entry)).toBeUndefined();
    expect(requestedRange({ range: 'bytes=0-9', 'if-range': etagOf(entry) }, entry)).toEqual({ start: 0, end: 9 });
  });
});

describe('conditional GET', () => {
  it('matches If-None-Match against the ETag, weak or strong, or *', () => {
    expect(notModified({ 'if-none-match': etagOf(entry) }, entry)).toBe(true);
    expect(notModified({ 'if-none-match': `"x", W/${etagOf(entry)}` }, entry)).toBe(true);
    expect(notModified({ 'if-none-match': '"x"' }, entry)).toBe(false);
  });
  it('If-None-Match for a write: "*" and listed ETags hit an existing file, nothing hits a missing one', () => {
    expect(noneMatchHits('*', entry)).toBe(true);
    expect(noneMatchHits(`"x", W/${etagOf(entry)}`, entry)).toBe(true);
    expect(noneMatchHits('"x"', entry)).toBe(false);
    expect(noneMatchHits('*', undefined)).toBe(false);
    expect(noneMatchHits(etagOf(entry), undefined)).toBe(false);
  });
  it('compares If-Modified-Since at second precision', () => {
    expect(notModified({ 'if-modified-since': 'Fri, 20 Nov 2026 10:00:00 GMT' }, entry)).toBe(true);
    expect(notModified({ 'if-modified-since': 'Fri, 20 Nov 2026 09:59:59 GMT' }, entry)).toBe(false);
  });
  it('changes the ETag when size or time changes', () => {
    expect(etagOf({ ...entry, size: 1001 })).not.toBe(etagOf(entry));
    expect(etagOf({ ...entry, modified: new Date('2026-11-20T10:01:00Z') })).not.toBe(etagOf(entry));
  });
});
