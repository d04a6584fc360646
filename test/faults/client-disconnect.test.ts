// The HTTP client goes away mid-download or mid-upload, on every server of the run: the FTP
// transfer stops, the session is discarded (nothing stays borrowed), nothing half-written is
// left under the target name or as a temporary file, and the next request works.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, siteUrl, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes } from '../helpers/http.js';
import { openPut, poolQuiet, runFolder, seedFile, sleep, tempFiles, waitFor } from './helpers.js';

describe.each(ftpServers({ tls: true }))('HTTP client disconnects on $name', (factory) => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  let run: Awaited<ReturnType<typeof runFolder>>;
  const big = bytes(32 * 1024 * 1024, 41);

  beforeAll(async () => {
    ftp = await factory.start();
    run = await runFolder(ftp, 'disconnect');
    await seedFile(run.dir, 'big.bin', big);
    await seedFile(run.dir, 'keep.txt', 'original');
    gw = await startGateway({ s: siteUrl(ftp, run.name, { poolSize: 2 }) });
  });
  afterAll(async () => {
    await gw?.close();
    await run?.remove();
    await ftp?.close();
  });
  const api = (action: string, path: string) => `${gw.base}/api/v1/sites/s/${action}/${path}`;

  it('mid-download: the transfer stops, the session is discarded, the next request works', async () => {
    const controller = new AbortController();
    const res = await fetch(api('files', 'big.bin'), { signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 512 * 1024) got += (await reader.read()).value?.length ?? 0;
    const openBefore = gw.fs.poolStats('s').open;
    controller.abort();
    await expect(reader.read()).rejects.toThrow();
    // The borrowed session is closed, not given back busy or lent again mid-transfer.
    expect(await waitFor(() => poolQuiet(gw, 's'), 3000)).toBe(true);
    expect(gw.fs.poolStats('s').open).toBeLessThan(openBefore);
    const next = await fetch(api('files', 'keep.txt'));
    expect(await next.text()).toBe('original');
  });

  it.each([
    ['an existing target', 'keep.txt', true],
    ['a new target', 'new.bin', false],
  ])('mid-upload over %s: the target is untouched, no temporary file stays, the session is discarded', async (_label, name, existed) => {
    const { req, response } = openPut(api('files', name), 20_000_000);
    await new Promise<void>((resolve) => req.write(bytes(2_000_000, 42), () => resolve()));
    // Let the STOR get going: a temporary file appears on the server.
    expect(await waitFor(async () => (await tempFiles(run.dir)).length > 0, 5000)).toBe(true);
    req.destroy();
    await response;
    const cut = Date.now();
    // The temporary file goes (removed by the gateway) and stops growing at once.
    expect(await waitFor(async () => (await tempFiles(run.dir)).length === 0, 8000)).toBe(true);
    const removedAfter = Date.now() - cut;
    expect(await waitFor(() => poolQuiet(gw, 's'), 3000)).toBe(true);
    if (existed) expect(await readFile(join(run.dir, name), 'utf8')).toBe('original');
    else expect(await stat(join(run.dir, name)).then(() => true, () => false)).toBe(false);
    await sleep(300); // a late rename would show up now
    expect(await tempFiles(run.dir)).toEqual([]);
    if (existed) expect(await readFile(join(run.dir, name), 'utf8')).toBe('original');
    else expect(await stat(join(run.dir, name)).then(() => true, () => false)).toBe(false);
    expect(removedAfter).toBeLessThan(8000);
    const next = await fetch(api('files', 'keep.txt'));
    expect(await next.text()).toBe('original');
  });
});
