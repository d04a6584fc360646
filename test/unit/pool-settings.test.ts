// The settings of the pool's shares, warm-up, learned caps and stalled-transfer limits: read
// from a site URL, checked, and refused with the field named when wrong.
import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';

const load = (query: string) =>
  validateConfig({ listen: { host: '127.0.0.1', port: 0 }, sites: [parseSiteUrl('s', `ftp://u:p@127.0.0.1/${query}`)] }).sites[0]!;

describe('pool and stall settings', () => {
  it('have defaults that no real client on a slow line trips', () => {
    const site = load('');
    expect(site).toMatchObject({ clientShare: 0.5, minIdle: 1, capRetryMs: 300_000, minTransferRate: 1024, minTransferRateWindowMs: 30_000, transferIdleTimeoutMs: 30_000 });
  });

  it('are read from a site URL', () => {
    const site = load('?clientShare=0.25&minIdle=0&capRetry=1000&minTransferRate=2KiB&minTransferRateWindow=5000&transferIdleTimeout=0');
    expect(site).toMatchObject({ clientShare: 0.25, minIdle: 0, capRetryMs: 1000, minTransferRate: 2048, minTransferRateWindowMs: 5000, transferIdleTimeoutMs: 0 });
    expect(load('?minTransferRate=0').minTransferRate).toBe(0); // off
  });

  it('refuse values that make no sense, naming the field', () => {
    for (const [query, field] of [
      ['?clientShare=0', 'sites.s.clientShare'],
      ['?clientShare=1.5', 'sites.s.clientShare'],
      ['?minIdle=-1', 'sites.s.minIdle'],
      ['?minTransferRate=10', 'sites.s.minTransferRate'], // below 1 KiB/s: 0 or at least 1024
      ['?minTransferRateWindow=10', 'sites.s.minTransferRateWindowMs'],
    ] as const) {
      expect(() => load(query), query).toThrow(ConfigError);
      try {
        load(query);
      } catch (err) {
        expect((err as ConfigError).field).toBe(field);
      }
    }
  });
});
