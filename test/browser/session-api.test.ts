// The browser's server side without a browser: sign-in sessions, the cross-site request
// defence, page headers and assets. Runs everywhere (no chromium needed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessServer, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

describe('browser sessions and page serving', () => {
  let fixture: FtpFixture;
  let gateway: TestGateway;
  const page = { 'x-requested-with': 'ftpgate' };
  const json = { 'content-type': 'application/json' };
  const url = (path: string) => gateway.base + path;

  beforeAll(async () => {
    fixture = await inProcessServer.start();
    const open = fixture.url.replace(/\/\/[^@]*@/, '//');
    gateway = await startGateway({ fixed: fixture.url, locked: open });
  });
  afterAll(async () => {
    await gateway?.close();
    await fixture?.close();
  });

  const signIn = (password: string, headers: Record<string, string> = page) =>
    fetch(url('/api/v1/session'), { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify({ site: 'locked', user: 'test', password }) });

  it('refuses a sign-in without the page header, and a wrong password without a Basic challenge', async () => {
    expect((await signIn('test-pw', {})).status).toBe(403);
    const wrong = await signIn('nope');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBeNull();
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('signs in with an HttpOnly SameSite=Strict cookie, guards writes, signs out', async () => {
    const ok = await signIn('test-pw');
    expect(ok.status).toBe(200);
    const setCookie = ok.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^ftpgate_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain('test-pw');
    const cookie = { cookie: setCookie.split(';')[0]! };

    expect(await (await fetch(url('/api/v1/session'), { headers: cookie })).json()).toEqual({ sites: { locked: { user: 'test' } } });
    expect((await fetch(url('/api/v1/sites/locked/list/'), { headers: cookie })).status).toBe(200);
    // A write with the cookie alone (what a cross-site form could send) is refused.
    expect((await fetch(url('/api/v1/sites/locked/mkdir/x'), { method: 'POST', headers: cookie })).status).toBe(403);
    expect((await fetch(url('/api/v1/sites/locked/mkdir/x'), { method: 'POST', headers: { ...cookie, ...page } })).status).toBe(201);
    // HTTP Basic still works and needs no page header.
    const basic = { authorization: 'Basic ' + Buffer.from('test:test-pw').toString('base64') };
    expect((await fetch(url('/api/v1/sites/locked/files/x?recursive=true'), { method: 'DELETE', headers: basic })).status).toBe(204);

    expect((await fetch(url('/api/v1/session'), { method: 'DELETE', headers: cookie })).status).toBe(403);
    const out = await fetch(url('/api/v1/session?site=locked'), { method: 'DELETE', headers: { ...cookie, ...page } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    const after = await fetch(url('/api/v1/sites/locked/list/'), { headers: cookie });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('Basic');
  });

  it('has nothing to sign in to on a site with its own account', async () => {
    const r = await fetch(url('/api/v1/session'), { method: 'POST', headers: { ...json, ...page }, body: JSON.stringify({ site: 'fixed', user: 'a', password: 'b' }) });
    expect(r.status).toBe(409);
  });

  it('serves the page with a strict CSP and assets gzipped, revalidated, and confined to public/assets', async () => {
    const home = await fetch(url('/'));
    expect(home.headers.get('content-security-policy')).toMatch(/default-src 'self'.*object-src 'none'.*frame-ancestors 'none'/);
    expect(await home.text()).toContain('href="/browse/fixed/"');
    const asset = await fetch(url('/assets/app.js'), { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const etag = asset.headers.get('etag')!;
    expect((await fetch(url('/assets/app.js'), { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(url('/assets/%2e%2e/index.html'))).status).toBe(404);
    expect((await fetch(url('/assets/..%2f..%2fpackage.json'))).status).toBe(404);
  });

  it('asks for Basic only when a no-JavaScript user chooses it', async () => {
    const plain = await fetch(url('/browse/locked/'));
    expect(plain.status).toBe(200);
    expect(await plain.text()).toContain('?login=basic');
    const challenge = await fetch(url('/browse/locked/?login=basic'));
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toContain('Basic');
  });
});
