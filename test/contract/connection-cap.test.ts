// A server's connection cap is learned (issue 15): vsftpd with max_clients=3 and a pool of 8.
// Before, 12 parallel downloads gave 7 × 200 and 5 × 503; now every request is served on the
// three sessions the server allows, /metrics reports the cap and `ftpgate check` finds it.
// Starts its own vsftpd (test/servers/vsftpd.sh with VSFTPD_MAX_CLIENTS=3); needs root.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { checkSites } from '../../src/ftp/check.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, sha256 } from '../helpers/http.js';

const script = join(import.meta.dirname, '../servers/vsftpd.sh');
const canRun = existsSync('/usr/sbin/vsftpd') && process.getuid?.() === 0;

describe.skipIf(!canRun)('vsftpd with max_clients=3 behind a pool of 8', () => {
  let dir: string;
  let url: string;
  let gw: TestGateway;
  const file = bytes(512 * 1024, 7);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-cap-'));
    await chmod(dir, 0o755);
    // Its own passive ports: with-servers.sh exports the range of the last server it started.
    const { VSFTPD_PASV_MIN: _min, VSFTPD_PASV_MAX: _max, ...env } = process.env;
    url = execFileSync('bash', [script, 'start', dir], { env: { ...env, VSFTPD_MAX_CLIENTS: '3' }, encoding: 'utf8' }).trim();
    await writeFile(join(dir, 'root', 'f.bin'), file);
    gw = await startGateway({ c: `${url}?poolSize=8&minIdle=0&clientShare=1&queueTimeout=15000` });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    if (dir) execFileSync('bash', [script, 'stop', dir]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves 12 parallel downloads, all 200, and reports the learned cap in /metrics', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const res = await fetch(`${gw.base}/api/v1/sites/c/files/f.bin`);
        return { status: res.status, hash: sha256(Buffer.from(await res.arrayBuffer())) };
      }),
    );
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    for (const r of results) expect(r.hash).toBe(sha256(file));
    const stats = gw.fs.poolStats('c');
    expect(stats.learnedLimit).toBeLessThanOrEqual(3);
    expect(stats.open).toBeLessThanOrEqual(3);
    const metrics = await (await fetch(`${gw.base}/metrics`)).text();
    expect(metrics).toMatch(/^ftpgate_ftp_server_connection_cap\{site="c"\} [123]$/m);
    expect(metrics).toMatch(/^ftpgate_ftp_sessions_limit\{site="c"\} [123]$/m);
  }, 60_000);

  it('`ftpgate check` finds the cap: 3 of poolSize 8 at once', async () => {
    await gw.close(); // its sessions would take the server's places
    gw = undefined as unknown as TestGateway;
    await new Promise((r) => setTimeout(r, 500)); // vsftpd reaps the closed sessions
    const config = validateConfig({ listen: { host: '127.0.0.1', port: 0 }, sites: [parseSiteUrl('c', `${url}?poolSize=8`)] });
    const [report] = await checkSites(config.sites);
    expect(report!.sessions).toEqual({ tried: 8, accepted: 3 });
  }, 30_000);
});
