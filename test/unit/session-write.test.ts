// FtpSession.write is the one upload path: STOR replaces a file, APPE adds to its end (tus
// chunks), both count the bytes sent; only STOR is timed for /metrics (RETR, STOR per its help).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type SiteConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { FTP_CHANNELS, type FtpTransferMessage } from '../../src/ftp/diagnostics.js';
import { FtpSession } from '../../src/ftp/session.js';
import { inProcessServer, type FtpFixture } from '../helpers/ftp-servers.js';

const quiet = { debug: () => {}, warn: () => {} };

describe('FtpSession.write: replace (STOR) and append (APPE)', () => {
  let fixture: FtpFixture;
  let site: SiteConfig;
  let session: FtpSession;
  const transfers: FtpTransferMessage[] = [];
  const onTransfer = (m: unknown) => transfers.push(m as FtpTransferMessage);

  beforeAll(async () => {
    fixture = await inProcessServer.start();
    site = validateConfig({ listen: { host: '127.0.0.1', port: 0 }, sites: [parseSiteUrl('w', fixture.url)] }).sites[0]!;
    session = await FtpSession.open(site, { user: site.user, password: site.password }, {}, quiet);
    subscribe(FTP_CHANNELS.transfer, onTransfer);
  });
  afterAll(async () => {
    unsubscribe(FTP_CHANNELS.transfer, onTransfer);
    await session?.quit();
    await fixture?.close();
  });

  it('replaces a file by default and reports the bytes sent, timed once as an upload', async () => {
    await writeFile(join(fixture.root, 'r.txt'), 'old content that is longer');
    transfers.length = 0;
    expect(await session.write('/r.txt', Readable.from([Buffer.from('new')]))).toBe(3);
    expect(await readFile(join(fixture.root, 'r.txt'), 'utf8')).toBe('new');
    expect(transfers).toEqual([expect.objectContaining({ site: 'w', direction: 'upload', ok: true })]);
  });

  it('appends in append mode and reports only the bytes of this chunk, untimed', async () => {
    await writeFile(join(fixture.root, 'a.txt'), 'first,');
    transfers.length = 0;
    expect(await session.write('/a.txt', Readable.from([Buffer.from('second')]), 'append')).toBe(6);
    expect(await session.write('/a.txt', Readable.from([Buffer.from(',third')]), 'append')).toBe(6);
    expect(await readFile(join(fixture.root, 'a.txt'), 'utf8')).toBe('first,second,third');
    expect(transfers).toEqual([]);
  });
});
