// IPv6 on both sides, against a real vsftpd listening on ::1 only (listen_ipv6=YES, started with
// test/servers/vsftpd.sh VSFTPD_IPV6=1): the gateway listens on [::1], a site at ftp://[::1]:PORT/
// lists, downloads and uploads through EPSV, and in active mode through EPRT |2|; the active-mode
// listener accepts only the control connection's IPv6 peer. Skipped without vsftpd, root or ::1.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { chmod, readFile, writeFile, chown, stat } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActiveDataSocket, listenInRange } from '../../src/ftp/active.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, sha256 } from '../helpers/http.js';
import { requireExternal } from '../helpers/ftp-servers.js';
import { canRunVsftpd } from '../active/vsftpd-active.js';
import { ensureBuilt, ROOT } from '../ops/built-cli.js';

function ipv6Loopback(): boolean {
  try {
    execFileSync(process.execPath, ['-e', "require('net').createServer().listen(0,'::1',function(){this.close()})"], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const runnable = canRunVsftpd() && ipv6Loopback();
if (!runnable && requireExternal) throw new Error('FTPGATE_REQUIRE_EXTERNAL=1 but vsftpd, root or ::1 is missing for the IPv6 tests');

describe.skipIf(!runnable)('IPv6: vsftpd on ::1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ftpgate-v6-'));
  const script = join(ROOT, 'test', 'servers', 'vsftpd.sh');
  let url: string;
  let root: string;
  let gw: TestGateway;
  const big = bytes(3 * 1024 * 1024 + 7, 61);
  const api = (site: string, action: string, path = '') => `${gw.base}/api/v1/sites/${site}/${action}/${path}`;
  const log = () => readFile(join(dir, 'vsftpd.log'), 'utf8');

  beforeAll(async () => {
    await chmod(dir, 0o755);
    url = execFileSync('bash', [script, 'start', dir], { env: { ...process.env, VSFTPD_IPV6: '1' }, encoding: 'utf8' }).trim();
    root = join(dir, 'root');
    const owner = await stat(root);
    await writeFile(join(root, 'big.bin'), big);
    await chown(join(root, 'big.bin'), owner.uid, owner.gid);
    gw = await startGateway({ auto: `${url}?poolSize=2`, active: `${url}?poolSize=1&dataMode=active` });
  });
  afterAll(async () => {
    await gw?.close();
    execFileSync('bash', [script, 'stop', dir]);
  });

  it('the site URL names an IPv6 address in brackets', () => {
    expect(url).toMatch(/^ftp:\/\/[^@]+@\[::1\]:\d+\/$/);
    expect(gw.fs.site('auto').host).toBe('::1');
  });

  for (const site of ['auto', 'active'] as const) {
    it(`${site}: lists, downloads and uploads byte for byte`, async () => {
      const list = await fetch(api(site, 'list'));
      expect(list.status).toBe(200);
      const entries = ((await list.json()) as { entries: { name: string; size: number }[] }).entries;
      expect(entries).toContainEqual(expect.objectContaining({ name: 'big.bin', size: big.length }));
      const down = Buffer.from(await (await fetch(api(site, 'files', 'big.bin'))).arrayBuffer());
      expect(sha256(down)).toBe(sha256(big));
      const body = bytes(1024 * 1024 + 1, site === 'auto' ? 62 : 63);
      const up = await fetch(api(site, 'files', `up-${site}.bin`), { method: 'PUT', body });
      expect(up.status).toBe(201);
      expect(sha256(await readFile(join(root, `up-${site}.bin`)))).toBe(sha256(body));
    });
  }

  it('passive mode used EPSV, active mode EPRT |2|::1| (never PASV or PORT: IPv4 only)', async () => {
    const text = await log();
    expect(text).toMatch(/"EPSV"/);
    expect(text).toMatch(/"EPRT \|2\|::1\|\d+\|"/);
    expect(text).toMatch(/"200 EPRT command successful/);
    expect(text).not.toMatch(/"(PASV|PORT [\d,]+)"/);
  });

  it('the command line listens on [::1] and serves a site at ftp://[::1]:PORT/ from --site alone', async () => {
    const cli = await ensureBuilt();
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '::1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    // A state folder of its own: the default one is refused while any other gateway holds it.
    const dataDir = mkdtempSync(join(tmpdir(), 'ftpgate-ipv6-'));
    const child = spawn(process.execPath, [cli, '--listen', `[::1]:${port}`, '--site', `v6=${url}`, '--log-level', 'warn', '--data-dir', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      for (let i = 0; i < 300 && !stderr.includes('listening on') && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toContain(`listening on http://[::1]:${port}/`);
      const res = await fetch(`http://[::1]:${port}/api/v1/sites/v6/list/`);
      expect(res.status).toBe(200);
      expect(JSON.stringify(await res.json())).toContain('big.bin');
      const ready = await fetch(`http://[::1]:${port}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready', sites: { v6: 'ok' } });
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
  });
});

describe.skipIf(!ipv6Loopback())('IPv6: the active-mode listener accepts only the control connection peer', () => {
  it('refuses a connection from another address (127.0.0.1 to a dual-stack listener) and takes the one from ::1', async () => {
    const { server, port } = await listenInRange('::');
    const refused: Array<string | undefined> = [];
    const stand = new ActiveDataSocket(server, '::1', port, undefined, 5000, (from) => refused.push(from));
    const chunks: Buffer[] = [];
    stand.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((r) => stand.once('end', r));
    // The stranger first, over IPv4: reset, nothing of it read.
    await new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => s.write('FORGED'));
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    });
    expect(refused).toEqual(['127.0.0.1']);
    const s = connect({ host: '::1', port }, () => s.end('REAL BYTES'));
    await ended;
    expect(Buffer.concat(chunks).toString()).toBe('REAL BYTES');
    stand.destroy();
  });
});
