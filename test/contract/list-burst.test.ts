// A burst of requests for one folder (64 parallel GETs when its cached listing has expired)
// shares one LIST per login instead of sending one each; a change made through the site in
// the meantime is never hidden by a listing begun before it.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type SiteConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import type { Backend, Call } from '../../src/core/backend.js';
import { createFtpBackend } from '../../src/ftp/index.js';
import { ftpServers, siteUrl, type FtpFixture } from '../helpers/ftp-servers.js';

const LISTING = /^> (LIST|MLSD)\b/;

describe.each(ftpServers())('listings in a burst, on $name', (factory) => {
  let ftp: FtpFixture;
  let site: SiteConfig;
  let backend: Backend;
  const sent: string[] = [];
  const dir = `burst-${process.pid}-${Date.now().toString(36)}`;
  let call: Call;
  const folder = () => `${site.root.replace(/\/$/, '')}/${dir}`;
  const listings = () => sent.filter((c) => LISTING.test(c)).length;

  beforeAll(async () => {
    ftp = await factory.start();
    await mkdir(join(ftp.root, dir));
    await chmod(join(ftp.root, dir), 0o777);
    for (const name of ['a.bin', 'b.bin', 'c.bin']) {
      await writeFile(join(ftp.root, dir, name), name);
      await chmod(join(ftp.root, dir, name), 0o666);
    }
    site = validateConfig({ listen: { host: '127.0.0.1', port: 0 }, sites: [parseSiteUrl('b', siteUrl(ftp, '', { poolSize: 8 }))] }).sites[0]!;
    const log = {
      debug: (obj: object) => {
        const line = (obj as { ftp?: string }).ftp;
        if (line?.startsWith('> ')) sent.push(line);
      },
      warn: () => {},
    };
    backend = createFtpBackend(site, { log });
    call = { login: { user: site.user, password: site.password }, what: 'test' };
    await backend.list(call, folder()); // logged in
  });

  afterAll(async () => {
    await backend?.close();
    await ftp?.close();
  });

  it('twelve requests at once send one LIST, and each gets the whole listing in its own copy', async () => {
    const before = listings();
    const all = await Promise.all(Array.from({ length: 12 }, () => backend.list(call, folder())));
    expect(listings() - before).toBe(1);
    for (const entries of all) expect(entries.map((e) => e.name).sort()).toEqual(['a.bin', 'b.bin', 'c.bin']);
    // Nobody shares an array or an entry with another caller.
    all[0]!.push({ name: 'x', type: 'file', size: 1 });
    (all[1]![0] as { size: number }).size = -1;
    for (const entries of all.slice(2)) {
      expect(entries).toHaveLength(3);
      expect(entries.every((e) => e.size >= 0)).toBe(true);
    }
  });

  it('one after another, each sends its own LIST', async () => {
    const before = listings();
    await backend.list(call, folder());
    await backend.list(call, folder());
    expect(listings() - before).toBe(2);
  });

  it('a listing asked once a change has begun does not take the answer of one begun before it', async () => {
    const before = listings();
    const early = backend.list(call, folder());
    const upload = backend.store(call, `${folder()}/d.bin`, Readable.from([Buffer.from('new file')]));
    const late = backend.list(call, folder());
    await upload;
    const after = backend.list(call, folder()); // after the change ended: its own LIST, with the file
    const [, lateEntries, afterEntries] = await Promise.all([early, late, after]);
    expect(listings() - before).toBe(3);
    expect(lateEntries).not.toBe(await early);
    expect(afterEntries.map((e) => e.name)).toContain('d.bin');
  });
});
