// `credentials` (on a site URL or in a config file) is the old name of `auth`: still accepted,
// with one deprecation warning at start that names the site and the replacement.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { validateConfig } from '../../src/config/schema.js';

describe('site option names', () => {
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

  it('warns once for "credentials:" in a config file, naming the site and "auth", and still applies it', async () => {
    process.on('warning', listener);
    const dir = mkdtempSync(join(tmpdir(), 'ftpgate-cfg-'));
    const file = join(dir, 'ftpgate.yaml');
    writeFileSync(
      file,
      ['sites:', '  legacy:', '    host: ftp.example', '    credentials: pass-through', '  current:', '    host: ftp.example', '    auth: public', ''].join('\n'),
    );
    const config = loadConfig({ config: file }, {});
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['DeprecationWarning: site "legacy": the setting "credentials" in the config file is deprecated; use "auth: pass-through"']);
    expect(config.sites.map((s) => [s.name, s.auth])).toEqual([['legacy', 'pass-through'], ['current', 'public']]);
  });

  it("gives no warning for a site URL without credentials inside a config file (the URL parser's own default is no setting)", async () => {
    process.on('warning', listener);
    const dir = mkdtempSync(join(tmpdir(), 'ftpgate-cfg-'));
    const file = join(dir, 'ftpgate.json');
    writeFileSync(file, JSON.stringify({ sites: { plain: { url: 'ftp://u:p@ftp.example/' }, open: 'ftp://ftp.example/' } }));
    const config = loadConfig({ config: file }, {});
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
    expect(config.sites.map((s) => [s.name, s.auth])).toEqual([['plain', 'fixed'], ['open', 'pass-through']]);
  });
});
