// The file manager page end to end in Debian's chromium, over each FTP server of the run
// (the in-process ftp-srv always, vsftpd when test/servers/with-vsftpd.sh announced it).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, type FtpFixture } from '../helpers/ftp-servers.js';
import {
  browseUrl, getFile, launch, makePng, mkdirs, names, openPage, PHONE, poll, putFile, screenshot, skipBrowser, startWorld, until, type World,
} from './harness.js';

const XSS = '<img src=x onerror=alert(1)>.txt';
const rows = (page: Page) => page.locator('#rows tr');
const row = (page: Page, name: string) => page.locator('#rows tr', { has: page.locator('td.col-name', { hasText: name }) });
const rowNames = (page: Page) => page.locator('#rows td.col-name').allTextContents();

for (const server of ftpServers()) {
  describe.skipIf(skipBrowser)(`file manager page over ${server.name}`, { timeout: 30_000 }, () => {
    let fixture: FtpFixture;
    let world: World;
    let browser: Browser;
    const shot = (page: Page, name: string) => screenshot(page, `${server.name}-${name}`);
    const big = randomBytes(300 * 1024);

    beforeAll(async () => {
      fixture = await server.start();
      world = await startWorld(fixture);
      const b = world.base;
      await mkdirs(world, `${b}/docs/deep`);
      await mkdirs(world, `${b}/trash/inner`);
      await mkdirs(world, `${b}/archive`);
      await putFile(world, `${b}/docs/readme.txt`, 'Hello from the docs folder\n');
      await putFile(world, `${b}/trash/inner/old.txt`, 'old');
      await putFile(world, `${b}/picture.png`, makePng());
      await putFile(world, `${b}/data.bin`, big);
      await putFile(world, `${b}/notes.txt`, 'some notes\n'.repeat(50));
      await putFile(world, `${b}/to-rename.txt`, 'rename me');
      await putFile(world, `${b}/to-move.txt`, 'move me');
      await putFile(world, `${b}/${XSS}`, 'not a script');
      browser = await launch();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      // Leave the server as found (vsftpd's folder is shared with other suites).
      await fetch(`${world.gateway.base}/api/v1/sites/files/files/${encodeURIComponent(world.base.slice(1))}?recursive=true`, {
        method: 'DELETE',
      }).catch(() => {});
      await world?.gateway.close();
      await fixture?.close();
    });

    it('serves the page with a strict CSP, security headers and a small first load', async () => {
      const { page, problems, context } = await openPage(browser);
      const sizes: Record<string, number> = {};
      const { gzipSync } = await import('node:zlib');
      page.on('response', async (response) => {
        const url = new URL(response.url());
        if (url.pathname.startsWith('/api/')) return;
        const body = await response.body().catch(() => Buffer.alloc(0));
        sizes[url.pathname] = gzipSync(body, { level: 9 }).length;
      });
      const response = await page.goto(browseUrl(world, world.base));
      const headers = response!.headers();
      expect(headers['content-security-policy']).toContain("default-src 'self'");
      expect(headers['content-security-policy']).toContain("script-src 'self'");
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(headers['content-security-policy']).not.toContain('unsafe');
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBeTruthy();
      await poll(() => rows(page).count()).toBeGreaterThan(3);
      await page.waitForLoadState('networkidle');
      const total = Object.values(sizes).reduce((a, b) => a + b, 0);
      console.log(`first load, gzipped: ${(total / 1024).toFixed(1)} kB over ${Object.keys(sizes).length} files`, sizes);
      expect(total).toBeLessThan(60 * 1024); // the budget for a first load
      await shot(page, 'desktop-folder');
      expect(problems).toEqual([]);
      await context.close();
    });

    it('browses into a folder and back (links, breadcrumb, history)', async () => {
      const { page, problems, context } = await openPage(browser);
      await page.goto(browseUrl(world, world.base));
      await row(page, 'docs').locator('a').click();
      await poll(() => rowNames(page)).toEqual(['deep', 'readme.txt']);
      expect(new URL(page.url()).pathname).toBe(new URL(browseUrl(world, `${world.base}/docs`)).pathname);
      await poll(() => page.locator('#crumbs li').allTextContents()).toEqual(['files', world.base.slice(1), 'docs']);
      await page.locator('#crumbs a', { hasText: world.base.slice(1) }).click();
      await poll(() => rowNames(page)).toContain('docs');
      await page.goBack();
      await poll(() => rowNames(page)).toEqual(['deep', 'readme.txt']);
      await page.goForward();
      await poll(() => rowNames(page)).toContain('picture.png');
      // Folders first, then files; a click on the Size header sorts by size.
      const sorted = await rowNames(page);
      expect(sorted.slice(0, 3).sort()).toEqual(['archive', 'docs', 'trash']);
      await page.locator('th button[data-sort="size"]').click();
      await poll(async () => (await rowNames(page))[3]).toBe('to-move.txt');
      // The filter box narrows the rows.
      await page.locator('#filter').fill('pict');
      await poll(() => rowNames(page)).toEqual(['picture.png']);
      await page.locator('#filter').fill('zzz');
      await until.contains(page.locator('#rows'), 'No name contains'); // inside the table area
      expect(problems).toEqual([]);
      await context.close();
    });

    it('moves with the keyboard: arrows, Enter, Backspace, F2 and Delete', async () => {
      const { page, problems, context } = await openPage(browser);
      await page.goto(browseUrl(world, world.base));
      await poll(() => rows(page).count()).toBeGreaterThan(3);
      await page.locator('#filter').focus();
      await page.keyboard.press('Tab'); // past the toolbar buttons to the table
      await rows(page).first().focus();
      // Focus alone selects nothing (entering a folder must not select its first row); Space does.
      await page.waitForTimeout(200);
      expect(await rows(page).first().getAttribute('aria-selected')).toBe('false');
      await page.keyboard.press(' ');
      await until.attr(rows(page).first(), 'aria-selected', 'true');
      const order = await rowNames(page);
      await page.keyboard.press('ArrowDown');
      await until.text(page.locator('#rows tr[aria-selected="true"] td.col-name'), order[1]!);
      await until.text(page.locator('#sel-name'), order[1]!);
      // To "docs" and into it.
      const docs = order.indexOf('docs');
      await page.keyboard.press('Home');
      for (let i = 0; i < docs; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await poll(() => rowNames(page)).toEqual(['deep', 'readme.txt']);
      await poll(() => page.evaluate(() => document.activeElement?.closest('tr')?.dataset.name)).toBe('deep');
      expect(await page.locator('#rows tr[aria-selected="true"]').count()).toBe(0);
      await page.keyboard.press('Backspace');
      await poll(() => rowNames(page)).toContain('picture.png');
      // Back up, the folder we came from is selected and focused.
      await poll(() => page.evaluate(() => document.activeElement?.closest('tr')?.dataset.name)).toBe('docs');
      await page.keyboard.press('F2');
      await until.visible(page.locator('#dialog'));
      await until.contains(page.locator('#dialog-title'), 'Rename');
      await page.keyboard.press('Escape');
      await until.hidden(page.locator('#dialog'));
      await page.keyboard.press('Delete');
      await until.contains(page.locator('#dialog-title'), 'Delete');
      await page.keyboard.press('Escape');
      expect(await names(world, world.base)).toContain('docs');
      expect(problems).toEqual([]);
      await context.close();
    });

    it('uploads two files dropped on the page, with progress, then resolves a name clash', async () => {
      const { page, problems, context } = await openPage(browser);
      await page.goto(browseUrl(world, `${world.base}/archive`));
      await until.contains(page.locator('#rows .empty-row'), 'empty');
      const drop = async (files: { name: string; size?: number; text?: string }[]) => {
        const transfer = await page.evaluateHandle((list) => {
          const dt = new DataTransfer();
          for (const f of list) {
            const bytes = f.text !== undefined ? new TextEncoder().encode(f.text) : new Uint8Array(f.size!).map((_, i) => (i * 7) % 251);
            dt.items.add(new File([bytes], f.name, { type: 'application/octet-stream' }));
          }
          return dt;
        }, files);
        await page.dispatchEvent('body', 'dragenter', { dataTransfer: transfer });
        await until.visible(page.locator('#drop'));
        await shot(page, 'desktop-drop');
        await page.dispatchEvent('body', 'dragover', { dataTransfer: transfer });
        await page.dispatchEvent('body', 'drop', { dataTransfer: transfer });
      };
      const size = 2 * 1024 * 1024 + 123;
      await drop([{ name: 'big.bin', size }, { name: 'small.txt', text: 'small file' }]);
      await until.visible(page.locator('#uploads'));
      await until.count(page.locator('#up-list progress'), 2);
      await until.contains(page.locator('#up-summary'), '2 of 2 done', 20_000);
      for (const bar of await page.locator('#up-list progress').all()) {
        const [value, max] = await bar.evaluate((p: HTMLProgressElement) => [p.value, p.max]);
        expect(value).toBe(max);
      }
      const overall = await page.locator('#up-total').evaluate((p: HTMLProgressElement) => [p.value, p.max]);
      expect(overall).toEqual([size + 10, size + 10]);
      await poll(() => rowNames(page)).toEqual(['big.bin', 'small.txt']);
      await shot(page, 'desktop-uploads');
      const stored = await getFile(world, `${world.base}/archive/big.bin`);
      expect(stored?.length).toBe(size);
      expect(stored?.[1000]).toBe((1000 * 7) % 251);
      expect((await getFile(world, `${world.base}/archive/small.txt`))?.toString()).toBe('small file');

      // The same name again: the page asks; "Keep both" stores it under a new name.
      await drop([{ name: 'small.txt', text: 'second small file' }]);
      await until.contains(page.locator('#dialog-title'), 'already exists');
      await shot(page, 'desktop-conflict');
      await page.locator('#dialog-buttons button', { hasText: 'Keep both' }).click();
      await poll(() => rowNames(page)).toEqual(['big.bin', 'small (1).txt', 'small.txt']);
      expect((await getFile(world, `${world.base}/archive/small (1).txt`))?.toString()).toBe('second small file');
      expect((await getFile(world, `${world.base}/archive/small.txt`))?.toString()).toBe('small file');
      expect(problems).toEqual([]);
      await context.close();
    });

    it('renames, moves and deletes (a folder, recursively) after confirmation', async () => {
      const { page, problems, context } = await openPage(browser);
      await page.goto(browseUrl(world, world.base));
      await row(page, 'to-rename.txt').locator('td.col-size').click();
      await page.locator('#selbar button[data-act="rename"]').click();
      await page.locator('#dialog input').fill('renamed.txt');
      await page.keyboard.press('Enter');
      await poll(() => rowNames(page)).toContain('renamed.txt');
      expect(await names(world, world.base)).not.toContain('to-rename.txt');
      expect((await getFile(world, `${world.base}/renamed.txt`))?.toString()).toBe('rename me');

      await row(page, 'to-move.txt').locator('td.col-size').click();
      await page.locator('#selbar button[data-act="move"]').click();
      await page.locator('#picker-path').fill(`${world.base}/docs`); // an absolute path, typed in the picker
      await page.locator('#dialog-buttons button', { hasText: 'Move here' }).click();
      await poll(() => rowNames(page)).not.toContain('to-move.txt');
      expect(await names(world, `${world.base}/docs`)).toContain('to-move.txt');

      await row(page, 'trash').locator('td.col-date').click();
      await page.locator('#selbar button[data-act="delete"]').click();
      await until.contains(page.locator('#dialog'), 'everything in them');
      await shot(page, 'desktop-delete-confirm');
      await page.locator('#dialog-buttons button', { hasText: 'Delete' }).click();
      await poll(() => rowNames(page)).not.toContain('trash');
      expect(await names(world, world.base)).not.toContain('trash');
      expect(problems).toEqual([]);
      await context.close();
    });

    it('downloads a file with a click, byte for byte', async () => {
      const { page, problems, context } = await openPage(browser);
      await page.goto(browseUrl(world, world.base));
      const [download] = await Promise.all([page.waitForEvent('download'), row(page, 'data.bin').locator('a').click()]);
      expect(download.suggestedFilename()).toBe('data.bin');
      const saved = await readFile((await download.path())!);
      expect(saved.equals(big)).toBe(true);
      expect(problems).toEqual([]);
      await context.close();
    });

    it('downloads a folder as a zip of its tree', async () => {
      const { page, problems, context } = await openPage(browser);
      await page.goto(browseUrl(world, world.base));
      await row(page, 'docs').locator('td.col-size').click();
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#selbar button[data-act="download"]').click()]);
      expect(download.suggestedFilename()).toBe('docs.zip');
      const listing = execFileSync(
        'python3',
        ['-c', 'import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps({i.filename: z.read(i).decode("utf8", "replace") for i in z.infolist()}))', (await download.path())!],
        { encoding: 'utf8' },
      );
      const entries = JSON.parse(listing) as Record<string, string>;
      expect(entries['readme.txt']).toBe('Hello from the docs folder\n');
      expect(Object.keys(entries)).toContain('deep/');
      expect(problems).toEqual([]);
      await context.close();
    });

    it('previews an image and a text file', async () => {
      const { page, problems, context } = await openPage(browser);
      await page.goto(browseUrl(world, world.base));
      await row(page, 'picture.png').locator('td.col-size').dblclick();
      const img = page.locator('#preview-body img');
      await until.visible(img);
      await poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(64);
      await shot(page, 'desktop-preview-image');
      await page.keyboard.press('Escape');
      await until.hidden(page.locator('#preview'));
      await row(page, 'notes.txt').locator('td.col-size').click();
      await page.keyboard.press('Enter');
      await until.contains(page.locator('#preview-body pre'), 'some notes');
      await page.keyboard.press('Escape');
      expect(problems).toEqual([]);
      await context.close();
    });

    it('shows a file named like markup as text and runs nothing', async () => {
      const { page, problems, context } = await openPage(browser);
      await page.goto(browseUrl(world, world.base));
      await until.count(row(page, XSS), 1);
      await until.text(row(page, XSS).locator('td.col-name'), XSS);
      expect(await page.locator('#rows img').count()).toBe(0);
      // Its preview shows the contents as text too, and renaming shows the name as text.
      await row(page, XSS).locator('td.col-size').click();
      await page.keyboard.press('F2');
      await until.text(page.locator('#dialog-title'), `Rename “${XSS}”`);
      await page.keyboard.press('Escape');
      await page.waitForTimeout(300);
      expect(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length)).toBe(0);
      expect(problems).toEqual([]); // no alert() dialog, no script error, no CSP report
      await context.close();
    });

    it('signs in to a pass-through site with a form, keeps no secret in the page, signs out', async () => {
      const { page, problems, context } = await openPage(browser);
      await page.goto(browseUrl(world, world.base, 'locked'));
      await until.visible(page.locator('#view-signin'));
      await shot(page, 'desktop-signin');
      await page.locator('#signin-user').fill(world.user);
      await page.locator('#signin-password').fill('wrong-password');
      await page.locator('#signin-submit').click();
      await until.contains(page.locator('#signin-error'), 'refused');
      await page.locator('#signin-password').fill(world.password);
      await page.locator('#signin-submit').click();
      await poll(() => rowNames(page)).toContain('picture.png');
      await until.contains(page.locator('#account'), world.user);

      const cookies = await context.cookies();
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatchObject({ name: 'ftpgate_session', httpOnly: true, sameSite: 'Strict', path: '/' });
      expect(cookies[0]!.value).not.toContain(world.password);
      expect(await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie])).toEqual([0, 0, '']);

      // Still signed in after a reload; a cookie request without the page's header may not change anything.
      await page.reload();
      await poll(() => rowNames(page)).toContain('picture.png');
      const forged = await page.evaluate(async (url) => (await fetch(url, { method: 'POST' })).status, `/api/v1/sites/locked/mkdir${world.base}/forged`);
      expect(forged).toBe(403);
      const fromPage = await page.evaluate(
        async (url) => (await fetch(url, { method: 'POST', headers: { 'X-Requested-With': 'ftpgate' } })).status,
        `/api/v1/sites/locked/mkdir${world.base}/allowed`,
      );
      expect(fromPage).toBe(201);

      await page.locator('#btn-signout').click();
      await until.visible(page.locator('#view-signin'));
      expect(await context.cookies()).toHaveLength(0);
      // (With the page's header: without it a 401 would raise the browser's own Basic prompt.)
      const after = await page.evaluate(
        async (url) => (await fetch(url, { headers: { 'X-Requested-With': 'ftpgate' } })).status,
        `/api/v1/sites/locked/list/`,
      );
      expect(after).toBe(401);
      expect(problems).toEqual([]);
      await context.close();
    });

    it('renders a plain HTML listing with links when JavaScript is off', async () => {
      const html = await (await fetch(browseUrl(world, world.base))).text();
      expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;.txt');
      expect(html).not.toContain(XSS);
      expect(html).toContain(`href="/browse/files${world.base}/docs/"`);
      expect(html).toContain(`href="/api/v1/sites/files/files${world.base}/data.bin"`);

      const { page, problems, context } = await openPage(browser, { javaScriptEnabled: false });
      await page.goto(browseUrl(world, world.base));
      await until.hidden(page.locator('#app'));
      await page.locator('#plain a', { hasText: 'docs/' }).click();
      await until.contains(page.locator('#plain'), 'readme.txt');
      await page.locator('#plain a[rel="up"]').click();
      await until.contains(page.locator('#plain'), 'picture.png');
      await shot(page, 'desktop-nojs');
      // A pass-through site says how to sign in instead of failing.
      await page.goto(browseUrl(world, '/', 'locked'));
      await until.contains(page.locator('#plain'), 'Sign-in needed');
      expect(problems).toEqual([]);
      await context.close();
    });

    it('works at phone width and in dark mode (screenshots)', async () => {
      const { page, problems, context } = await openPage(browser, { viewport: PHONE, colorScheme: 'dark', isMobile: true, hasTouch: true });
      await page.goto(browseUrl(world, world.base));
      await poll(() => rows(page).count()).toBeGreaterThan(3);
      await shot(page, 'phone-dark-folder');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(PHONE.width);
      // Nothing selected: no action bar taking the screen. A tap on a row opens it.
      expect(await page.locator('#selbar').isVisible()).toBe(false);
      await row(page, 'picture.png').locator('td.col-size').tap();
      await until.visible(page.locator('#preview-body img'));
      await shot(page, 'phone-dark-preview');
      await context.close();

      const light = await openPage(browser, { viewport: PHONE, colorScheme: 'light', isMobile: true, hasTouch: true });
      await light.page.goto(browseUrl(world, world.base, 'locked'));
      await until.visible(light.page.locator('#view-signin'));
      await shot(light.page, 'phone-signin');
      await light.page.goto(`${world.gateway.base}/`);
      await until.count(light.page.locator('#site-list li'), 2);
      await shot(light.page, 'phone-sites');
      expect([...problems, ...light.problems]).toEqual([]);
      await light.context.close();
    });
  });
}
