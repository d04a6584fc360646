// Headers on every response (helmet, one CSP source of truth), file contents sandboxed so they
// never run in the gateway's origin, HSTS and Secure cookies only over HTTPS: served directly
// (--tls-cert/--tls-key) or behind a trusted proxy (--trust-proxy), never on a client's say-so.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CSP } from '../../src/http/security/page-headers.js';
import { cspDirectives } from '../../src/http/security/headers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { FTP_PASSWORD, FTP_USER, startDisk, type Disk } from './fixtures.js';

const SIGN_IN = { 'x-requested-with': 'ftpgate', 'content-type': 'application/json' };
const signInBody = JSON.stringify({ site: 'pt', user: FTP_USER, password: FTP_PASSWORD });

describe('security headers and transport', () => {
  let disk: Disk;
  let gw: TestGateway;
  let proxied: TestGateway;
  let tls: TestGateway;
  let dir: string;

  beforeAll(async () => {
    disk = await startDisk({
      'page.html': '<script>alert(1)</script>',
      'feed.rss': '<rss xmlns:h="http://www.w3.org/1999/xhtml"><h:script>alert(1)</h:script></rss>',
      'pic.svg': '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      'notes.txt': 'plain',
      'doc.pdf': '%PDF-1.4',
    });
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const ftp = { host: '127.0.0.1', port: disk.server.port, poolSize: 2 };
    const sites = { fx: { ...ftp, user: FTP_USER, password: FTP_PASSWORD }, pt: { ...ftp, credentials: 'pass-through' } };
    gw = await startGateway(sites);
    proxied = await startGateway(sites, { trustProxy: '127.0.0.1' });
    tls = await startGateway(sites, { tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
  });
  afterAll(async () => {
    await gw?.close();
    await proxied?.close();
    await tls?.close();
    await disk?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends helmet headers on API answers, errors and pages, with the page CSP as the one policy', async () => {
    for (const path of ['/api/v1/sites', '/api/v1/sites/nope/list/', '/', '/browse/fx/', '/assets/app.js']) {
      const res = await fetch(gw.base + path);
      await res.arrayBuffer();
      const csp = res.headers.get('content-security-policy');
      expect(cspDirectives(csp ?? ''), path).toEqual(cspDirectives(PAGE_CSP));
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('strict-transport-security'), path).toBeNull(); // plain HTTP
    }
  });

  it('sandboxes every file it serves, over REST and WebDAV, and never serves HTML or SVG inline', async () => {
    for (const name of ['page.html', 'feed.rss', 'pic.svg', 'notes.txt', 'doc.pdf']) {
      for (const url of [`${gw.base}/api/v1/sites/fx/files/${name}`, `${gw.base}/dav/fx/${name}`]) {
        const res = await fetch(url);
        await res.arrayBuffer();
        expect(res.status, url).toBe(200);
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp, url).toMatch(/(^|;\s*)sandbox(;|$)/);
        expect(csp, url).toContain("default-src 'none'");
        expect(csp, url).not.toMatch(/script-src/);
        expect(res.headers.get('x-content-type-options'), url).toBe('nosniff');
        if (/\.(html|svg)$/.test(name)) expect(res.headers.get('content-disposition'), url).toMatch(/^attachment/);
      }
    }
  });

  it('keeps answers to signed-in requests out of shared caches', async () => {
    const res = await fetch(`${gw.base}/api/v1/sites/pt/files/notes.txt`, { headers: { authorization: `Basic ${Buffer.from(`${FTP_USER}:${FTP_PASSWORD}`).toString('base64')}` } });
    expect(await res.text()).toBe('plain');
    expect(res.headers.get('cache-control')).toMatch(/private|no-store/);
  });

  it('behind a trusted proxy, an HTTPS request gets HSTS and a Secure session cookie', async () => {
    const res = await fetch(`${proxied.base}/api/v1/session`, { method: 'POST', headers: { ...SIGN_IN, 'x-forwarded-proto': 'https' }, body: signInBody });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/);
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Strict/);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    const plain = await fetch(`${proxied.base}/api/v1/sites`);
    expect(plain.headers.get('strict-transport-security')).toBeNull();
  });

  it('without trust-proxy, X-Forwarded-Proto from a client changes nothing', async () => {
    const res = await fetch(`${gw.base}/api/v1/session`, { method: 'POST', headers: { ...SIGN_IN, 'x-forwarded-proto': 'https' }, body: signInBody });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).not.toMatch(/Secure/);
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('serves HTTPS itself with --tls-cert/--tls-key: HSTS and Secure cookies', async () => {
    const port = new URL(tls.base).port;
    const ca = readFileSync(join(dir, 'cert.pem'));
    const res = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/api/v1/session', method: 'POST', ca, headers: SIGN_IN }, (r) => {
        r.resume();
        r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers }));
      });
      req.on('error', reject);
      req.end(signInBody);
    });
    expect(res.status).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(/; Secure/);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    // and plain HTTP on that port is not answered
    await expect(fetch(`http://127.0.0.1:${port}/api/v1/sites`)).rejects.toThrow();
  });
});
