// In the browser: a gateway account signs in, makes a share link to a folder, and a second
// browser (no account, no cookie) opens it, sees the folder, downloads a file from it, goes
// through its pictures and text in the preview with the keyboard (or a swipe), and takes the zip.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, makePng, openPage, PHONE, poll, screenshot, skipBrowser, until } from '../browser/harness.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startDisk, writeUsersFile, type Disk } from '../security/fixtures.js';

describe.skipIf(skipBrowser)('share links in the browser', () => {
  let disk: Disk;
  let gw: TestGateway;
  let dir: string;
  let browser: Browser;

  beforeAll(async () => {
    disk = await startDisk({ 'alice/album/photo.txt': 'a photo, honestly', 'alice/other.txt': 'not shared', 'alice/trip/notes.txt': 'day one\n', 'alice/trip/data.bin': 'x' });
    await writeFile(join(disk.root, 'alice/trip/1.png'), makePng(64, 48));
    await writeFile(join(disk.root, 'alice/trip/2.png'), makePng(48, 64));
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-share-ui-'));
    const usersFile = await writeUsersFile(dir, [{ name: 'alice', password: 'alice-pw', sites: ['acc'], root: '/alice' }]);
    gw = await startGateway({ acc: { host: '127.0.0.1', port: disk.server.port, auth: 'accounts', listingCacheTtlMs: 0 } }, { usersFile });
    browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await disk?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a link in one browser and opens it in another', async () => {
    const owner = await openPage(browser);
    await owner.page.goto(`${gw.base}/browse/acc/`);
    await until.visible(owner.page.locator('#view-signin'));
    await owner.page.locator('#signin-user').fill('alice');
    await owner.page.locator('#signin-password').fill('alice-pw');
    await owner.page.locator('#signin-submit').click();
    const albumRow = owner.page.locator('#rows tr', { has: owner.page.locator('td.col-name', { hasText: 'album' }) });
    await until.visible(albumRow);
    await albumRow.locator('td.col-size').click();
    await owner.page.locator('#selbar button[data-act="share"]').click();
    await owner.page.locator('#share-create').click(); // the options dialog: defaults
    const field = owner.page.locator('#share-url');
    await until.visible(field);
    const url = await field.inputValue();
    expect(url).toMatch(new RegExp(`^${gw.base}/s/[A-Za-z0-9_-]{22}$`));
    expect(owner.problems).toEqual([]);
    await owner.context.close();

    const visitor = await openPage(browser); // a second context: no cookie, no account
    await visitor.page.goto(url);
    const link = visitor.page.locator('a', { hasText: 'Download' }).and(visitor.page.locator('[aria-label="Download photo.txt"]'));
    await until.visible(link);
    expect(await visitor.page.content()).not.toContain('other.txt');
    const [download] = await Promise.all([visitor.page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('photo.txt');
    await poll(async () => (await readFile((await download.path())!, 'utf8'))).toBe('a photo, honestly');
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  });
  /** A link to /trip made by alice through the API (the page's Share dialog is tested above). */
  async function tripLink(): Promise<string> {
    const res = await fetch(`${gw.base}/api/v1/sites/acc/shares`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from('alice:alice-pw').toString('base64'), 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/trip' }),
    });
    return `${gw.base}${((await res.json()) as { url: string }).url}`;
  }
  const shownImage = (page: Page) => page.locator('.share-view img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth);
  // Each preview is a page of its own whose key handler comes from a deferred script: the image
  // can be shown before that script has run, and a key pressed then is lost. Press only once the
  // page has loaded.
  const press = async (page: Page, key: string) => {
    await page.waitForFunction(() => document.readyState === 'complete');
    await page.keyboard.press(key);
  };

  for (const [size, viewport] of [['desktop', { width: 1366, height: 800 }], ['phone', PHONE]] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`previews a shared folder as a gallery: name opens, ←/→ and Escape, a zip of it all (${size}, ${scheme})`, async () => {
        const url = await tripLink();
        const visitor = await openPage(browser, { viewport, colorScheme: scheme, hasTouch: size === 'phone' });
        const { page } = visitor;
        await page.goto(url);
        await until.visible(page.locator('a', { hasText: '1.png' }));
        await screenshot(page, `share-folder-${size}-${scheme}`);
        // No preview for an unknown kind: its name downloads.
        expect(await page.locator('a', { hasText: 'data.bin' }).getAttribute('href')).toMatch(/\/file\/data\.bin$/);
        await page.locator('a', { hasText: '1.png' }).click();
        await poll(() => shownImage(page)).toBe(64);
        expect(await page.locator('.share-bar .note').textContent()).toBe('1 of 3');
        await screenshot(page, `share-preview-${size}-${scheme}`);
        await press(page, 'ArrowRight');
        await poll(() => shownImage(page)).toBe(48);
        await press(page, 'ArrowRight');
        await until.visible(page.locator('.share-view iframe[title="notes.txt"]'));
        await poll(async () => (await page.frameLocator('.share-view iframe').locator('body').textContent())?.trim()).toBe('day one');
        await press(page, 'ArrowRight'); // wraps around
        await poll(() => shownImage(page)).toBe(64);
        await press(page, 'ArrowLeft');
        await until.visible(page.locator('.share-view iframe'));
        await press(page, 'Escape');
        await until.visible(page.locator('a', { hasText: 'Download everything (zip)' }));
        const [zip] = await Promise.all([page.waitForEvent('download'), page.locator('a', { hasText: 'Download everything (zip)' }).click()]);
        const listed = execFileSync('unzip', ['-Z1', (await zip.path())!], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
        expect(listed).toEqual(['1.png', '2.png', 'data.bin', 'notes.txt']);
        expect(visitor.problems).toEqual([]);
        await visitor.context.close();
      });
    }
  }
});
