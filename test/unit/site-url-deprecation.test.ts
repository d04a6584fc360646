// `credentials` on a site URL is the old name of `auth`: still accepted, with a deprecation warning.
import { afterEach, describe, expect, it } from 'vitest';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { validateConfig } from '../../src/config/schema.js';

describe('site URL option names', () => {
  const seen: string[] = [];
  const listener = (w: Error) => seen.push(`${w.name}: ${w.message}`);
  afterEach(() => {
    process.off('warning', listener);
    seen.length = 0;
  });

  it('warns that "credentials" is deprecated and still applies it; "auth" gives no warning', async () => {
    process.on('warning', listener);
    const old = parseSiteUrl('old', 'ftp://u:p@127.0.0.1/?credentials=pass-through');
    const now = parseSiteUrl('now', 'ftp://127.0.0.1/?auth=public');
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    expect(seen).toEqual(['DeprecationWarning: site "old": the site URL option "credentials" is deprecated; use "auth=pass-through"']);
    const config = validateConfig({ listen: { host: '127.0.0.1', port: 0 }, sites: [old, now] });
    expect(config.sites.map((s) => [s.name, s.auth])).toEqual([['old', 'pass-through'], ['now', 'public']]);
  });
});
