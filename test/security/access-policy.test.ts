// Who may do what: gateway accounts (bcrypt users file, sites, a folder as root, read-only),
// public read-only sites, read-only pass-through sites. Every refused write is a 403 sent
// before any FTP command, on every front (REST, browser sign-in, WebDAV).
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic } from '../helpers/http.js';
import { commandsSince, raw, FTP_PASSWORD, FTP_USER, startDisk, writeUsersFile, type Disk } from './fixtures.js';

const PAGE = { 'x-requested-with': 'ftpgate', 'content-type': 'application/json' };

describe('access policy', () => {
  let disk: Disk;
  let gw: TestGateway;
  let dir: string;
  const alice = basic('alice', 'alice-pw');
  const bob = basic('bob', 'bob-pw');
  const carol = basic('carol', 'carol-pw');

  beforeAll(async () => {
    disk = await startDisk({ 'top.txt': 'top secret', 'alice/a.txt': 'alice file', 'alice/sub/': '', 'shared/s.txt': 'shared' });
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-users-'));
    const usersFile = await writeUsersFile(dir, [
      { name: 'alice', password: 'alice-pw', sites: ['acc', 'acc2'], root: '/alice' },
      { name: 'bob', password: 'bob-pw', sites: ['*'], readOnly: true },
      { name: 'carol', password: 'carol-pw', sites: ['elsewhere'] },
    ]);
    const ftp = { host: '127.0.0.1', port: disk.server.port, poolSize: 2, listingCacheTtlMs: 0 };
    gw = await startGateway(
      {
        acc: { ...ftp, auth: 'accounts' },
        acc2: { ...ftp, auth: 'accounts' },
        pub: { ...ftp, auth: 'public', user: FTP_USER, password: FTP_PASSWORD },
        ro: { ...ftp, credentials: 'pass-through', readOnly: true },
      },
      { usersFile, loginFailuresPerUser: 1000, loginFailuresPerAddress: 1000 },
    );
  });
  afterAll(async () => {
    await gw?.close();
    await disk?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const api = (site: string, action: string, path = '') => `${gw.base}/api/v1/sites/${site}/${action}/${path}`;

  describe('gateway accounts', () => {
    it('serve the account its own folder as the site root, reading and writing there', async () => {
      const list = await fetch(api('acc', 'list'), { headers: { authorization: alice } });
      expect(list.status).toBe(200);
      const names = ((await list.json()) as { entries: { name: string }[] }).entries.map((e) => e.name).sort();
      expect(names).toEqual(['a.txt', 'sub']);
      const put = await fetch(api('acc', 'files', 'new.txt'), { method: 'PUT', headers: { authorization: alice }, body: 'hello' });
      expect(put.status).toBe(201);
      expect(await readFile(join(disk.root, 'alice', 'new.txt'), 'utf8')).toBe('hello');
      expect(await stat(join(disk.root, 'new.txt')).then(() => true, () => false)).toBe(false);
    });

    it('cannot leave the account folder by any spelling of ".."', async () => {
      for (const path of ['..', '%2e%2e', '%2E%2E/top.txt', '..%2ftop.txt', 'sub/../../top.txt', '%5c..%5ctop.txt', '..%5ctop.txt']) {
        const res = await raw(gw.base, 'GET', `/api/v1/sites/acc/files/${path}`, { authorization: alice });
        expect(res.status, path).toBe(400);
        expect(res.body).not.toContain('top secret');
      }
      const mark = disk.server.commands.length;
      const res = await raw(gw.base, 'GET', '/api/v1/sites/acc/files/%2e%2e/top.txt', { authorization: alice });
      expect(res.status).toBe(400);
      expect(commandsSince(disk.server, mark)).toEqual([]);
      for (const path of ['%2e%2e/top.txt', '..%2ftop.txt', 'sub/%2e%2e/%2e%2e/top.txt']) {
        const dav = await raw(gw.base, 'GET', `/dav/acc/${path}`, { authorization: alice });
        expect(dav.status, path).toBe(400);
        expect(dav.body).not.toContain('top secret');
      }
    });

    it('refuse a wrong password, an unknown name and a missing login with 401', async () => {
      for (const auth of [basic('alice', 'wrong'), basic('nobody', 'alice-pw'), undefined]) {
        const res = await fetch(api('acc', 'list'), { headers: auth ? { authorization: auth } : {} });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toContain('Basic');
      }
    });

    it('refuse an account on a site it is not given, with 403', async () => {
      const res = await fetch(api('acc', 'list'), { headers: { authorization: carol } });
      expect(res.status).toBe(403);
      // and alice's folder never leaks into a site she has no grant for
      const gone = await fetch(api('pub', 'list'), { headers: { authorization: alice } });
      expect(gone.status).toBe(200); // public: the credentials are not used at all
    });

    it('sign a browser in with a gateway account', async () => {
      const wrong = await fetch(`${gw.base}/api/v1/session`, { method: 'POST', headers: PAGE, body: JSON.stringify({ site: 'acc', user: 'alice', password: 'nope' }) });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('set-cookie')).toBeNull();
      const res = await fetch(`${gw.base}/api/v1/session`, { method: 'POST', headers: PAGE, body: JSON.stringify({ site: 'acc', user: 'alice', password: 'alice-pw' }) });
      expect(res.status).toBe(200);
      const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
      const list = await fetch(api('acc', 'list'), { headers: { cookie } });
      expect(list.status).toBe(200);
      expect(((await list.json()) as { entries: { name: string }[] }).entries.map((e) => e.name)).toContain('a.txt');
      // The same session is no key to another accounts site it did not sign in to.
      expect((await fetch(api('acc2', 'list'), { headers: { cookie } })).status).toBe(401);
      // WebDAV takes Basic only: the browser's session is no login there, not even for a read.
      for (const method of ['GET', 'PROPFIND']) {
        const dav = await fetch(`${gw.base}/dav/acc/a.txt`, { method, headers: { cookie, depth: '0' } });
        expect(dav.status, method).toBe(401);
        expect(dav.headers.get('www-authenticate'), method).toContain('Basic');
      }
    });
  });

  describe('read-only accounts and sites refuse every write with 403 before any FTP command', () => {
    async function refusedBeforeFtp(what: string, send: () => Promise<Response>): Promise<void> {
      const mark = disk.server.commands.length;
      const res = await send();
      expect(res.status, what).toBe(403);
      const text = await res.text();
      if (!res.url.includes('/dav/')) expect(JSON.parse(text).code, what).toBe('read_only');
      expect(commandsSince(disk.server, mark), what).toEqual([]);
    }
    const cases = (site: string, auth: Record<string, string>) => {
      const json = { ...auth, 'content-type': 'application/json' };
      const form = new FormData();
      form.append('file', new Blob(['x']), 'up.txt');
      return [
        ['PUT', () => fetch(api(site, 'files', 'shared/x.txt'), { method: 'PUT', headers: auth, body: 'x' })],
        ['POST upload', () => fetch(api(site, 'files', 'shared'), { method: 'POST', headers: auth, body: form })],
        ['DELETE', () => fetch(api(site, 'files', 'shared/s.txt'), { method: 'DELETE', headers: auth })],
        ['mkdir', () => fetch(api(site, 'mkdir', 'newdir'), { method: 'POST', headers: auth })],
        ['move', () => fetch(`${gw.base}/api/v1/sites/${site}/move`, { method: 'POST', headers: json, body: JSON.stringify({ from: '/shared/s.txt', to: '/m.txt' }) })],
        ['copy', () => fetch(`${gw.base}/api/v1/sites/${site}/copy`, { method: 'POST', headers: json, body: JSON.stringify({ from: '/shared/s.txt', to: '/c.txt' }) })],
        ['WebDAV PUT', () => fetch(`${gw.base}/dav/${site}/shared/x.txt`, { method: 'PUT', headers: auth, body: 'x' })],
        ['WebDAV DELETE', () => fetch(`${gw.base}/dav/${site}/shared/s.txt`, { method: 'DELETE', headers: auth })],
        ['WebDAV MKCOL', () => fetch(`${gw.base}/dav/${site}/newdir`, { method: 'MKCOL', headers: auth })],
        ['WebDAV MOVE', () => fetch(`${gw.base}/dav/${site}/shared/s.txt`, { method: 'MOVE', headers: { ...auth, destination: `${gw.base}/dav/${site}/m.txt` } })],
        ['WebDAV COPY', () => fetch(`${gw.base}/dav/${site}/shared/s.txt`, { method: 'COPY', headers: { ...auth, destination: `${gw.base}/dav/${site}/c.txt` } })],
        ['WebDAV PROPPATCH', () => fetch(`${gw.base}/dav/${site}/shared/s.txt`, { method: 'PROPPATCH', headers: { ...auth, 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x xmlns="urn:x">1</x></D:prop></D:set></D:propertyupdate>' })],
        ['WebDAV LOCK', () => fetch(`${gw.base}/dav/${site}/shared/s.txt`, { method: 'LOCK', headers: { ...auth, 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>' })],
      ] as const;
    };

    it('for a read-only gateway account', async () => {
      // warm the pool so that "no command" is not just "no session yet"
      expect((await fetch(api('acc', 'list', 'shared'), { headers: { authorization: bob } })).status).toBe(200);
      for (const [what, send] of cases('acc', { authorization: bob })) await refusedBeforeFtp(what, send);
    });

    it('for a public site, whatever credentials come along', async () => {
      expect((await fetch(api('pub', 'list'))).status).toBe(200); // anonymous reading works
      for (const [what, send] of cases('pub', {})) await refusedBeforeFtp(what, send);
      for (const [what, send] of cases('pub', { authorization: basic(FTP_USER, FTP_PASSWORD) })) await refusedBeforeFtp(what, send);
    });

    it('for a read-only pass-through site', async () => {
      for (const [what, send] of cases('ro', { authorization: basic(FTP_USER, FTP_PASSWORD) })) await refusedBeforeFtp(what, send);
    });

    it('for a copy from a writable account into a read-only site', async () => {
      const mark = disk.server.commands.length;
      const res = await fetch(`${gw.base}/api/v1/sites/acc/copy`, {
        method: 'POST',
        headers: { authorization: alice, 'content-type': 'application/json' },
        body: JSON.stringify({ from: '/a.txt', to: '/a-copy.txt', toSite: 'pub' }),
      });
      expect(res.status).toBe(403);
      expect(commandsSince(disk.server, mark)).toEqual([]);
      const dav = await fetch(`${gw.base}/dav/acc/a.txt`, { method: 'COPY', headers: { authorization: alice, destination: `${gw.base}/dav/pub/a-copy.txt` } });
      expect(dav.status).toBe(403);
    });

    it('while the same account may still read, and copy out of a read-only site', async () => {
      expect(await (await fetch(api('acc', 'files', 'shared/s.txt'), { headers: { authorization: bob } })).text()).toBe('shared');
      const res = await fetch(`${gw.base}/api/v1/sites/pub/copy`, {
        method: 'POST',
        headers: { authorization: alice, 'content-type': 'application/json' },
        body: JSON.stringify({ from: '/shared/s.txt', to: '/s-copy.txt', toSite: 'acc' }),
      });
      expect(res.status).toBe(200);
      expect(await readFile(join(disk.root, 'alice', 's-copy.txt'), 'utf8')).toBe('shared');
    });
  });
});
