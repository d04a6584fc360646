// Every piece of interface text goes through the one catalogue (public/assets/i18n.js) and has
// its German: a static scan of the page's scripts and HTML, and the page itself rendered in
// German, where no English sentence of the catalogue may remain visible (text, labels, titles).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { germanCatalogue, scanHtml, scanScripts } from './i18n-scan.js';
import { openPage, PHONE, skipBrowser, until } from './harness.js';
import type { TestGateway } from '../helpers/gateway.js';
import { startAccountsScene, type AccountsScene } from './accounts-scene.js';

describe('the interface text catalogue', () => {
  it('holds every string of the page scripts, each with its German', () => {
    expect(scanScripts().map((f) => `${f.file}:${f.line} ${f.why}: ${f.text}`)).toEqual([]);
  });
  it('covers every text, label and title of index.html', () => {
    expect(scanHtml().map((f) => `${f.file}:${f.line} ${f.why}: ${f.text}`)).toEqual([]);
  });
});

/** Visible English: text nodes, aria-labels, titles and placeholders equal to an English key whose German differs. */
async function visibleEnglish(page: Page, english: string[]): Promise<string[]> {
  return page.evaluate((keys) => {
    const wanted = new Set(keys);
    const found = new Set<string>();
    const shown = (el: Element) => (el as HTMLElement).checkVisibility?.({ checkVisibilityCSS: true }) ?? true;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent?.trim() ?? '';
      if (text && wanted.has(text) && n.parentElement && shown(n.parentElement)) found.add(`text: ${text}`);
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
      for (const name of ['aria-label', 'title', 'placeholder']) {
        const value = el.getAttribute(name)?.trim();
        if (value && wanted.has(value)) found.add(`${name}: ${value}`);
      }
    }
    return [...found].sort();
  }, english);
}

describe.skipIf(skipBrowser)('the page in German', { timeout: 60_000 }, () => {
  let scene: AccountsScene;
  let gw: TestGateway;
  let browser: Browser;
  // English keys with a German of their own and no {values}: these must not show in German.
  const english = [...germanCatalogue()].filter(([en, de]) => en !== de && !en.includes('{')).map(([en]) => en);

  beforeAll(async () => {
    scene = await startAccountsScene({ 'alice/docs/a.txt': 'A', 'alice/docs/b.txt': 'B', 'alice/docs/sub/': '' }, [{ name: 'alice', password: 'alice-pw', sites: ['acc'], root: '/alice' }]);
    ({ gw, browser } = scene);
  }, 60_000);
  afterAll(() => scene?.close());

  for (const [size, viewport] of [['desktop', { width: 1366, height: 800 }], ['phone', PHONE]] as const) {
    it(`shows no English sentence of the catalogue: sign-in, folder, selection, share dialog (${size})`, async () => {
      const { page, problems, context } = await openPage(browser, { viewport, locale: 'de-DE', hasTouch: size === 'phone' });
      await page.goto(`${gw.base}/browse/acc/docs/`);
      await until.visible(page.locator('#view-signin'));
      expect(await visibleEnglish(page, english)).toEqual([]);
      await page.locator('#signin-user').fill('alice');
      await page.locator('#signin-password').fill('alice-pw');
      await page.locator('#signin-submit').click();
      await until.count(page.locator('#rows tr'), 3);
      expect(await visibleEnglish(page, english)).toEqual([]);
      await page.locator('#rows tr').nth(1).locator('input[type=checkbox]').check();
      await until.visible(page.locator('#selbar [data-act="share"]'));
      expect(await visibleEnglish(page, english)).toEqual([]);
      await page.locator('#selbar [data-act="share"]').click();
      await until.visible(page.locator('#dialog'));
      expect(await visibleEnglish(page, english)).toEqual([]);
      expect(await page.locator('#share-create').textContent()).toBe('Link erstellen');
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});
