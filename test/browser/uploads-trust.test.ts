// Uploads you can trust: the size limit is said before anything is sent and a file past it shows
// as failed (no full bar); the finished panel folds to one line; leaving during an upload asks
// first; after a reload the page offers to resume an unfinished upload by picking the same file.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { sha256 } from '../helpers/http.js';
import { launch, openPage, PHONE, poll, screenshot, skipBrowser, until } from './harness.js';

const MiB = 1024 * 1024;
const CHUNK = 2 * MiB;
const server = ftpServers()[0]!; // the in-process server

describe.skipIf(skipBrowser)('uploads you can trust', { timeout: 120_000 }, () => {
  let fixture: FtpFixture;
  let gw: TestGateway;
  let browser: Browser;
  let scratch: string;
  const folder = `up-${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    fixture = await server.start();
    gw = await startGateway({ files: fixture.url }, { uploadLimitBytes: 30 * MiB });
    await fetch(`${gw.base}/api/v1/sites/files/mkdir/${folder}`, { method: 'POST' });
    browser = await launch();
    scratch = await mkdtemp(join(tmpdir(), 'ftpgate-trust-'));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await fetch(`${gw.base}/api/v1/sites/files/files/${folder}?recursive=true`, { method: 'DELETE' }).catch(() => {});
    await gw?.close();
    await fixture?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('says the limit first; a file past it shows as failed; a finished panel folds to one line', async () => {
    const { page, problems, context } = await openPage(browser, { viewport: { width: 1366, height: 800 } });
    await page.goto(`${gw.base}/browse/files/${folder}/`);
    await poll(() => page.locator('#btn-upload').getAttribute('title')).toBe('Up to 30 MB per file');
    const big = join(scratch, 'too big.bin');
    await writeFile(big, Buffer.alloc(31 * MiB));
    const small = join(scratch, 'small.txt');
    await writeFile(small, 'small file');
    await page.setInputFiles('#pick-files', [big, small]);
    await until.contains(page.locator('#up-summary'), '1 of 2 done, 1 failed');
    const failed = page.locator('#up-list li.failed');
    await until.contains(failed, 'Too large: the limit is 30 MB');
    expect(await failed.locator('progress').isVisible()).toBe(false);
    // Something failed: the panel stays open to be read. Next time all goes well, it folds.
    expect(await page.locator('#uploads').getAttribute('class')).not.toContain('collapsed');
    await page.locator('#up-close').click();
    const other = join(scratch, 'other.txt');
    await writeFile(other, 'other file');
    await page.setInputFiles('#pick-files', other);
    await until.contains(page.locator('#up-summary'), '1 of 1 done');
    await poll(() => page.locator('#uploads').getAttribute('class')).toContain('collapsed');
    const box = (await page.locator('#uploads').boundingBox())!;
    expect(box.height).toBeLessThan(90);
    await screenshot(page, 'uploads-desktop-collapsed');
    expect(problems).toEqual([]);
    await context.close();

    const phone = await openPage(browser, { viewport: PHONE, isMobile: true, hasTouch: true, colorScheme: 'dark' });
    await phone.page.goto(`${gw.base}/browse/files/${folder}/`);
    await phone.page.locator('#btn-upload').waitFor();
    const third = join(scratch, 'third.txt');
    await writeFile(third, 'third file');
    await phone.page.setInputFiles('#pick-files', third);
    await until.contains(phone.page.locator('#up-summary'), '1 of 1 done');
    await poll(() => phone.page.locator('#uploads').getAttribute('class')).toContain('collapsed');
    expect((await phone.page.locator('#uploads').boundingBox())!.height).toBeLessThan(100);
    await screenshot(phone.page, 'uploads-phone-dark-collapsed');
    expect(phone.problems).toEqual([]);
    await phone.context.close();
  });

  for (const [size, viewport, mobile] of [['desktop', { width: 1366, height: 800 }, {}], ['phone', PHONE, { isMobile: true, hasTouch: true }]] as const) {
  it(`asks before leaving during an upload, and after the reload resumes it from the same file (${size})`, async () => {
    const data = randomBytes(20 * MiB);
    const file = join(scratch, `resume ${size}.bin`);
    await writeFile(file, data);
    const context = await browser.newContext({ viewport, ...mobile });
    await context.addInitScript((chunk) => localStorage.setItem('ftpgate.uploadChunkBytes', String(chunk)), CHUNK);
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.type());
      void d.accept(); // leave anyway
    });
    const patches: number[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PATCH') patches.push(Number(r.headers()['upload-offset']));
    });
    await page.goto(`${gw.base}/browse/files/${folder}/`);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.locator('#btn-upload').click()]);
    await chooser.setFiles(file);
    await poll(() => patches.some((o) => o >= 4 * MiB), 30_000).toBe(true);
    await page.reload();
    expect(dialogs).toEqual(['beforeunload']);

    await until.visible(page.locator('#resume'));
    await until.contains(page.locator('#resume-text'), `resume ${size}.bin`);
    await screenshot(page, `uploads-${size}-resume-offer`);
    const before = patches.length;
    const [again] = await Promise.all([page.waitForEvent('filechooser'), page.locator('#resume-pick').click()]);
    await again.setFiles(file);
    await poll(() => page.locator('#up-list .up-status').textContent(), 60_000).toBe('Done');
    expect(patches[before]).toBeGreaterThan(0); // it went on from where the server stood
    const stored = Buffer.from(await (await fetch(`${gw.base}/api/v1/sites/files/files/${folder}/resume%20${size}.bin`)).arrayBuffer());
    expect(sha256(stored)).toBe(sha256(data));
    await until.hidden(page.locator('#resume'));
    await context.close();
  });
  }
});
