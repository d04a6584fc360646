// Every way of presenting a password goes through one limiter (issue 15): the /browse pages,
// REST and WebDAV Basic, the site a WebDAV Destination names, the sign-in form and share-link
// passwords. A wrong login is 401 everywhere, only a verified password clears a count, and a
// guesser stopped by the limit (or repeating a password already refused) never reaches the
// FTP server: proved on the scripted server's command log and on vsftpd's own log.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic } from '../helpers/http.js';
import { FTP_PASSWORD, FTP_USER, startDisk, writeUsersFile, type Disk } from './fixtures.js';

const PER_USER = 3;
const PER_ADDRESS = 8;

describe('one limiter for every password', () => {
  let disk: Disk;
  let gw: TestGateway;
  let dir: string;

  beforeAll(async () => {
    disk = await startDisk({ 'f.txt': 'file' });
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-users-'));
    const usersFile = await writeUsersFile(dir, [{ name: 'alice', password: 'alice-pw', sites: ['acc'] }]);
    const ftp = { host: '127.0.0.1', port: disk.server.port, poolSize: 2 };
    const sites = {
      pt: { ...ftp, credentials: 'pass-through' },
      acc: { ...ftp, auth: 'accounts' },
      fx: { ...ftp, user: FTP_USER, password: FTP_PASSWORD },
    };
    const limits = { usersFile, loginFailuresPerUser: PER_USER, loginFailuresPerAddress: PER_ADDRESS, loginFailureWindowMs: 60_000 };
    gw = await startGateway(sites, { ...limits, trustProxy: true });
  });
  afterAll(async () => {
    await gw?.close();
    await disk?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const logins = (user: string) => disk.server.commands.filter((c) => c === `USER ${user}`).length;

  it('/browse/{site}/: a wrong Basic login is a 401 sign-in page, counted; past the limit 429, even for the right password', async () => {
    const from = { 'x-forwarded-for': '10.2.0.1' };
    for (let i = 0; i < PER_USER; i++) {
      const res = await fetch(`${gw.base}/browse/pt/`, { headers: { ...from, authorization: basic('browser', `guess-${i}`) } });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
      expect(await res.text()).toContain('Sign-in needed');
    }
    const before = logins('browser');
    const res = await fetch(`${gw.base}/browse/pt/`, { headers: { ...from, authorization: basic('browser', 'another') } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(logins('browser')).toBe(before);
  });

  it('/browse/{site}/: only the right password clears the count of the name', async () => {
    const from = { 'x-forwarded-for': '10.2.0.2' };
    const page = (password: string) => fetch(`${gw.base}/browse/pt/`, { headers: { ...from, authorization: basic(FTP_USER, password) } });
    for (let i = 0; i < PER_USER - 1; i++) expect((await page(`wrong-${i}`)).status).toBe(401);
    const ok = await page(FTP_PASSWORD);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('f.txt');
    // The name starts over after a real success, so PER_USER - 1 more failures still get 401.
    for (let i = 0; i < PER_USER - 1; i++) expect((await page(`wrong-again-${i}`)).status).toBe(401);
  });

  it('no page without a login stays 200 (the sign-in offer), and it is not a failure', async () => {
    const from = { 'x-forwarded-for': '10.2.0.3' };
    for (let i = 0; i < PER_ADDRESS + 2; i++) {
      const res = await fetch(`${gw.base}/browse/pt/`, { headers: from });
      expect(res.status).toBe(200);
    }
  });

  it('a WebDAV COPY whose Destination is a pass-through site counts the password checked there', async () => {
    const from = { 'x-forwarded-for': '10.2.0.4' };
    for (let i = 0; i < PER_USER; i++) {
      const res = await fetch(`${gw.base}/dav/fx/f.txt`, {
        method: 'COPY',
        headers: { ...from, authorization: basic('copier', `guess-${i}`), destination: `${gw.base}/dav/pt/copy-${i}.txt` },
      });
      expect(res.status).toBe(401);
    }
    const before = logins('copier');
    const res = await fetch(`${gw.base}/dav/fx/f.txt`, {
      method: 'COPY',
      headers: { ...from, authorization: basic('copier', 'next'), destination: `${gw.base}/dav/pt/copy-x.txt` },
    });
    expect(res.status).toBe(429);
    expect(logins('copier')).toBe(before);
  });

  it('a password already refused is refused again without another FTP login', async () => {
    const from = { 'x-forwarded-for': '10.2.0.5' };
    const headers = { ...from, authorization: basic('repeat', 'same-wrong') };
    expect((await fetch(`${gw.base}/api/v1/sites/pt/list/`, { headers })).status).toBe(401);
    const after = logins('repeat');
    expect(after).toBe(1);
    expect((await fetch(`${gw.base}/api/v1/sites/pt/list/`, { headers })).status).toBe(401);
    expect(logins('repeat')).toBe(after);
  });

  it('share-link passwords and logins share the per-address count', async () => {
    const from = { 'x-forwarded-for': '10.2.0.6' };
    const alice = { authorization: basic('alice', 'alice-pw'), 'x-forwarded-for': '10.9.9.9' };
    const made = await fetch(`${gw.base}/api/v1/sites/acc/shares`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/f.txt', password: 'link-pw' }),
    });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as { id: string };
    // PER_USER wrong link passwords (the link's own count is full then), then logins from the same address.
    for (let i = 0; i < PER_USER; i++) {
      const res = await fetch(`${gw.base}/s/${id}/unlock`, {
        method: 'POST',
        headers: { ...from, 'content-type': 'application/x-www-form-urlencoded' },
        body: `password=wrong-${i}`,
      });
      expect(res.status).toBe(401);
    }
    for (let i = 0; i < PER_ADDRESS - PER_USER; i++) {
      const res = await fetch(`${gw.base}/api/v1/sites/pt/list/`, { headers: { ...from, authorization: basic(`sprayer${i}`, 'pw') } });
      expect(res.status).toBe(401);
    }
    const res = await fetch(`${gw.base}/api/v1/sites/pt/list/`, { headers: { ...from, authorization: basic('sprayer-last', 'pw') } });
    expect(res.status).toBe(429);
  });
});

// Real server: each guess that reaches the gateway is at most one FTP login on vsftpd, and none once
// limited. A vsftpd of its own, so that its log counts this test's logins only (other test files
// log in to the shared servers at the same time).
const vsftpdScript = join(import.meta.dirname, '../servers/vsftpd.sh');
const canRunVsftpd = existsSync('/usr/sbin/vsftpd') && process.getuid?.() === 0;
describe.skipIf(!canRunVsftpd)('pass-through guesses against vsftpd', () => {
  let gw: TestGateway;
  let logFile: string;
  let serverDir: string;
  let vsftpdUrl: string;

  beforeAll(async () => {
    serverDir = await mkdtemp(join(tmpdir(), 'ftpgate-guesses-'));
    await chmod(serverDir, 0o755);
    // Its own passive ports too: with-servers.sh exports the range of the last server it started.
    const { VSFTPD_PASV_MIN: _min, VSFTPD_PASV_MAX: _max, ...env } = process.env;
    vsftpdUrl = execFileSync('bash', [vsftpdScript, 'start', serverDir], { env, encoding: 'utf8' }).trim();
    const url = new URL(vsftpdUrl);
    logFile = join(serverDir, 'vsftpd.log');
    gw = await startGateway(
      { pt: { host: '127.0.0.1', port: Number(url.port), credentials: 'pass-through', poolSize: 2 } },
      { loginFailuresPerUser: 5, loginFailuresPerAddress: 100, loginFailureWindowMs: 60_000 },
    );
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    if (serverDir) execFileSync('bash', [vsftpdScript, 'stop', serverDir]);
    if (serverDir) await rm(serverDir, { recursive: true, force: true });
  });

  /** USER commands vsftpd logged for this name (log_ftp_protocol=YES). */
  const serverLogins = async (user: string) => (await readFile(logFile, 'utf8')).split('\n').filter((l) => l.includes(`"USER ${user}"`)).length;

  it('60 guesses at /browse/ are 5 × 401 then 429, and vsftpd sees 5 logins', async () => {
    const user = decodeURIComponent(new URL(vsftpdUrl).username);
    const password = decodeURIComponent(new URL(vsftpdUrl).password);
    const before = await serverLogins(user);
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${gw.base}/browse/pt/`, { headers: { authorization: basic(user, `guess-${i}`) } });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
    // The right password is not tried either, while the name is limited.
    const right = await fetch(`${gw.base}/browse/pt/`, { headers: { authorization: basic(user, password) } });
    expect(right.status).toBe(429);
    expect((await serverLogins(user)) - before).toBe(5);
  });
});
