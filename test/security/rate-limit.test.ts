// Failed logins are limited per client address and per user name, on every front (REST Basic,
// WebDAV Basic, the browser's sign-in): past the limit the answer is 429 with Retry-After and
// no login is tried, not even the right one, so the FTP server never sees the guess.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../src/auth/rate-limit.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic } from '../helpers/http.js';
import { FTP_PASSWORD, FTP_USER, startDisk, writeUsersFile, type Disk } from './fixtures.js';

const PER_USER = 3;
const PER_ADDRESS = 6;

describe('failed-login rate limit', () => {
  let disk: Disk;
  let gw: TestGateway;
  let direct: TestGateway; // no trust-proxy: X-Forwarded-For is ignored
  let dir: string;

  beforeAll(async () => {
    disk = await startDisk({ 'f.txt': 'file' });
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-users-'));
    const usersFile = await writeUsersFile(dir, [{ name: 'alice', password: 'alice-pw', sites: ['acc'] }]);
    const ftp = { host: '127.0.0.1', port: disk.server.port, poolSize: 2 };
    const sites = { pt: { ...ftp, credentials: 'pass-through' }, acc: { ...ftp, auth: 'accounts' } };
    const limits = { usersFile, loginFailuresPerUser: PER_USER, loginFailuresPerAddress: PER_ADDRESS, loginFailureWindowMs: 60_000 };
    gw = await startGateway(sites, { ...limits, trustProxy: true });
    direct = await startGateway(sites, limits);
  });
  afterAll(async () => {
    await gw?.close();
    await direct?.close();
    await disk?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const logins = (user: string) => disk.server.commands.filter((c) => c === `USER ${user}`).length;

  it('REST Basic: 429 with Retry-After after the failures allowed for a user name, and no FTP login tried', async () => {
    const from = { 'x-forwarded-for': '10.0.0.1' };
    for (let i = 0; i < PER_USER; i++) {
      const res = await fetch(`${gw.base}/api/v1/sites/pt/list/`, { headers: { ...from, authorization: basic(FTP_USER, `guess-${i}`) } });
      expect(res.status).toBe(401);
    }
    const before = logins(FTP_USER);
    // Even the right password is not tried now, from this address or any other.
    for (const address of ['10.0.0.1', '10.0.0.99']) {
      const res = await fetch(`${gw.base}/api/v1/sites/pt/list/`, { headers: { 'x-forwarded-for': address, authorization: basic(FTP_USER, FTP_PASSWORD) } });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(((await res.json()) as { code: string }).code).toBe('too_many_requests');
    }
    expect(logins(FTP_USER)).toBe(before);
  });

  it('per client address: many user names from one address are stopped too', async () => {
    const from = { 'x-forwarded-for': '10.0.0.2' };
    for (let i = 0; i < PER_ADDRESS; i++) {
      const res = await fetch(`${gw.base}/api/v1/sites/pt/list/`, { headers: { ...from, authorization: basic(`spray${i}`, 'pw') } });
      expect(res.status).toBe(401);
    }
    const res = await fetch(`${gw.base}/api/v1/sites/pt/list/`, { headers: { ...from, authorization: basic('fresh-name', 'pw') } });
    expect(res.status).toBe(429);
    expect(logins('fresh-name')).toBe(0);
    // another address is not affected
    const other = await fetch(`${gw.base}/api/v1/sites/pt/list/`, { headers: { 'x-forwarded-for': '10.0.0.3', authorization: basic('fresh-name', 'pw') } });
    expect(other.status).toBe(401);
  });

  it('WebDAV Basic counts and refuses alike', async () => {
    const from = { 'x-forwarded-for': '10.0.0.4' };
    for (let i = 0; i < PER_USER; i++) {
      const res = await fetch(`${gw.base}/dav/pt/`, { method: 'PROPFIND', headers: { ...from, depth: '1', authorization: basic('davuser', `guess-${i}`) } });
      expect(res.status).toBe(401);
    }
    const res = await fetch(`${gw.base}/dav/pt/`, { method: 'PROPFIND', headers: { ...from, depth: '1', authorization: basic('davuser', 'again') } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(logins('davuser')).toBe(PER_USER);
  });

  it('the browser sign-in (gateway accounts) counts and refuses alike, before the password is checked', async () => {
    const headers = { 'x-forwarded-for': '10.0.0.5', 'x-requested-with': 'ftpgate', 'content-type': 'application/json' };
    const signIn = (password: string) =>
      fetch(`${gw.base}/api/v1/session`, { method: 'POST', headers, body: JSON.stringify({ site: 'acc', user: 'alice', password }) });
    for (let i = 0; i < PER_USER; i++) expect((await signIn(`guess-${i}`)).status).toBe(401);
    const res = await signIn('alice-pw');
    expect(res.status).toBe(429);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('without trust-proxy, X-Forwarded-For cannot spread the guesses over made-up addresses', async () => {
    for (let i = 0; i < PER_ADDRESS; i++) {
      const res = await fetch(`${direct.base}/api/v1/sites/pt/list/`, { headers: { 'x-forwarded-for': `10.1.0.${i}`, authorization: basic(`name${i}`, 'pw') } });
      expect(res.status).toBe(401);
    }
    const res = await fetch(`${direct.base}/api/v1/sites/pt/list/`, { headers: { 'x-forwarded-for': '10.1.1.1', authorization: basic('name-x', 'pw') } });
    expect(res.status).toBe(429);
  });
});

describe('LoginLimiter', () => {
  it('forgets failures after the window, and a success clears the user name', () => {
    let now = 0;
    const limiter = new LoginLimiter({ perAddress: 5, perUser: 2, windowMs: 10_000, now: () => now });
    limiter.fail('a', 'Bob');
    limiter.fail('a', 'bob'); // names are compared case-insensitively
    expect(limiter.retryAfter('b', 'BOB')).toBe(10);
    now = 4_000;
    expect(limiter.retryAfter('b', 'bob')).toBe(6);
    now = 10_000;
    expect(limiter.retryAfter('b', 'bob')).toBe(0);
    limiter.fail('a', 'carol');
    limiter.succeed('carol');
    limiter.fail('a', 'carol');
    expect(limiter.retryAfter('a', 'carol')).toBe(0);
  });

  it('stays bounded in memory', () => {
    const limiter = new LoginLimiter({ perAddress: 1, perUser: 1, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) limiter.fail(`addr${i}`, `user${i}`);
    expect(limiter.retryAfter('addr9999', 'x')).toBeGreaterThan(0);
    expect(limiter.retryAfter('addr0', 'y')).toBe(0); // forgotten, oldest first
  });
});
