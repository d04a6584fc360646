// In the browser: a gateway account signs in, makes a share link to a folder, and a second
// browser (no account, no cookie) opens it, sees the folder and downloads a file from it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, openPage, poll, skipBrowser, until } from '../browser/harness.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startDisk, writeUsersFile, type Disk } from '../security/fixtures.js';

describe.skipIf(skipBrowser)('share links in the browser', () => {
  let disk: Disk;
  let gw: TestGateway;
  let dir: string;
  let browser: Browser;

  beforeAll(async () => {
    disk = await startDisk({ 'alice/album/photo.txt': 'a photo, honestly', 'alice/other.txt': 'not shared' });
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
    const link = visitor.page.locator('a', { hasText: 'photo.txt' });
    await until.visible(link);
    expect(await visitor.page.content()).not.toContain('other.txt');
    const [download] = await Promise.all([visitor.page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('photo.txt');
    await poll(async () => (await readFile((await download.path())!, 'utf8'))).toBe('a photo, honestly');
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  });
});
