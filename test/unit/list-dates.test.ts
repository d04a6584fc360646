import { describe, expect, it } from 'vitest';
import { parseDosListDate, parseListDate, parseUnixListDate } from '../../src/ftp/list-dates.js';

const now = new Date(Date.UTC(2026, 10, 25, 12, 0)); // 2026-11-25 12:00 UTC

describe('Unix LIST dates', () => {
  it('reads a year-less date as this year when it is not in the future', () => {
    expect(parseUnixListDate('Nov 25 06:35', now)?.toISOString()).toBe('2026-11-25T06:35:00.000Z');
    expect(parseUnixListDate('Jun  1 23:59', now)?.toISOString()).toBe('2026-06-01T23:59:00.000Z');
  });
  it('puts a year-less date that would be in the future into the previous year', () => {
    expect(parseUnixListDate('Dec 24 10:00', now)?.toISOString()).toBe('2025-12-24T10:00:00.000Z');
  });
  it('reads dates with a year', () => {
    expect(parseUnixListDate('Feb  3  2019', now)?.toISOString()).toBe('2019-02-03T00:00:00.000Z');
  });
  it('returns undefined for text it does not know', () => {
    expect(parseUnixListDate('yesterday', now)).toBeUndefined();
    expect(parseUnixListDate('Foo 12 10:00', now)).toBeUndefined();
  });
});

describe('MS-DOS (IIS) LIST dates', () => {
  it('reads 12-hour times', () => {
    expect(parseDosListDate('11-22-26  02:08PM')?.toISOString()).toBe('2026-11-22T14:08:00.000Z');
    expect(parseDosListDate('01-02-99  12:05AM')?.toISOString()).toBe('1999-01-02T00:05:00.000Z');
    expect(parseDosListDate('01-02-26  12:05PM')?.toISOString()).toBe('2026-01-02T12:05:00.000Z');
  });
  it('reads 24-hour times and four-digit years', () => {
    expect(parseDosListDate('11-22-2026  14:08')?.toISOString()).toBe('2026-11-22T14:08:00.000Z');
  });
  it('is chosen by parseListDate from the shape of the text', () => {
    expect(parseListDate('11-22-26  02:08PM', now)?.getUTCHours()).toBe(14);
    expect(parseListDate('Nov 25 06:35', now)?.getUTCMonth()).toBe(10);
    expect(parseListDate('', now)).toBeUndefined();
  });
});
