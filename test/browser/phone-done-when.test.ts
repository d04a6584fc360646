// Issue 17's "done when" list at phone size (390×844, touch), where the desktop tests in
// rights-and-selection.test.ts run at 1366×800: a bulk move into a folder chosen in the picker
// from the bottom bar, a drag onto a breadcrumb part, a share link with a password and an expiry
// opened in a second browser, the gallery by keyboard and by swipe, and a text edit that meets a
// conflict. Over the scripted FTP server with a gateway account, light and dark.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng, openPage, PHONE, poll, screenshot, skipBrowser, until } from './harness.js';
import type { TestGateway } from '../helpers/gateway.js';
import type { Disk } from '../security/fixtures.js';
import { startAccountsScene, type AccountsScene } from './accounts-scene.js';

const row = (page: Page, name: string) => page.locator('#rows tr', { has: page.locator('td.col-name', { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }) });
const rowNames = (page: Page) => page.locator('#rows td.col-name').allTextContents();
const phone = (colorScheme: 'light' | 'dark') => ({ viewport: PHONE, isMobile: true, hasTouch: true, colorScheme });

describe.skipIf(skipBrowser)('the file manager at phone size', { timeout: 90_000 }, () => {
  let scene: AccountsScene;
  let disk: Disk;
  let gw: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    scene = await startAccountsScene(
      {
        'alice/project/a.txt': 'A',
        'alice/project/b.txt': 'B new',
        'alice/project/c.txt': 'C',
        'alice/project/sub/': '',
        'alice/archive/b.txt': 'B old',
        'alice/drag/d.txt': 'D',
        'alice/drag/inner/': '',
        'alice/shared/photo.txt': 'shared content',
        'alice/gallery/notes.txt': 'first version\n',
      },
      [{ name: 'alice', password: 'alice-pw', sites: ['acc'], root: '/alice' }],
      {
        prepare: async (root) => {
          await writeFile(join(root, 'alice/gallery/1.png'), makePng(64, 48));
          await writeFile(join(root, 'alice/gallery/2.png'), makePng(32, 24));
        },
      },
    );
    ({ disk, gw, browser } = scene);
  }, 60_000);
  afterAll(() => scene?.close());

  async function signIn(page: Page, path = '') {
    await page.goto(`${gw.base}/browse/acc/${path}`);
    await until.visible(page.locator('#view-signin'));
    await page.locator('#signin-user').fill('alice');
    await page.locator('#signin-password').fill('alice-pw');
    await page.locator('#signin-submit').click();
    await until.visible(page.locator('#view-folder'));
    await poll(async () => (await rowNames(page)).length).toBeGreaterThan(0);
  }

  it('ticks two files, moves them from the bottom bar into a folder picked in the picker, asking only before the replace', async () => {
    const { page, problems, context } = await openPage(browser, phone('light'));
    await signIn(page, 'project/');
    expect(await rowNames(page)).toEqual(['sub', 'a.txt', 'b.txt', 'c.txt']);
    await row(page, 'a.txt').locator('input[type="checkbox"]').tap();
    await row(page, 'b.txt').locator('input[type="checkbox"]').tap();
    await until.text(page.locator('#sel-name'), '2 selected');
    const bar = await page.locator('#selbar').boundingBox();
    expect(bar!.y + bar!.height).toBeGreaterThan(PHONE.height - 4); // the bottom bar
    await page.locator('#selbar button[data-act="move"]').tap();
    await until.contains(page.locator('#dialog-title'), 'Move 2 items');
    await page.locator('.picker-up').tap();
    await page.locator('.picker-list button[data-name="archive"]').tap();
    await until.contains(page.locator('#picker-hint'), '/archive');
    await screenshot(page, 'phone-light-picker');
    await page.locator('#picker-ok').tap();
    await until.contains(page.locator('#dialog-title'), 'Replace?');
    expect(await page.locator('#dialog-body').textContent()).not.toContain('a.txt');
    await page.locator('#dialog-buttons button', { hasText: 'Replace' }).tap();
    await poll(() => rowNames(page)).toEqual(['sub', 'c.txt']);
    expect(await readFile(join(disk.root, 'alice/archive/a.txt'), 'utf8')).toBe('A');
    expect(await readFile(join(disk.root, 'alice/archive/b.txt'), 'utf8')).toBe('B new');
    expect(problems).toEqual([]);
    await context.close();
  });

  // Touch screens move with the picker (above): a long press selects there. A window this
  // narrow with a mouse (a tablet, a split screen) drags rows like the desktop.
  it('moves a row by dragging it onto a breadcrumb part in a phone-sized window with a mouse', async () => {
    const { page, problems, context } = await openPage(browser, { viewport: PHONE, colorScheme: 'dark' });
    await signIn(page, 'drag/');
    const crumb = page.locator('#crumbs a[data-path="/"]');
    await until.visible(crumb);
    await row(page, 'd.txt').dragTo(crumb);
    await poll(() => rowNames(page)).toEqual(['inner']);
    expect(await readFile(join(disk.root, 'alice/d.txt'), 'utf8')).toBe('D');
    expect(existsSync(join(disk.root, 'alice/drag/d.txt'))).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('makes a share link with a password and an expiry; a second browser on a phone opens it with the password', async () => {
    const { page, problems, context } = await openPage(browser, phone('dark'));
    await signIn(page);
    await row(page, 'shared').locator('input[type="checkbox"]').tap();
    await page.locator('#selbar button[data-act="share"]').tap();
    await page.locator('#share-expiry').selectOption(String(7 * 86400));
    await page.locator('#share-password').fill('letmein');
    await screenshot(page, 'phone-dark-share-options');
    await page.locator('#share-create').tap();
    const url = await page.locator('#share-url').inputValue();
    await until.contains(page.locator('#dialog-body'), 'needs the password');
    await until.contains(page.locator('#dialog-body'), 'expires');
    expect(problems).toEqual([]);
    await context.close();

    const visitor = await openPage(browser, phone('light'));
    await visitor.page.goto(url);
    expect(await visitor.page.locator('a', { hasText: 'photo.txt' }).count()).toBe(0); // nothing before the password
    await visitor.page.locator('input[type="password"]').fill('wrong');
    await visitor.page.locator('button[type="submit"]').tap();
    await until.contains(visitor.page.locator('[role="alert"]'), 'Wrong password');
    await visitor.page.locator('input[type="password"]').fill('letmein');
    await visitor.page.locator('button[type="submit"]').tap();
    await until.visible(visitor.page.locator('a', { hasText: 'photo.txt' }));
    expect(await visitor.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(visitor.page, 'phone-light-share-visitor');
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  });

  it('goes through the gallery by keyboard and by swipe, and a stale text edit meets a conflict', async () => {
    const { page, problems, context } = await openPage(browser, phone('light'));
    await signIn(page, 'gallery/');
    await row(page, '1.png').locator('a').tap(); // the name opens the preview
    const img = page.locator('#preview-body img');
    await poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(64);
    await page.keyboard.press('ArrowRight');
    await until.text(page.locator('#preview-title'), '2.png');
    await screenshot(page, 'phone-light-gallery');
    await page.keyboard.press('ArrowLeft');
    await until.text(page.locator('#preview-title'), '1.png');
    // A swipe to the left goes on to the next one: real touch events, as a finger makes them.
    const box = (await page.locator('#preview-body').boundingBox())!;
    const y = Math.round(box.y + box.height / 2);
    const cdp = await context.newCDPSession(page);
    const x0 = Math.round(box.x + box.width - 30);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: x0, y }] });
    for (let i = 1; i <= 8; i++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x0 - i * 30, y }] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await until.text(page.locator('#preview-title'), '2.png');
    await page.keyboard.press('ArrowRight');
    await until.text(page.locator('#preview-title'), 'notes.txt');
    await page.locator('#preview-edit').tap();
    await poll(() => page.locator('#editor').inputValue()).toBe('first version\n');
    await page.locator('#editor').fill('my edit\n');
    await writeFile(join(disk.root, 'alice/gallery/notes.txt'), 'changed meanwhile\n');
    await page.locator('#editor-save').tap();
    await until.contains(page.locator('#editor-status'), 'changed by someone else');
    await screenshot(page, 'phone-light-edit-conflict');
    expect(await readFile(join(disk.root, 'alice/gallery/notes.txt'), 'utf8')).toBe('changed meanwhile\n');
    expect(await page.locator('#editor').inputValue()).toBe('my edit\n');
    expect(problems).toEqual([]);
    await context.close();
  });
});
