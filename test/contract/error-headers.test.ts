// A download that fails before its first byte is answered with an error, and that error must
// not keep the headers the download had already set for the file: a browser saved the problem
// body of a failed folder zip as "folder.zip" (content-disposition: attachment), and a failed
// GET carried the vanished file's ETag and Last-Modified.
// The failure: the folder is listed (the listing is cached), then the file is removed behind the
// gateway's back, so the entry is still known but RETR is refused.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const FILE_HEADERS = ['content-disposition', 'etag', 'last-modified', 'accept-ranges', 'content-range'];

describe.each(ftpServers())('an error in place of a download on $name', (factory) => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  let dir: string;
  const run = `errhdr-${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    ftp = await factory.start();
    dir = join(ftp.root, run);
    await mkdir(dir, { recursive: true, mode: 0o777 });
    gw = await startGateway({ s: `${ftp.url}${run}?poolSize=2&listingCacheTtl=60000` });
  });
  afterAll(async () => {
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
    await ftp?.close();
  });

  /** A folder holding one file, listed through the gateway, then emptied on the server's disk. */
  async function vanished(folder: string): Promise<void> {
    await mkdir(join(dir, folder), { mode: 0o777 });
    await writeFile(join(dir, folder, 'gone.txt'), 'soon gone\n');
    const listed = await fetch(`${gw.base}/api/v1/sites/s/list/${folder}/`);
    expect((await listed.json()) as unknown).toMatchObject({ entries: [{ name: 'gone.txt' }] });
    await rm(join(dir, folder, 'gone.txt'));
  }

  const kept = (res: Response) => FILE_HEADERS.filter((name) => res.headers.has(name));

  it('a folder zip whose only file is refused is a problem, not an attachment', async () => {
    await vanished('zipped');
    const res = await fetch(`${gw.base}/api/v1/sites/s/zip/zipped/`);
    // 404 from most servers; one answers RETR of a missing file with a reply the gateway maps to 502.
    expect([404, 502]).toContain(res.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(kept(res)).toEqual([]);
    await res.json();
  });

  it("a REST GET and a WebDAV GET of a refused file carry none of the file's headers", async () => {
    await vanished('plain');
    const rest = await fetch(`${gw.base}/api/v1/sites/s/files/plain/gone.txt`);
    expect([404, 502]).toContain(rest.status);
    expect(kept(rest)).toEqual([]);
    await rest.arrayBuffer();
    const dav = await fetch(`${gw.base}/dav/s/plain/gone.txt`);
    expect([404, 502]).toContain(dav.status);
    expect(kept(dav)).toEqual([]);
    await dav.arrayBuffer();
  });
});
