// No secret leaks: passwords (gateway, FTP, browser sign-in) and Authorization headers never
// reach the log, an error body, a metrics label or a pool key; passwords can be kept out of
// settings altogether (environment variables, `_FILE` files, ftpPasswordFile).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { credentialKey } from '../../src/core/login-key.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic } from '../helpers/http.js';
import { FTP_PASSWORD, FTP_USER, startDisk, writeUsersFile, type Disk } from './fixtures.js';

const GATEWAY_PW = 'Gw-Account-Pa55';
const WRONG_PW = 'Wr0ng-Guess-Pa55';

describe('secrets', () => {
  let disk: Disk;
  let gw: TestGateway;
  let dir: string;
  let log = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      log += chunk.toString();
      cb();
    },
  });

  beforeAll(async () => {
    disk = await startDisk({ 'f.txt': 'file' });
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-secrets-'));
    const secretFile = join(dir, 'ftp-password');
    await writeFile(secretFile, FTP_PASSWORD + '\n');
    const usersFile = await writeUsersFile(dir, [{ name: 'alice', password: GATEWAY_PW, sites: ['acc'] }], secretFile);
    const ftp = { host: '127.0.0.1', port: disk.server.port, poolSize: 2 };
    gw = await startGateway(
      { acc: { ...ftp, auth: 'accounts' }, pt: { ...ftp, credentials: 'pass-through' }, fx: { ...ftp, user: FTP_USER, password: FTP_PASSWORD } },
      { usersFile, logLevel: 'trace' },
      sink,
    );
  });
  afterAll(async () => {
    await gw?.close();
    await disk?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('never writes a password, an Authorization header or a session cookie to the log, error bodies or metrics', async () => {
    const bodies: string[] = [];
    const send = async (url: string, init: RequestInit = {}) => {
      const res = await fetch(gw.base + url, init);
      bodies.push(JSON.stringify([...res.headers]) + (await res.text()));
      return res;
    };
    await send('/api/v1/sites/acc/list/', { headers: { authorization: basic('alice', GATEWAY_PW) } });
    await send('/api/v1/sites/acc/list/', { headers: { authorization: basic('alice', WRONG_PW) } });
    await send('/dav/acc/', { method: 'PROPFIND', headers: { depth: '1', authorization: basic('alice', GATEWAY_PW) } });
    await send('/api/v1/sites/pt/list/', { headers: { authorization: basic(FTP_USER, WRONG_PW) } });
    await send('/api/v1/sites/pt/list/', { headers: { authorization: basic(FTP_USER, FTP_PASSWORD) } });
    const signIn = await send('/api/v1/session', {
      method: 'POST',
      headers: { 'x-requested-with': 'ftpgate', 'content-type': 'application/json' },
      body: JSON.stringify({ site: 'acc', user: 'alice', password: GATEWAY_PW }),
    });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const sessionId = cookie.split('=')[1]!;
    await send('/api/v1/sites/acc/list/', { headers: { cookie } });
    await send('/api/v1/session', { headers: { cookie } });
    await send('/api/v1/sites/fx/files/missing.txt');
    const metrics = await send('/metrics');
    expect(log).toContain('"msg":"request"'); // the log is really there
    expect(log).toContain('PASS ***');
    const secrets = [GATEWAY_PW, WRONG_PW, FTP_PASSWORD, basic('alice', GATEWAY_PW).slice(6), basic(FTP_USER, FTP_PASSWORD).slice(6), basic(FTP_USER, WRONG_PW).slice(6)];
    for (const secret of secrets) {
      expect(log, 'log').not.toContain(secret);
      for (const body of bodies) expect(body, 'response').not.toContain(secret);
    }
    expect(log).not.toContain(sessionId);
    expect(log.toLowerCase()).not.toContain('authorization');
    if (metrics.status === 200) expect(bodies.at(-1)).not.toContain('alice');
  });

  it('keys the session pool by a digest, never by the password itself', () => {
    const key = credentialKey('site', { user: 'bob', password: FTP_PASSWORD });
    expect(key).not.toContain(FTP_PASSWORD);
    expect(key).not.toContain(Buffer.from(FTP_PASSWORD).toString('hex'));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(credentialKey('site', { user: 'bob', password: 'other' })).not.toBe(key);
  });

  it('reads passwords from environment variables and _FILE files, never needing them in a URL', async () => {
    const file = join(dir, 'site-password');
    await writeFile(file, 'from-a-file\n');
    const urlFile = join(dir, 'site-url');
    await writeFile(urlFile, 'ftp://carol:url-secret@127.0.0.1:2121/\n');
    const config = loadConfig({}, {
      FTPGATE_SITE_ONE: 'ftp://alice@127.0.0.1:2121/',
      FTPGATE_SITE_ONE_PASSWORD_FILE: file,
      FTPGATE_SITE_TWO: 'ftp://bob@127.0.0.1:2121/',
      FTPGATE_SITE_TWO_PASSWORD: 'from-the-env',
      FTPGATE_SITE_THREE_FILE: urlFile,
    });
    const byName = Object.fromEntries(config.sites.map((s) => [s.name, s]));
    expect(byName.one).toMatchObject({ user: 'alice', password: 'from-a-file' });
    expect(byName.two).toMatchObject({ user: 'bob', password: 'from-the-env' });
    expect(byName.three).toMatchObject({ user: 'carol', password: 'url-secret' });
    const configFile = join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify({ sites: { four: { url: 'ftp://dave@127.0.0.1/', passwordFile: file } } }));
    expect(loadConfig({ config: configFile }, {}).sites[0]).toMatchObject({ user: 'dave', password: 'from-a-file' });
  });

  it('logs in with an account whose FTP password came from ftpPasswordFile', async () => {
    const res = await fetch(`${gw.base}/api/v1/sites/acc/files/f.txt`, { headers: { authorization: basic('alice', GATEWAY_PW) } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('file');
  });
});
