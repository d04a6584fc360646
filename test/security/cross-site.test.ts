// No cross-site writes and no DNS rebinding (issue 15). A page of another origin, in a real
// chromium, submits a form and sends a no-cors fetch to the gateway: nothing is written, unless
// the origin is listed in allowedOrigins (the control that proves the page's requests do reach
// and would write). Requests naming a Host the gateway is not known by get 421.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/schema.js';
import { hostAllowed, hostPolicy } from '../../src/http/security/host-guard.js';
import { securityWarnings } from '../../src/http/security/warnings.js';
import { CHROMIUM, launch } from '../browser/harness.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { raw, startDisk, FTP_PASSWORD, FTP_USER, type Disk } from './fixtures.js';

const fixed = (disk: Disk) => ({ host: '127.0.0.1', port: disk.server.port, user: FTP_USER, password: FTP_PASSWORD, poolSize: 2 });

describe('cross-site writes', () => {
  let disk: Disk;
  let gw: TestGateway;
  let open: TestGateway; // allowedOrigins lists the attacker's origin: the control
  let evil: Server;
  let evilOrigin: string;

  beforeAll(async () => {
    disk = await startDisk({ 'f.txt': 'file', 'up/': '' });
    // The attacker's page, on another port: another origin.
    evil = createServer((req, res) => {
      const target = new URL(req.url ?? '/', 'http://x').searchParams.get('gw') ?? '';
      const tag = new URL(req.url ?? '/', 'http://x').searchParams.get('tag') ?? 'x';
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><body>
<iframe name="sink"></iframe>
<form id="f" method="POST" enctype="text/plain" target="sink" action="${target}/api/v1/sites/fx/mkdir/form-${tag}"></form>
<script>
document.getElementById('f').submit();
const data = new FormData();
data.append('file', new Blob(['pwned']), 'fetch-${tag}.txt');
fetch('${target}/api/v1/sites/fx/files/up', { method: 'POST', mode: 'no-cors', body: data })
  .then(() => { document.title = 'sent'; }, () => { document.title = 'failed'; });
</script></body>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    gw = await startGateway({ fx: fixed(disk) });
    open = await startGateway({ fx: fixed(disk) }, { allowedOrigins: [evilOrigin] });
  });
  afterAll(async () => {
    await gw?.close();
    await open?.close();
    await new Promise((resolve) => evil?.close(resolve));
    await disk?.close();
  });

  const exists = (name: string) => existsSync(`${disk.root}/${name}`);

  it.skipIf(!existsSync(CHROMIUM) && process.env.FTPGATE_REQUIRE_EXTERNAL !== '1')(
    'a page on another origin cannot write through a browser (chromium); allowedOrigins lets it',
    async () => {
      const browser = await launch();
      try {
        const page = await browser.newPage();
        for (const [gateway, tag] of [[gw, 'refused'], [open, 'allowed']] as const) {
          const mkdirs = disk.server.commands.length;
          await page.goto(`${evilOrigin}/?gw=${encodeURIComponent(gateway.base)}&tag=${tag}`);
          await page.waitForFunction(() => document.title === 'sent' || document.title === 'failed', undefined, { timeout: 10_000 });
          // The form posts into the iframe; give it time to arrive either way.
          await page.waitForLoadState('networkidle');
          if (tag === 'refused') expect(disk.server.commands.slice(mkdirs).filter((c) => /^(MKD|STOR)/.test(c))).toEqual([]);
        }
        expect(exists('form-refused')).toBe(false);
        expect(exists('up/fetch-refused.txt')).toBe(false);
        // The control: the same page, the same requests, to a gateway that allows that origin.
        expect(exists('form-allowed')).toBe(true);
        expect(exists('up/fetch-allowed.txt')).toBe(true);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  it('writes with a foreign Origin or Sec-Fetch-Site: cross-site get a 403 problem; without them they work', async () => {
    const cases: Array<[Record<string, string>, number]> = [
      [{ origin: 'https://evil.example' }, 403],
      [{ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, 403],
      [{ 'sec-fetch-site': 'cross-site' }, 403],
      [{ origin: 'null' }, 403],
      [{ origin: `${gw.base.replace('127.0.0.1', 'localhost')}` }, 403], // another origin, even if the same machine
      [{ origin: gw.base, 'sec-fetch-site': 'same-origin' }, 201],
      [{}, 201], // scripts, WebDAV clients
    ];
    let i = 0;
    for (const [headers, status] of cases) {
      const res = await raw(gw.base, 'POST', `/api/v1/sites/fx/mkdir/d${i}`, headers);
      expect(res.status, JSON.stringify(headers)).toBe(status);
      if (status === 403) {
        expect(res.headers['content-type']).toMatch(/problem\+json/);
        expect(JSON.parse(res.body).code).toBe('cross_site');
      }
      expect(exists(`d${i}`), JSON.stringify(headers)).toBe(status === 201);
      i++;
    }
  });

  it('WebDAV writes alike; reads from any origin are not refused', async () => {
    const evilHeaders = { origin: 'https://evil.example' };
    expect((await raw(gw.base, 'MKCOL', '/dav/fx/davdir', evilHeaders)).status).toBe(403);
    expect((await raw(gw.base, 'DELETE', '/dav/fx/f.txt', evilHeaders)).status).toBe(403);
    expect(exists('davdir')).toBe(false);
    expect(exists('f.txt')).toBe(true);
    expect((await raw(gw.base, 'GET', '/dav/fx/f.txt', evilHeaders)).status).toBe(200);
    expect((await raw(gw.base, 'PROPFIND', '/dav/fx/', { ...evilHeaders, depth: '1' })).status).toBe(207);
    expect((await raw(gw.base, 'MKCOL', '/dav/fx/davdir')).status).toBe(201);
  });
});

describe('DNS rebinding', () => {
  let disk: Disk;
  let gw: TestGateway;
  let named: TestGateway;

  beforeAll(async () => {
    disk = await startDisk({ 'f.txt': 'secret-content' });
    gw = await startGateway({ fx: fixed(disk) });
    named = await startGateway({ fx: fixed(disk) }, { allowedHosts: ['files.example'], publicUrl: 'https://gw.example.org' });
  });
  afterAll(async () => {
    await gw?.close();
    await named?.close();
    await disk?.close();
  });

  const port = (g: TestGateway) => new URL(g.base).port;

  it('a Host the gateway is not known by is 421 with a problem body, on every front', async () => {
    for (const path of ['/api/v1/sites/fx/files/f.txt', '/api/v1/sites', '/dav/fx/f.txt', '/browse/fx/', '/metrics', '/']) {
      const res = await raw(gw.base, 'GET', path, { host: `attacker.example:${port(gw)}` });
      expect(res.status, path).toBe(421);
      expect(res.headers['content-type'], path).toMatch(/problem\+json/);
      expect(JSON.parse(res.body).code).toBe('misdirected');
      expect(res.body).not.toContain('secret-content');
    }
  });

  it('on loopback: the listen address, localhost and the loopback addresses are answered', async () => {
    for (const host of [`127.0.0.1:${port(gw)}`, `localhost:${port(gw)}`, `LOCALHOST.:${port(gw)}`, `127.0.0.2:${port(gw)}`, `[::1]:${port(gw)}`]) {
      expect((await raw(gw.base, 'GET', '/api/v1/sites/fx/files/f.txt', { host })).status, host).toBe(200);
    }
  });

  it('allowedHosts and publicUrl add names; health probes answer whatever the Host', async () => {
    for (const host of ['files.example', `files.example:${port(named)}`, 'gw.example.org']) {
      expect((await raw(named.base, 'GET', '/api/v1/sites/fx/files/f.txt', { host })).status, host).toBe(200);
    }
    expect((await raw(named.base, 'GET', '/api/v1/sites/fx/files/f.txt', { host: 'other.example' })).status).toBe(421);
    for (const path of ['/healthz', '/readyz']) {
      expect((await raw(gw.base, 'GET', path, { host: 'kube-probe.internal' })).status, path).toBe(200);
    }
  });

  it('listening on every interface: IP addresses and localhost only, and a warning without the setting', () => {
    const config = validateConfig({ listen: { host: '0.0.0.0', port: 8080 }, sites: [] });
    const policy = hostPolicy(config);
    expect(hostAllowed(policy, '192.168.1.20:8080')).toBe(true);
    expect(hostAllowed(policy, '[fe80::1]:8080')).toBe(true);
    expect(hostAllowed(policy, 'localhost:8080')).toBe(true);
    expect(hostAllowed(policy, 'attacker.example:8080')).toBe(false);
    expect(securityWarnings(config).join('\n')).toMatch(/every interface.*421/);
    const named = validateConfig({ listen: { host: '0.0.0.0', port: 8080 }, allowedHosts: 'files.example, files2.example', sites: [] });
    expect(named.allowedHosts).toEqual(['files.example', 'files2.example']);
  });
});
