// Settings that weaken security are named at start-up; the users file is checked strictly;
// an unknown user name costs as much bcrypt time as a wrong password; the CLI takes the
// transport options.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccountStore, loadUsersFile } from '../../src/auth/accounts.js';
import { safeEqual } from '../../src/auth/constant-time.js';
import { resolveAccess } from '../../src/auth/policy.js';
import { validateConfig, ConfigError } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { securityWarnings } from '../../src/http/security/warnings.js';

// allowedHosts set: the warning about listening on every interface without it is tested in cross-site.test.ts.
const config = (host: string, sites: string[], extra: Record<string, unknown> = {}) =>
  validateConfig({ listen: { host, port: 8080 }, allowedHosts: ['gw.example'], sites: sites.map((url, i) => parseSiteUrl(`s${i}`, url)), ...extra });

describe('start-up warnings', () => {
  it('names a site that skips the FTPS certificate check, wherever the gateway listens', () => {
    const w = securityWarnings(config('127.0.0.1', ['ftps://u:p@files.example/?insecure=true', 'ftps://u:p@ok.example/']));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/s0.*certificate.*NOT checked/);
  });

  it('names pass-through and account logins over plain HTTP on a non-loopback address', () => {
    const sites = ['ftp://files.example/?readOnly=true', 'ftp://files.example/?auth=accounts'];
    const extra = { usersFile: '/dev/null' };
    expect(securityWarnings(config('0.0.0.0', sites, extra)).filter((w) => /plain HTTP/.test(w))).toHaveLength(2);
    expect(securityWarnings(config('127.0.0.1', sites, extra))).toEqual([]);
    expect(securityWarnings(config('::1', sites, extra))).toEqual([]);
    expect(securityWarnings(config('0.0.0.0', sites, { ...extra, tlsCert: 'c', tlsKey: 'k' }))).toEqual([]);
    expect(securityWarnings(config('0.0.0.0', sites, { ...extra, trustProxy: '10.0.0.1' }))).toEqual([]);
  });

  it('names a writable site with a fixed account on a non-loopback address', () => {
    expect(securityWarnings(config('0.0.0.0', ['ftp://u:p@files.example/'])).join()).toMatch(/may change its files/);
    expect(securityWarnings(config('0.0.0.0', ['ftp://u:p@files.example/?readOnly=true']))).toEqual([]);
    expect(securityWarnings(config('0.0.0.0', ['ftp://u:p@files.example/?auth=public']))).toEqual([]);
    expect(securityWarnings(config('localhost', ['ftp://u:p@files.example/']))).toEqual([]);
  });
});

describe('site access policy settings', () => {
  it('derives the policy from the URL and forces public sites read-only', () => {
    const [fixed, pass, pub] = config('127.0.0.1', ['ftp://u:p@h/', 'ftp://h/', 'ftp://u:p@h/?auth=public']).sites;
    expect([fixed!.auth, pass!.auth, pub!.auth]).toEqual(['fixed', 'pass-through', 'public']);
    expect(pub!.readOnly).toBe(true);
    expect(resolveAccess(pub!).readOnly).toBe(true);
  });

  it('refuses accounts without a users file, and half an HTTPS setting', () => {
    expect(() => config('127.0.0.1', ['ftp://h/?auth=accounts'])).toThrow(ConfigError);
    expect(() => config('127.0.0.1', [], { tlsCert: 'c' })).toThrow(/tlsKey/);
  });
});

describe('users file and accounts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-accounts-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const user = (fields: Record<string, unknown>) => ({ name: 'a', passwordHash: bcrypt.hashSync('pw', 4), sites: ['*'], ftpUser: 'f', ftpPassword: 'x', ...fields });
  async function load(users: unknown[]): Promise<unknown> {
    const path = join(dir, `u${Math.random()}.json`);
    await writeFile(path, JSON.stringify({ users }));
    try {
      return loadUsersFile(path);
    } catch (err) {
      return err;
    }
  }

  it('refuses roots that climb, plain-text or argon2 hashes, line breaks and unknown fields', async () => {
    expect(await load([user({ root: '/a/../..' })])).toBeInstanceOf(ConfigError);
    expect(await load([user({ passwordHash: 'secret' })])).toBeInstanceOf(ConfigError);
    expect(String(await load([user({ passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$abc$def' })]))).toMatch(/argon2/);
    expect(await load([user({ ftpUser: 'f\r\nDELE x' })])).toBeInstanceOf(ConfigError);
    expect(await load([user({ admin: true })])).toBeInstanceOf(ConfigError);
    expect(await load([user({}), user({})])).toBeInstanceOf(ConfigError);
    expect(await load([user({ root: '/team/a' })])).toMatchObject([{ grant: { root: '/team/a' } }]);
  });

  it('spends a bcrypt comparison on unknown names too, so timing does not tell names apart', async () => {
    const store = new AccountStore([{ grant: { name: 'a', sites: ['*'], ftp: { user: 'f', password: 'x' }, root: '/', readOnly: false }, hash: bcrypt.hashSync('pw', 4) }]);
    const spy = vi.spyOn(bcrypt, 'compare');
    try {
      expect(await store.verify('nobody', 'pw')).toBeUndefined();
      expect(spy).toHaveBeenCalledTimes(1);
      expect(await store.verify('a', 'wrong')).toBeUndefined();
      expect(spy).toHaveBeenCalledTimes(2);
      expect(await store.verify('a', 'pw')).toMatchObject({ name: 'a' });
      // A verified password is remembered as a keyed digest: no bcrypt, still an exact match.
      expect(await store.verify('a', 'pw')).toMatchObject({ name: 'a' });
      expect(await store.verify('a', 'pw ')).toBeUndefined();
      expect(spy).toHaveBeenCalledTimes(4);
    } finally {
      spy.mockRestore();
    }
  });

  it('compares secrets in constant time', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false); // no length shortcut: both are digested first
  });
});

describe('command line', () => {
  // dist/ is built by `npm test` (pretest) and .ci/run; the unit config test uses it the same way.
  const cli = join(process.cwd(), 'dist', 'cli.js');
  it('takes --tls-cert, --tls-key, --trust-proxy and --users-file, and says so in --help', () => {
    const run = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    for (const flag of ['--tls-cert', '--tls-key', '--trust-proxy', '--users-file', 'FTPGATE_TLS_CERT', 'FTPGATE_USERS_FILE']) expect(run.stdout).toContain(flag);
  });

});
