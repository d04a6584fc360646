// Shared pieces of the browser tests: Debian's chromium through playwright-core, a gateway
// over each FTP fixture, files seeded through the REST API (so any FTP server works), and
// screenshots written outside the repository.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { crc32, deflateSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Where screenshots go: FTPGATE_SCREENS, else a folder under /tmp (never the repository). */
const SCREENS = process.env.FTPGATE_SCREENS ?? '/tmp/ftpgate-screens';
const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Skip without chromium, unless external tools are required (CI): then fail loudly. */
export const skipBrowser = !existsSync(CHROMIUM) && process.env.FTPGATE_REQUIRE_EXTERNAL !== '1';

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

export interface World {
  fixture: FtpFixture;
  gateway: TestGateway;
  /** A folder of its own for this run, under the site root. */
  base: string;
  user: string;
  password: string;
}

/** A gateway with site "files" (fixed login) and site "locked" (pass-through: sign in). */
export async function startWorld(fixture: FtpFixture): Promise<World> {
  const url = new URL(fixture.url);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const open = `${url.protocol}//${url.host}${url.pathname}`;
  const gateway = await startGateway({ files: fixture.url, locked: open });
  const base = `/browser-${process.pid}-${Date.now().toString(36)}`;
  return { fixture, gateway, base, user, password };
}

const enc = (path: string) => path.split('/').filter(Boolean).map(encodeURIComponent).join('/');

export async function putFile(world: World, path: string, body: Uint8Array | string): Promise<void> {
  const response = await fetch(`${world.gateway.base}/api/v1/sites/files/files/${enc(path)}`, {
    method: 'PUT',
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  if (!response.ok) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
}

export async function mkdirs(world: World, path: string): Promise<void> {
  const response = await fetch(`${world.gateway.base}/api/v1/sites/files/mkdir/${enc(path)}`, { method: 'POST' });
  if (!response.ok) throw new Error(`mkdir ${path}: ${response.status}`);
}

export async function getFile(world: World, path: string): Promise<Buffer | undefined> {
  const response = await fetch(`${world.gateway.base}/api/v1/sites/files/files/${enc(path)}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

export async function names(world: World, path: string): Promise<string[]> {
  const response = await fetch(`${world.gateway.base}/api/v1/sites/files/list/${enc(path)}`);
  const body = (await response.json()) as { entries: { name: string }[] };
  return body.entries.map((e) => e.name).sort();
}

export function browseUrl(world: World, path: string, site = 'files'): string {
  const tail = enc(path);
  return `${world.gateway.base}/browse/${site}/${tail ? tail + '/' : ''}`;
}

/** A page that records script errors, dialogs and CSP violations: each must stay empty. */
export async function openPage(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}) {
  const context: BrowserContext = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true, ...options });
  const page: Page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(`csp: ${message.text()}`);
  });
  return { context, page, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENS, { recursive: true });
  await page.screenshot({ path: `${SCREENS}/${name}.png`, fullPage: false });
}

/** A valid PNG (64x48, a colour gradient), built by hand so no image library is needed. */
export function makePng(width = 64, height = 48): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.set([x * 4, y * 5, 200], y * (width * 3 + 1) + 1 + x * 3);
  }
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** expect.poll with room for a real FTP server's round trips. */
export const poll = <T>(fn: () => Promise<T> | T, timeout = 10_000) => expect.poll(fn, { timeout, interval: 50 });

/** Waiting assertions on locators (playwright-core has no test runner's expect). */
export const until = {
  visible: (l: Locator) => poll(() => l.isVisible()).toBe(true),
  hidden: (l: Locator) => poll(() => l.isHidden()).toBe(true),
  text: (l: Locator, text: string) => poll(() => l.textContent()).toBe(text),
  contains: (l: Locator, text: string, timeout?: number) => poll(async () => (await l.textContent()) ?? '', timeout).toContain(text),
  count: (l: Locator, n: number) => poll(() => l.count()).toBe(n),
  attr: (l: Locator, name: string, value: string) => poll(() => l.getAttribute(name)).toBe(value),
};
