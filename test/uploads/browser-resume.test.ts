// The page uploads a large file resumably (its own tus client, public/assets/tus-client.js) and
// finishes it byte-identical after its network was cut mid-upload (playwright takes the page
// offline for a moment). Debian's chromium through playwright-core; skipped without it
// unless FTPGATE_REQUIRE_EXTERNAL=1.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, type FtpFixture } from '../helpers/ftp-servers.js';
import { sha256 } from '../helpers/http.js';
import { browseUrl, getFile, launch, mkdirs, openPage, poll, skipBrowser, startWorld, type World } from '../browser/harness.js';

const MiB = 1024 * 1024;
const CHUNK = 2 * MiB;

for (const server of ftpServers()) {
  describe.skipIf(skipBrowser)(`resumable upload from the page over ${server.name}`, { timeout: 120_000 }, () => {
    let fixture: FtpFixture;
    let world: World;
    let browser: Browser;
    let scratch: string;

    beforeAll(async () => {
      fixture = await server.start();
      world = await startWorld(fixture);
      await mkdirs(world, world.base);
      browser = await launch();
      scratch = await mkdtemp(join(tmpdir(), 'ftpgate-upload-'));
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await fetch(`${world.gateway.base}/api/v1/sites/files/files/${encodeURIComponent(world.base.slice(1))}?recursive=true`, {
        method: 'DELETE',
      }).catch(() => {});
      await world?.gateway.close();
      await fixture?.close();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it('uploads a 40 MiB file that resumes after the page went offline, byte-identical', async () => {
      const data = randomBytes(40 * MiB);
      const file = join(scratch, 'large video.bin');
      await writeFile(file, data);

      const { context, page, problems } = await openPage(browser);
      await context.addInitScript((chunk) => localStorage.setItem('ftpgate.uploadChunkBytes', String(chunk)), CHUNK);
      const calls: { method: string; offset?: number; bytes: number; ok?: boolean }[] = [];
      let cutAt: number | undefined;
      let tusClientLoads = 0;
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname === '/assets/tus-client.js') tusClientLoads++;
        if (!url.pathname.includes('/uploads/')) return;
        const offset = request.headers()['upload-offset'];
        // A PATCH body is a slice of the file (playwright does not show Blob bodies): CHUNK bytes, or the rest.
        const bytes = request.method() === 'PATCH' && offset ? Math.min(CHUNK, data.length - Number(offset)) : 0;
        const call = { method: request.method(), bytes, ...(offset ? { offset: Number(offset) } : {}) };
        calls.push(call);
        // Cut the network while the PATCH from 12 MiB on is under way.
        if (call.method === 'PATCH' && call.offset !== undefined && call.offset >= 12 * MiB && cutAt === undefined) {
          cutAt = call.offset;
          void context.setOffline(true);
        }
      });
      page.on('requestfailed', (request) => {
        const found = [...calls].reverse().find((c) => c.method === request.method());
        if (found) found.ok = false;
      });

      await page.goto(browseUrl(world, world.base));
      await page.locator('#btn-upload').waitFor();
      expect(tusClientLoads).toBe(0); // not part of the first load
      const started = Date.now();
      await page.setInputFiles('#pick-files', file);

      // Offline: the item says so and waits; then the network comes back.
      await poll(() => cutAt !== undefined, 30_000).toBe(true);
      await poll(() => page.locator('#up-list .up-status').textContent(), 10_000).toContain('resuming');
      await page.waitForTimeout(1500);
      await context.setOffline(false);

      await poll(() => page.locator('#up-list .up-status').textContent(), 60_000).toBe('Done');
      const seconds = (Date.now() - started) / 1000;
      expect(tusClientLoads).toBe(1);

      const stored = await getFile(world, `${world.base}/large video.bin`);
      expect(stored?.length).toBe(data.length);
      expect(sha256(stored!)).toBe(sha256(data));
      const left = (await readdir(join(fixture.root, world.base))).filter((n) => n.startsWith('.ftpgate-'));
      expect(left).toEqual([]);

      const patches = calls.filter((c) => c.method === 'PATCH');
      const failed = calls.filter((c) => c.ok === false);
      const heads = calls.filter((c) => c.method === 'HEAD');
      const sent = patches.reduce((n, c) => n + c.bytes, 0);
      expect(failed.length).toBeGreaterThan(0);
      expect(heads.length).toBeGreaterThan(0); // it asked the gateway where to go on
      // Nothing was sent twice beyond the chunk in flight when the network went away.
      expect(sent - data.length).toBeLessThanOrEqual(CHUNK);
      console.log(
        `page upload over ${server.name}: 40 MiB in ${seconds.toFixed(1)} s, cut at ${(cutAt! / MiB).toFixed(0)} MiB, ` +
          `${patches.length} PATCHes, ${failed.length} failed requests, ${heads.length} HEADs, ${((sent - data.length) / MiB).toFixed(2)} MiB re-sent`,
      );
      expect(problems).toEqual([]);
      await context.close();
    });
  });
}
