// The page knows what the signed-in account may do, and works on many entries at once: a
// read-only account sees no write control; checkboxes, Ctrl/Shift-click and Ctrl+A select;
// bulk move into a folder from the picker (asking only before a replace), drag to a breadcrumb,
// bulk download as one zip, bulk delete, a context menu, share links with options, a missing
// folder that says so. Over the scripted FTP server on a temporary folder, at desktop and phone sizes.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng, openPage, PHONE, poll, screenshot, skipBrowser, until } from './harness.js';
import type { TestGateway } from '../helpers/gateway.js';
import { FTP_PASSWORD, FTP_USER, type Disk } from '../security/fixtures.js';
import { startAccountsScene, type AccountsScene } from './accounts-scene.js';

const DESKTOP = { width: 1366, height: 800 };
const row = (page: Page, name: string) => page.locator('#rows tr', { has: page.locator('td.col-name', { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }) });
const rowNames = (page: Page) => page.locator('#rows td.col-name').allTextContents();
const basic = (user: string, pw: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${pw}`).toString('base64') });

describe.skipIf(skipBrowser)('rights and multi-select in the browser', { timeout: 60_000 }, () => {
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
        'alice/project/keep.txt': 'K',
        'alice/project/sub/': '',
        'alice/archive/b.txt': 'B old',
        'alice/drag/d.txt': 'D',
        'alice/drag/inner/': '',
        'alice/zips/one.txt': 'one',
        'alice/zips/two.txt': 'two',
        'alice/zips/deep/three.txt': 'three',
        'alice/bin/x1.txt': 'x',
        'alice/bin/x2.txt': 'x',
        'alice/bin/x3.txt': 'x',
        'alice/shared/photo.txt': 'shared content',
        'alice/gallery/notes.txt': 'first version\n',
        'alice/photos/': '',
      },
      [
        { name: 'alice', password: 'alice-pw', sites: ['acc'], root: '/alice' },
        { name: 'bob', password: 'bob-pw', sites: ['acc'], root: '/alice', readOnly: true },
      ],
      {
        prepare: async (root) => {
          await writeFile(join(root, 'alice/gallery/1.png'), makePng(64, 48));
          await writeFile(join(root, 'alice/gallery/2.png'), makePng(32, 24));
          for (let i = 1; i <= 4; i++) await writeFile(join(root, `alice/photos/p${i}.png`), makePng(40 + i, 30));
          await writeFile(join(root, 'alice/photos/huge.png'), Buffer.alloc(3 * 1024 * 1024, 7)); // too big for a thumbnail
        },
        moreSites: (server) => ({
          fixed: { ...server, user: FTP_USER, password: FTP_PASSWORD },
          pub: { ...server, user: FTP_USER, password: FTP_PASSWORD, auth: 'public' },
        }),
      },
    );
    ({ disk, gw, browser } = scene);
  }, 60_000);
  afterAll(() => scene?.close());

  async function signIn(page: Page, user: string, password: string, path = '') {
    await page.goto(`${gw.base}/browse/acc/${path}`);
    await until.visible(page.locator('#view-signin'));
    await page.locator('#signin-user').fill(user);
    await page.locator('#signin-password').fill(password);
    await page.locator('#signin-submit').click();
    await until.visible(page.locator('#view-folder'));
    await poll(async () => (await rowNames(page)).length).toBeGreaterThan(0);
  }

  it("reports the caller's rights per site (GET /api/v1/sites/{site}/access)", async () => {
    const get = async (site: string, headers: Record<string, string> = {}) => {
      const r = await fetch(`${gw.base}/api/v1/sites/${site}/access`, { headers });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    expect(await get('acc', basic('bob', 'bob-pw'))).toMatchObject({ status: 200, body: { auth: 'accounts', user: 'bob', readOnly: true, root: '/alice', share: { available: true } } });
    expect(await get('acc', basic('alice', 'alice-pw'))).toMatchObject({ status: 200, body: { readOnly: false, root: '/alice' } });
    expect((await get('acc')).status).toBe(401);
    expect((await get('acc', basic('bob', 'wrong'))).status).toBe(401);
    const fixed = await get('fixed');
    expect(fixed.body).toMatchObject({ auth: 'fixed', user: null, readOnly: false, root: '/', share: { available: false } });
    expect(String((fixed.body.share as { reason: string }).reason)).toContain('gateway account');
    expect((await get('pub')).body).toMatchObject({ auth: 'public', readOnly: true });
    const doc = (await (await fetch(`${gw.base}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/sites/{site}/access', '/api/v1/sites/{site}/zip-selection/{*}']));
  });

  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    it(`shows a read-only account no write control, with a read-only mark (${size})`, async () => {
      const mobile = size === 'phone' ? { isMobile: true, hasTouch: true } : {};
      const { page, problems, context } = await openPage(browser, { viewport, ...mobile });
      await page.goto(`${gw.base}/browse/acc/`);
      await until.visible(page.locator('#view-signin'));
      // Worded for a gateway account, not "your own FTP account".
      await until.contains(page.locator('#signin-intro'), 'gateway accounts');
      await page.locator('#signin-user').fill('bob');
      await page.locator('#signin-password').fill('not-it');
      await page.locator('#signin-submit').click();
      await until.contains(page.locator('#signin-error'), 'Wrong user name or password');
      expect(await page.locator('#signin-error').textContent()).not.toContain('FTP');
      await signIn(page, 'bob', 'bob-pw');
      await until.visible(page.locator('#ro-mark'));
      for (const id of ['#btn-upload', '#btn-mkdir', '#btn-upload-dir']) expect(await page.locator(id).isVisible(), id).toBe(false);
      await row(page, 'project').locator('input[type="checkbox"]').click();
      await until.contains(page.locator('#sel-name'), 'project');
      const shown = await page.locator('#selbar button[data-act]:visible').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.act));
      // Phones also hide what does not apply to this selection (Copy link, for a folder).
      expect(shown).toEqual(size === 'phone' ? ['open', 'download', 'share'] : ['open', 'download', 'link', 'share']);
      await screenshot(page, `rights-${size}-readonly`);
      expect(problems).toEqual([]);
      await context.close();
    });
  }

  it('selects with Ctrl-click, Shift-click and Ctrl+A, and moves into a folder picked in the picker', async () => {
    const { page, problems, context } = await openPage(browser, { viewport: DESKTOP });
    await signIn(page, 'alice', 'alice-pw', 'project/');
    expect(await rowNames(page)).toEqual(['sub', 'a.txt', 'b.txt', 'c.txt', 'keep.txt']);
    await row(page, 'a.txt').locator('td.col-size').click();
    await row(page, 'c.txt').locator('td.col-size').click({ modifiers: ['Shift'] });
    await until.text(page.locator('#sel-name'), '3 selected');
    await row(page, 'c.txt').locator('td.col-size').click({ modifiers: ['Control'] });
    await until.text(page.locator('#sel-name'), '2 selected');
    await page.keyboard.press('Control+a');
    await until.text(page.locator('#sel-name'), '5 selected');
    await page.keyboard.press('Escape');
    await until.text(page.locator('#sel-name'), 'Nothing selected');
    // The selection bar stays on screen when the list scrolls.
    expect(await page.locator('#selbar').evaluate((el) => getComputedStyle(el).position)).toBe('sticky');

    await row(page, 'a.txt').locator('input[type="checkbox"]').click();
    await row(page, 'b.txt').locator('input[type="checkbox"]').click();
    await until.text(page.locator('#sel-name'), '2 selected');
    await page.locator('#selbar button[data-act="move"]').click();
    await until.contains(page.locator('#dialog-title'), 'Move 2 items');
    await page.locator('.picker-up').click(); // up to the account's root, then into "archive"
    await page.locator('.picker-list button[data-name="archive"]').click();
    await until.contains(page.locator('#picker-hint'), '/archive');
    await screenshot(page, 'rights-desktop-picker');
    await page.locator('#picker-ok').click();
    // archive/b.txt exists: one question, only about the replace.
    await until.contains(page.locator('#dialog-title'), 'Replace?');
    await until.contains(page.locator('#dialog-body'), 'b.txt');
    expect(await page.locator('#dialog-body').textContent()).not.toContain('a.txt');
    await page.locator('#dialog-buttons button', { hasText: 'Replace' }).click();
    await poll(() => rowNames(page)).toEqual(['sub', 'c.txt', 'keep.txt']);
    expect(await readFile(join(disk.root, 'alice/archive/a.txt'), 'utf8')).toBe('A');
    expect(await readFile(join(disk.root, 'alice/archive/b.txt'), 'utf8')).toBe('B new');

    // A typed relative name means a folder under the current one, not at the root.
    await row(page, 'c.txt').locator('td.col-size').click();
    await page.locator('#selbar button[data-act="copy"]').click();
    await page.locator('#picker-path').fill('sub');
    await page.keyboard.press('Enter');
    await poll(() => existsSync(join(disk.root, 'alice/project/sub/c.txt'))).toBe(true);
    expect(existsSync(join(disk.root, 'alice/sub'))).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('moves a row by dragging it onto a breadcrumb part and onto a folder', async () => {
    const { page, problems, context } = await openPage(browser, { viewport: DESKTOP });
    await signIn(page, 'alice', 'alice-pw', 'drag/');
    await row(page, 'd.txt').dragTo(page.locator('#crumbs a[data-path="/"]'));
    await poll(() => rowNames(page)).toEqual(['inner']);
    expect(await readFile(join(disk.root, 'alice/d.txt'), 'utf8')).toBe('D');
    await page.locator('#crumbs a[data-path="/"]').click();
    await poll(() => rowNames(page)).toContain('d.txt');
    await row(page, 'd.txt').dragTo(row(page, 'drag'));
    await poll(() => rowNames(page)).not.toContain('d.txt');
    expect(existsSync(join(disk.root, 'alice/drag/d.txt'))).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('downloads several entries as one zip, and deletes several after one confirmation from the context menu', async () => {
    const { page, problems, context } = await openPage(browser, { viewport: DESKTOP });
    await signIn(page, 'alice', 'alice-pw', 'zips/');
    await page.locator('#check-all').click();
    await until.text(page.locator('#sel-name'), '3 selected');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#selbar button[data-act="download"]').click()]);
    expect(download.suggestedFilename()).toBe('zips.zip');
    const listing = execFileSync(
      'python3',
      ['-c', 'import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps({i.filename: z.read(i).decode() for i in z.infolist()}))', (await download.path())!],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(listing)).toEqual({ 'deep/': '', 'deep/three.txt': 'three', 'one.txt': 'one', 'two.txt': 'two' });

    await page.locator('#crumbs a[data-path="/"]').click();
    await poll(() => rowNames(page)).toContain('bin');
    await row(page, 'bin').locator('a').click();
    await poll(() => rowNames(page)).toEqual(['x1.txt', 'x2.txt', 'x3.txt']);
    await row(page, 'x1.txt').locator('td.col-size').click();
    await row(page, 'x2.txt').locator('td.col-size').click({ modifiers: ['Control'] });
    await row(page, 'x2.txt').locator('td.col-size').click({ button: 'right' });
    await until.visible(page.locator('#menu'));
    expect(await page.locator('#menu button').allTextContents()).toEqual(['Download', 'Move', 'Copy', 'Delete']);
    await screenshot(page, 'rights-desktop-menu');
    await page.locator('#menu button[data-act="delete"]').click();
    await until.contains(page.locator('#dialog-title'), 'Delete 2 items?');
    await page.locator('#dialog-buttons button', { hasText: 'Delete' }).click();
    await poll(() => rowNames(page)).toEqual(['x3.txt']);
    expect(existsSync(join(disk.root, 'alice/bin/x1.txt'))).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says a folder is missing, offers the way up, shows no FTP text or server path, and disables Upload', async () => {
    const { page, problems, context } = await openPage(browser, { viewport: DESKTOP });
    await signIn(page, 'alice', 'alice-pw', 'project/');
    await page.goto(`${gw.base}/browse/acc/project/gone-away/`);
    await until.contains(page.locator('#state'), 'does not exist');
    const text = (await page.locator('#view-folder').textContent()) ?? '';
    expect(text).not.toMatch(/\b[45]\d\d\b|ENOENT|\/tmp|ftpgate-sec/);
    expect(await page.locator('#btn-upload').isDisabled()).toBe(true);
    expect(await page.locator('#btn-mkdir').isDisabled()).toBe(true);
    await page.locator('#go-up').click();
    await poll(() => rowNames(page)).toContain('keep.txt');
    expect(await page.locator('#btn-upload').isDisabled()).toBe(false);
    expect(await page.locator('h1#folder-title').textContent()).toContain('project');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('on a phone: long-press selects, a bottom bar holds the actions, the sort menu is reachable (light and dark)', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, problems, context } = await openPage(browser, { viewport: PHONE, isMobile: true, hasTouch: true, colorScheme });
      await signIn(page, 'alice', 'alice-pw', 'project/');
      expect(await page.locator('#selbar').isVisible()).toBe(false);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      await until.visible(page.locator('#sort-pick'));
      const before = await rowNames(page); // sub, then files A to Z
      await page.locator('#sort-pick').selectOption('name:-1');
      await poll(() => rowNames(page)).toEqual([before[0], ...before.slice(1).reverse()]); // folders first, then Z to A
      const target = row(page, 'keep.txt').locator('td.col-size');
      await target.dispatchEvent('pointerdown', { pointerType: 'touch', isPrimary: true, clientX: 300, clientY: 300 });
      await page.waitForTimeout(700);
      await target.dispatchEvent('pointerup', { pointerType: 'touch', isPrimary: true, clientX: 300, clientY: 300 });
      await until.visible(page.locator('#selbar'));
      await until.text(page.locator('#sel-name'), 'keep.txt');
      const bar = await page.locator('#selbar').boundingBox();
      expect(bar!.y + bar!.height).toBeGreaterThan(PHONE.height - 4); // at the bottom of the screen
      expect(bar!.height).toBeLessThan(PHONE.height / 4);
      await screenshot(page, `rights-phone-${colorScheme}-selection`);
      expect(problems).toEqual([]);
      await context.close();
    }
  });

  it('makes a share link with a password and an expiry; a second browser opens it with the password', async () => {
    const { page, problems, context } = await openPage(browser, { viewport: DESKTOP });
    await signIn(page, 'alice', 'alice-pw');
    await row(page, 'shared').locator('td.col-size').click();
    await page.locator('#selbar button[data-act="share"]').click();
    await page.locator('#share-expiry').selectOption(String(86400));
    await page.locator('#share-password').fill('letmein');
    await page.locator('#share-max').fill('5');
    await screenshot(page, 'rights-desktop-share-options');
    await page.locator('#share-create').click();
    const url = await page.locator('#share-url').inputValue();
    expect(url).toMatch(/\/s\/[A-Za-z0-9_-]{22}$/);
    await until.contains(page.locator('#dialog-body'), 'needs the password');
    await page.keyboard.press('Escape');
    await page.locator('#btn-links').click();
    await until.count(page.locator('#share-list li[data-id]'), 1);

    const visitor = await openPage(browser);
    await visitor.page.goto(url);
    await visitor.page.locator('input[type="password"]').fill('letmein');
    await visitor.page.locator('button[type="submit"]').click();
    await until.visible(visitor.page.locator('a', { hasText: 'photo.txt' }));
    // A styled page: sizes people read, and the whole folder as one zip.
    expect(await visitor.page.locator('td.col-size').allTextContents()).toEqual(['14 B']);
    await until.visible(visitor.page.locator('a.button', { hasText: 'Download everything (zip)' }));
    await screenshot(visitor.page, 'share-desktop-visitor');
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();

    // Revoke from "My share links": the link stops working.
    await page.locator('#share-list button', { hasText: 'Revoke' }).click();
    await until.count(page.locator('#share-list li[data-id]'), 0);
    expect((await fetch(url)).status).toBe(404);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('previews as a gallery (name click, ←/→) and edits a text file, meeting a conflict instead of overwriting', async () => {
    const { page, problems, context } = await openPage(browser, { viewport: DESKTOP });
    await signIn(page, 'alice', 'alice-pw', 'gallery/');
    await row(page, '1.png').locator('a').click(); // the name opens the preview
    const img = page.locator('#preview-body img');
    await poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(64);
    await until.text(page.locator('#preview-count'), '1 / 3');
    await page.keyboard.press('ArrowRight');
    await until.text(page.locator('#preview-title'), '2.png');
    await poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(32);
    await screenshot(page, 'rights-desktop-gallery');
    await page.keyboard.press('ArrowRight');
    await until.text(page.locator('#preview-title'), 'notes.txt');
    await until.contains(page.locator('#preview-body pre'), 'first version');
    await page.keyboard.press('ArrowRight'); // wraps round
    await until.text(page.locator('#preview-title'), '1.png');
    await page.keyboard.press('ArrowLeft');
    await until.text(page.locator('#preview-title'), 'notes.txt');

    // Edit, while someone else changes the file: the save is refused with a clear message.
    await page.locator('#preview-edit').click();
    await poll(() => page.locator('#editor').inputValue()).toBe('first version\n');
    await page.locator('#editor').fill('my edit\n');
    await writeFile(join(disk.root, 'alice/gallery/notes.txt'), 'changed by someone else meanwhile\n');
    await page.locator('#editor-save').click();
    await until.contains(page.locator('#editor-status'), 'changed by someone else');
    await screenshot(page, 'rights-desktop-edit-conflict');
    expect(await readFile(join(disk.root, 'alice/gallery/notes.txt'), 'utf8')).toBe('changed by someone else meanwhile\n');
    expect(await page.locator('#editor').inputValue()).toBe('my edit\n'); // the text is not lost

    // Opened afresh, the edit saves.
    await page.keyboard.press('Escape');
    await row(page, 'notes.txt').locator('a').click();
    await page.locator('#preview-edit').click();
    await poll(() => page.locator('#editor').inputValue()).toContain('someone else');
    await page.locator('#editor').fill('saved edit\n');
    await page.locator('#editor-save').click();
    await until.text(page.locator('#editor-status'), 'Saved.');
    expect(await readFile(join(disk.root, 'alice/gallery/notes.txt'), 'utf8')).toBe('saved edit\n');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a folder of images as a grid of lazy thumbnails (small images only), desktop and phone', async () => {
    for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const mobile = size === 'phone' ? { isMobile: true, hasTouch: true, colorScheme: 'dark' as const } : {};
      const { page, problems, context } = await openPage(browser, { viewport, ...mobile });
      await signIn(page, 'alice', 'alice-pw', 'photos/');
      await poll(() => page.locator('#files').getAttribute('class')).toContain('grid');
      const thumbs = page.locator('#rows img.thumb');
      await until.count(thumbs, 4);
      expect(await thumbs.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).loading))).toEqual(['lazy', 'lazy', 'lazy', 'lazy']);
      expect(await row(page, 'huge.png').locator('img').count()).toBe(0);
      await poll(() => thumbs.first().evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(41);
      await screenshot(page, `rights-${size}-grid`);
      await page.locator('#btn-view').click(); // back to the list
      await until.count(thumbs, 0);
      expect(problems).toEqual([]);
      await context.close();
    }
  });

  it('says why Share is unavailable on a site with one shared FTP login', async () => {
    const { page, problems, context } = await openPage(browser, { viewport: DESKTOP });
    await page.goto(`${gw.base}/browse/fixed/alice/`);
    await poll(() => rowNames(page)).toContain('shared');
    await row(page, 'shared').locator('td.col-size').click();
    const share = page.locator('#selbar button[data-act="share"]');
    expect(await share.getAttribute('title')).toContain('gateway account');
    await share.click();
    await until.contains(page.locator('#toast'), 'Share links need a gateway account');
    expect(await page.locator('#dialog').isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('speaks German when the browser does, from the one catalogue', async () => {
    const { page, problems, context } = await openPage(browser, { viewport: DESKTOP, locale: 'de-DE' });
    await page.goto(`${gw.base}/browse/acc/`);
    await until.text(page.locator('#signin-submit'), 'Anmelden');
    await until.contains(page.locator('#signin-intro'), 'Gateway-Konten');
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    expect(problems).toEqual([]);
    await context.close();
  });
});
