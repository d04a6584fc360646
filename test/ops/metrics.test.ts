// GET /metrics after real traffic: counters move, labels are route patterns and site names,
// and nothing of a request path, user name or password shows.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessServer, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic, bytes } from '../helpers/http.js';
import { ftpEvents, replyCounter } from '../../src/ftp/diagnostics.js';

/** The value of one sample, by metric name and exact labels (all of them). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '').split(/,(?=[a-zA-Z_]\w*=")/).filter(Boolean).sort().join(',');
    if (got === want) return Number(m[3]);
  }
  return undefined;
}


describe('GET /metrics', () => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  const SECRET_DIR = 'secret-folder-9f3a';
  const SECRET_FILE = 'private-report-77.bin';
  const content = bytes(200_000, 3);

  beforeAll(async () => {
    ftp = await inProcessServer.start();
    await mkdir(join(ftp.root, SECRET_DIR), { recursive: true });
    await writeFile(join(ftp.root, SECRET_DIR, SECRET_FILE), content);
    const url = new URL(ftp.url);
    gw = await startGateway({
      main: `${ftp.url}?poolSize=2`,
      pass: `ftp://${url.hostname}:${url.port}/?poolSize=1`,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await ftp?.close();
  });

  it('counts requests by route and status, bytes per site, and pool sessions; no path or password in labels', async () => {
    const file = `${gw.base}/api/v1/sites/main/files/${SECRET_DIR}/${SECRET_FILE}`;
    expect((await fetch(`${gw.base}/api/v1/sites/main/list/${SECRET_DIR}`)).status).toBe(200);
    const down = await fetch(file);
    expect(Buffer.from(await down.arrayBuffer()).equals(content)).toBe(true);
    const up = await fetch(`${gw.base}/api/v1/sites/main/files/${SECRET_DIR}/up-${SECRET_FILE}`, { method: 'PUT', body: content });
    expect(up.status).toBe(201);
    expect((await fetch(`${gw.base}/api/v1/sites/main/files/${SECRET_DIR}/missing.txt`)).status).toBe(404);
    // A pass-through request carrying a password (a wrong one: the FTP login fails).
    const password = 'hunter2-Sup3rSecret';
    const wrong = await fetch(`${gw.base}/api/v1/sites/pass/list/`, { headers: { authorization: basic('test', password) } });
    expect(wrong.status).toBe(401);
    // WebDAV too.
    const dav = await fetch(`${gw.base}/dav/main/${SECRET_DIR}/${SECRET_FILE}`, { headers: { authorization: basic('x', 'y') } });
    expect(dav.status).toBe(200);
    await dav.arrayBuffer();
    await new Promise((r) => setTimeout(r, 50)); // the counters are updated on 'close', just after the response

    const res = await fetch(`${gw.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();

    const FILES = '/api/v1/sites/:site/files/*';
    expect(sample(text, 'ftpgate_http_requests_total', { method: 'GET', route: FILES, status: '200' })).toBe(1);
    expect(sample(text, 'ftpgate_http_requests_total', { method: 'GET', route: FILES, status: '404' })).toBe(1);
    expect(sample(text, 'ftpgate_http_requests_total', { method: 'PUT', route: FILES, status: '201' })).toBe(1);
    expect(sample(text, 'ftpgate_http_requests_total', { method: 'GET', route: '/api/v1/sites/:site/list/*', status: '200' })).toBe(1);
    expect(sample(text, 'ftpgate_http_requests_total', { method: 'GET', route: '/api/v1/sites/:site/list/*', status: '401' })).toBe(1);
    expect(sample(text, 'ftpgate_http_requests_total', { method: 'GET', route: '/dav/*', status: '200' })).toBe(1);
    // Downloads (REST + WebDAV) out, the upload in.
    expect(sample(text, 'ftpgate_transfer_bytes_total', { site: 'main', direction: 'out' })).toBe(2 * content.length);
    expect(sample(text, 'ftpgate_transfer_bytes_total', { site: 'main', direction: 'in' })).toBe(content.length);
    expect(sample(text, 'ftpgate_http_transfer_duration_seconds_count', { site: 'main', direction: 'out' })).toBe(2);
    expect(sample(text, 'ftpgate_http_request_duration_seconds_count', { method: 'GET', route: FILES })).toBe(2);
    // Pool gauges, read from the pools at scrape time.
    const open = sample(text, 'ftpgate_ftp_sessions_open', { site: 'main' });
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(2);
    expect(sample(text, 'ftpgate_ftp_sessions_idle', { site: 'main' })).toBe(open);
    expect(sample(text, 'ftpgate_ftp_sessions_waiting', { site: 'main' })).toBe(0);
    expect(sample(text, 'ftpgate_ftp_sessions_open', { site: 'pass' })).toBeDefined();
    // Declared, whether or not the FTP layer reports yet.
    for (const name of ['ftpgate_ftp_replies_total', 'ftpgate_ftp_pool_wait_seconds', 'ftpgate_ftp_transfer_duration_seconds']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    // Nothing of what the requests carried.
    for (const secret of [SECRET_DIR, SECRET_FILE, 'missing.txt', password, 'test-pw', 'hunter2']) expect(text).not.toContain(secret);
    for (const line of text.split('\n').filter((l) => l.startsWith('ftpgate_'))) {
      const labels = /\{(.*)\}/.exec(line)?.[1] ?? '';
      for (const [, value] of labels.matchAll(/="([^"]*)"/g)) expect(value).toMatch(/^(?:[A-Za-z0-9_.:*/+-]*|\(none\))$/);
    }
  });

  it('counts FTP reply codes, pool waits and transfers reported by the FTP layer (published on diagnostics_channel)', async () => {
    // The listener side, independent of the wiring in src/ftp: feed it like session.ts would.
    const tap = replyCounter('main');
    tap('< 220 welcome\r\n');
    tap('< 211-Features:\r\n MLSD\r\n EPSV\r\n211 En'); // a reply split across two reads
    tap('< d\r\n');
    tap('> PASS secret'); // commands are not replies
    ftpEvents.poolWait('main', 0.02);
    ftpEvents.transfer('main', 'download', 0.3, true);
    ftpEvents.reply('not-a-site', 200); // sites unknown to this gateway are not labels
    const text = await (await fetch(`${gw.base}/metrics`)).text();
    expect(sample(text, 'ftpgate_ftp_replies_total', { site: 'main', code: '220' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ftpgate_ftp_replies_total', { site: 'main', code: '211' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('not-a-site');
    expect(sample(text, 'ftpgate_ftp_pool_wait_seconds_count', { site: 'main' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ftpgate_ftp_transfer_duration_seconds_count', { site: 'main', direction: 'download', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });

  it('sees real FTP replies, pool waits and transfer times reported by the FTP layer', async () => {
    const before = await (await fetch(`${gw.base}/metrics`)).text();
    const count226 = sample(before, 'ftpgate_ftp_replies_total', { site: 'main', code: '226' }) ?? 0;
    await (await fetch(`${gw.base}/api/v1/sites/main/files/${SECRET_DIR}/${SECRET_FILE}`)).arrayBuffer();
    await new Promise((r) => setTimeout(r, 100));
    const after = await (await fetch(`${gw.base}/metrics`)).text();
    expect(sample(after, 'ftpgate_ftp_replies_total', { site: 'main', code: '226' }) ?? 0).toBeGreaterThan(count226);
  });
});
