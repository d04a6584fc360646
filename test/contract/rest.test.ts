// The REST contract, row by row, against every FTP server available to this run
// (the in-process server always; vsftpd and others when test/servers/ started them).
// Files are seeded and checked on the server's own disk, behind the gateway's back.
import { chmod, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, siteUrl, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic, bytes, enc, rawRequest, sha256 } from '../helpers/http.js';

describe.each(ftpServers({ tls: true, iisLike: true }))('REST contract on $name', (factory) => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  let dir: string; // this run's folder on the server's disk
  let user: string;
  let password: string;
  const big = bytes(3 * 1024 * 1024 + 123, 7);

  const api = (site: string, action: string, path = '') => `${gw.base}/api/v1/sites/${site}/${action}/${enc(path)}`;
  const onDisk = (path: string) => join(dir, ...path.split('/').filter(Boolean));
  const exists = (path: string) => stat(onDisk(path)).then(() => true, () => false);

  async function seed(path: string, content: string | Buffer): Promise<void> {
    await mkdir(join(onDisk(path), '..'), { recursive: true, mode: 0o777 });
    await writeFile(onDisk(path), content);
  }

  beforeAll(async () => {
    ftp = await factory.start();
    const url = new URL(ftp.url);
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
    const run = `contract-${process.pid}-${Date.now().toString(36)}`;
    dir = join(ftp.root, run);
    await mkdir(dir, { mode: 0o777 });
    await mkdir(`${dir}-other`, { mode: 0o777 });
    await chmod(dir, 0o777);
    await chmod(`${dir}-other`, 0o777);
    await seed('hello.txt', 'hello world\n');
    await seed('big.bin', big);
    await seed('docs/a.txt', 'A');
    await seed('docs/nested/deep.txt', 'deep');
    // Everything is seeded before the first listing: the listing cache would hide files
    // added behind the gateway's back for a few seconds (its own test shows that).
    await seed('naïve résumé.txt', 'x');
    await seed('page.html', '<script>alert(1)</script>');
    await seed('gone.txt', 'x');
    await seed('m1.txt', 'one');
    await seed('m2.txt', 'two');
    await seed('large.bin', bytes(40 * 1024 * 1024, 11));
    for (const d of ['docs', 'docs/nested']) await chmod(onDisk(d), 0o777);
    // siteUrl keeps the fixture's scheme and query (FTPS: ?ca=, ?tls=implicit).
    gw = await startGateway(
      {
        main: siteUrl(ftp, run, { poolSize: 3 }),
        other: siteUrl(ftp, `${run}-other`, { poolSize: 2 }),
        ro: siteUrl(ftp, run, { readOnly: true, poolSize: 1 }),
        pass: siteUrl(ftp, run, { poolSize: 2 }, false),
      },
      // Above every upload of this suite (the limit holds for PUT too), below the multipart 413 case.
      { uploadLimitBytes: 4 * 1024 * 1024 },
    );
  });

  afterAll(async () => {
    await gw?.close();
    if (dir) {
      await rm(dir, { recursive: true, force: true });
      await rm(`${dir}-other`, { recursive: true, force: true });
    }
    await ftp?.close();
  });

  describe('sites and listings', () => {
    it('lists the sites without hosts or accounts', async () => {
      const res = await fetch(`${gw.base}/api/v1/sites`);
      expect(res.status).toBe(200);
      const text = await res.text();
      const body = JSON.parse(text) as { sites: { name: string; readOnly: boolean; credentials: string }[] };
      expect(body.sites.map((s) => s.name)).toEqual(['main', 'other', 'ro', 'pass']);
      expect(body.sites.find((s) => s.name === 'ro')?.readOnly).toBe(true);
      expect(body.sites.find((s) => s.name === 'pass')?.credentials).toBe('pass-through');
      expect(text).not.toContain(password);
      expect(text).not.toContain('127.0.0.1');
    });

    it('lists a folder with types, sizes and dates', async () => {
      const res = await fetch(api('main', 'list'));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { path: string; entries: { name: string; type: string; size: number; modified: string }[] };
      expect(body.path).toBe('/');
      const byName = Object.fromEntries(body.entries.map((e) => [e.name, e]));
      expect(byName['hello.txt']).toMatchObject({ type: 'file', size: 12 });
      expect(byName['big.bin']).toMatchObject({ type: 'file', size: big.length });
      expect(byName['docs']).toMatchObject({ type: 'directory' });
      // A listing date is minute-precise at best; it must be today's, not missing.
      const age = Math.abs(Date.now() - Date.parse(byName['hello.txt']!.modified));
      expect(age).toBeLessThan(24 * 3600 * 1000);
    });

    it('lists a subfolder, and answers 404 for a missing one and 409 for a file', async () => {
      const sub = (await (await fetch(api('main', 'list', 'docs'))).json()) as { entries: { name: string }[] };
      expect(sub.entries.map((e) => e.name).sort()).toEqual(['a.txt', 'nested']);
      const missing = await fetch(api('main', 'list', 'no-such-folder'));
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await missing.json()) as { status: number; code: string; title: string; detail: string };
      expect(problem).toMatchObject({ status: 404, code: 'not_found' });
      expect((await fetch(api('main', 'list', 'hello.txt'))).status).toBe(409);
      expect((await fetch(`${gw.base}/api/v1/sites/nope/list/`)).status).toBe(404);
    });
  });

  describe('downloads', () => {
    it('streams a whole file with its headers, byte for byte', async () => {
      const res = await fetch(api('main', 'files', 'big.bin'));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(big.length));
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(res.headers.get('etag')).toMatch(/^"/);
      expect(res.headers.get('last-modified')).toBeTruthy();
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(big));
      const text = await fetch(api('main', 'files', 'hello.txt'));
      expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await text.text()).toBe('hello world\n');
    });

    it('answers HEAD with the same headers and no body', async () => {
      const res = await fetch(api('main', 'files', 'big.bin'), { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(big.length));
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    });

    it.each([
      ['bytes=100-1099', 100, 1099],
      ['bytes=-4096', big.length - 4096, big.length - 1],
      ['bytes=3000000-', 3000000, big.length - 1],
      ['bytes=0-0', 0, 0],
    ])('serves Range %s through FTP REST', async (range, start, end) => {
      const res = await fetch(api('main', 'files', 'big.bin'), { headers: { range } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${big.length}`);
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBe(end - start + 1);
      expect(sha256(body)).toBe(sha256(big.subarray(start, end + 1)));
    });

    it('answers 416 for a range past the end', async () => {
      const res = await fetch(api('main', 'files', 'hello.txt'), { headers: { range: 'bytes=50-60' } });
      expect(res.status).toBe(416);
      expect(res.headers.get('content-range')).toBe('bytes */12');
    });

    it('answers 304 to If-None-Match and If-Modified-Since', async () => {
      const first = await fetch(api('main', 'files', 'hello.txt'));
      const etag = first.headers.get('etag')!;
      const lastModified = first.headers.get('last-modified')!;
      await first.arrayBuffer();
      expect((await fetch(api('main', 'files', 'hello.txt'), { headers: { 'if-none-match': etag } })).status).toBe(304);
      expect((await fetch(api('main', 'files', 'hello.txt'), { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
      const stale = await fetch(api('main', 'files', 'hello.txt'), { headers: { 'if-none-match': '"stale"' } });
      expect(stale.status).toBe(200);
      await stale.arrayBuffer();
    });

    it('adds an RFC 6266 attachment disposition with ?download=1', async () => {
      const res = await fetch(api('main', 'files', 'naïve résumé.txt') + '?download=1');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="na_ve r_sum_.txt"; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.txt`,
      );
      await res.arrayBuffer();
    });

    it('never serves HTML inline', async () => {
      const res = await fetch(api('main', 'files', 'page.html'));
      expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      await res.arrayBuffer();
    });

    it('answers 404 for a missing file and 409 for a folder', async () => {
      expect((await fetch(api('main', 'files', 'missing.txt'))).status).toBe(404);
      expect((await fetch(api('main', 'files', 'docs'))).status).toBe(409);
    });
  });

  describe('uploads', () => {
    it('PUT creates (201), replaces (204) and refuses with If-None-Match: * (412)', async () => {
      const data = bytes(2 * 1024 * 1024 + 5, 3);
      const put = await fetch(api('main', 'files', 'put.bin'), { method: 'PUT', body: data });
      expect(put.status).toBe(201);
      expect(put.headers.get('location')).toBe('/api/v1/sites/main/files/put.bin');
      expect(sha256(await readFile(onDisk('put.bin')))).toBe(sha256(data));
      const again = await fetch(api('main', 'files', 'put.bin'), { method: 'PUT', body: 'second' });
      expect(again.status).toBe(204);
      expect(await readFile(onDisk('put.bin'), 'utf8')).toBe('second');
      const guarded = await fetch(api('main', 'files', 'put.bin'), { method: 'PUT', body: 'third', headers: { 'if-none-match': '*' } });
      expect(guarded.status).toBe(412);
      expect(await readFile(onDisk('put.bin'), 'utf8')).toBe('second');
      const fetched = await fetch(api('main', 'files', 'put.bin'));
      expect(await fetched.text()).toBe('second');
    });

    it('PUT streams a chunked body of any content type and leaves no temporary file', async () => {
      const chunks = [bytes(100_000, 5), bytes(300_000, 6), bytes(7, 8)];
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      });
      const res = await fetch(api('main', 'files', 'chunked.dat'), {
        method: 'PUT',
        body,
        headers: { 'content-type': 'application/json' },
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(201);
      expect((await stat(onDisk('chunked.dat'))).size).toBe(400_007);
      expect((await readdir(dir)).filter((n) => n.startsWith('.ftpgate-upload-'))).toEqual([]);
    });

    it('PUT cut off by the client leaves the existing file untouched and no temporary file', async () => {
      await fetch(api('main', 'files', 'keep.txt'), { method: 'PUT', body: 'original' });
      const target = new URL(api('main', 'files', 'keep.txt'));
      await new Promise<void>((resolve) => {
        const req = httpRequest({ host: target.hostname, port: target.port, path: target.pathname, method: 'PUT', headers: { 'content-length': 10_000_000 } });
        req.on('error', () => resolve());
        req.on('close', () => resolve());
        req.write(bytes(1_000_000, 12), () => setTimeout(() => req.destroy(), 200));
      });
      // The gateway sees the client go, stops the STOR and removes the temporary file.
      const temps = async () => (await readdir(dir)).filter((n) => n.startsWith('.ftpgate-upload-'));
      for (let i = 0; i < 50 && (await temps()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await temps()).toEqual([]);
      expect(await readFile(onDisk('keep.txt'), 'utf8')).toBe('original');
      expect(await (await fetch(api('main', 'files', 'keep.txt'))).text()).toBe('original');
    });

    it('PUT into a missing folder is a 409 and creates nothing', async () => {
      const res = await fetch(api('main', 'files', 'no-folder/x.txt'), { method: 'PUT', body: 'x' });
      expect(res.status).toBe(409);
      expect(await exists('no-folder')).toBe(false);
    });

    it('POST multipart uploads several files into a folder', async () => {
      const form = new FormData();
      form.append('file', new Blob([bytes(50_000, 9)]), 'one.bin');
      form.append('file', new Blob(['two']), 'two words.txt');
      const res = await fetch(api('main', 'files', 'docs'), { method: 'POST', body: form });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { files: { name: string; size: number; created: boolean }[] };
      expect(body.files.map((f) => [f.name, f.size, f.created])).toEqual([
        ['one.bin', 50_000, true],
        ['two words.txt', 3, true],
      ]);
      expect(sha256(await readFile(onDisk('docs/one.bin')))).toBe(sha256(bytes(50_000, 9)));
      expect(await readFile(onDisk('docs/two words.txt'), 'utf8')).toBe('two');
    });

    it('POST multipart over the size limit is a 413 and leaves no partial file', async () => {
      const form = new FormData();
      form.append('file', new Blob([bytes(4 * 1024 * 1024 + 1000, 10)]), 'too-big.bin');
      const res = await fetch(api('main', 'files', ''), { method: 'POST', body: form });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { code: string }).code).toBe('payload_too_large');
      expect(await exists('too-big.bin')).toBe(false);
      // The temporary file is removed in the background: give it a moment.
      for (let i = 0; i < 50 && (await readdir(dir)).some((n) => n.startsWith('.ftpgate-upload-')); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await readdir(dir)).filter((n) => n.startsWith('.ftpgate-upload-'))).toEqual([]);
    });
  });

  describe('changes', () => {
    it('mkdir creates a folder and its parents (201), and 200 when it exists', async () => {
      const res = await fetch(api('main', 'mkdir', 'made/a/b c'), { method: 'POST' });
      expect(res.status).toBe(201);
      expect((await stat(onDisk('made/a/b c'))).isDirectory()).toBe(true);
      expect((await fetch(api('main', 'mkdir', 'made/a/b c'), { method: 'POST' })).status).toBe(200);
      expect((await fetch(api('main', 'mkdir', 'hello.txt'), { method: 'POST' })).status).toBe(409);
    });

    it('DELETE removes a file, refuses a folder without recursive, and removes it with', async () => {
      expect((await fetch(api('main', 'files', 'gone.txt'), { method: 'DELETE' })).status).toBe(204);
      expect(await exists('gone.txt')).toBe(false);
      expect((await fetch(api('main', 'files', 'gone.txt'), { method: 'DELETE' })).status).toBe(404);
      await fetch(api('main', 'mkdir', 'tree/sub'), { method: 'POST' });
      await fetch(api('main', 'files', 'tree/sub/f.txt'), { method: 'PUT', body: 'f' });
      expect((await fetch(api('main', 'files', 'tree'), { method: 'DELETE' })).status).toBe(409);
      expect(await exists('tree/sub/f.txt')).toBe(true);
      expect((await fetch(api('main', 'files', 'tree') + '?recursive=true', { method: 'DELETE' })).status).toBe(204);
      expect(await exists('tree')).toBe(false);
      const listing = (await (await fetch(api('main', 'list'))).json()) as { entries: { name: string }[] };
      expect(listing.entries.map((e) => e.name)).not.toContain('tree');
    });

    it('moves a file, refuses to overwrite unless asked', async () => {
      const post = (body: object) =>
        fetch(`${gw.base}/api/v1/sites/main/move`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const res = await post({ from: '/m1.txt', to: '/docs/m1 moved.txt' });
      expect(res.status).toBe(200);
      expect(await exists('m1.txt')).toBe(false);
      expect(await readFile(onDisk('docs/m1 moved.txt'), 'utf8')).toBe('one');
      expect((await post({ from: '/docs/m1 moved.txt', to: '/m2.txt' })).status).toBe(412);
      expect(await readFile(onDisk('m2.txt'), 'utf8')).toBe('two');
      expect((await post({ from: '/docs/m1 moved.txt', to: '/m2.txt', overwrite: true })).status).toBe(200);
      expect(await readFile(onDisk('m2.txt'), 'utf8')).toBe('one');
      expect((await post({ from: '/nothing', to: '/x' })).status).toBe(404);
      expect((await post({ from: '/docs', to: '/docs/nested/docs' })).status).toBe(409);
      expect((await post({ from: '/m2.txt' })).status).toBe(400);
      expect((await post({ from: '/m2.txt', to: '/../../etc/passwd' })).status).toBe(400);
    });

    it('copies a file and a folder tree, within a site and to another site', async () => {
      const post = (body: object) =>
        fetch(`${gw.base}/api/v1/sites/main/copy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post({ from: '/big.bin', to: '/big copy.bin' })).status).toBe(200);
      expect(sha256(await readFile(onDisk('big copy.bin')))).toBe(sha256(big));
      expect((await post({ from: '/docs', to: '/docs-copy' })).status).toBe(200);
      expect(await readFile(onDisk('docs-copy/nested/deep.txt'), 'utf8')).toBe('deep');
      const cross = await post({ from: '/big.bin', to: '/from-main.bin', toSite: 'other' });
      expect(cross.status).toBe(200);
      expect(sha256(await readFile(join(`${dir}-other`, 'from-main.bin')))).toBe(sha256(big));
      expect((await post({ from: '/hello.txt', to: '/big copy.bin' })).status).toBe(412);
      expect((await post({ from: '/hello.txt', to: '/x', toSite: 'ro' })).status).toBe(403);
    });
  });

  describe('names and paths', () => {
    // ftp-srv drops '"' from names it is given: that quote is tested on the real servers only.
    const quote = factory.name === 'in-process' ? "quote's & <b>.txt" : "quote'\"s & <b>.txt";
    const odd = ['sp ace #1 %25 ?q.txt', 'ünï cödé 日本.txt', quote, '+plus+ ;semi,comma=.txt'];
    it.each(odd)('round-trips %j through PUT, list and GET', async (name) => {
      const put = await fetch(api('main', 'files', `docs/${name}`), { method: 'PUT', body: name });
      expect(put.status).toBe(201);
      expect(await readFile(onDisk(`docs/${name}`), 'utf8')).toBe(name);
      const listing = (await (await fetch(api('main', 'list', 'docs'))).json()) as { entries: { name: string }[] };
      expect(listing.entries.map((e) => e.name)).toContain(name);
      expect(await (await fetch(api('main', 'files', `docs/${name}`))).text()).toBe(name);
    });

    it.each([
      ['..', 'raw dot-dot'],
      ['docs/../../x', 'dot-dot inside'],
      ['%2e%2e/x', 'encoded dot-dot'],
      ['a%2Fb', 'encoded slash'],
      ['a%00b', 'NUL'],
      ['a%0D%0ADELE%20hello.txt', 'CR LF'],
    ])('refuses %s (%s) with 400 and touches nothing', async (raw) => {
      for (const [method, action] of [['GET', 'files'], ['PUT', 'files'], ['DELETE', 'files'], ['POST', 'mkdir'], ['GET', 'list']] as const) {
        const res = await rawRequest(gw.base, method, `/api/v1/sites/main/${action}/${raw}`, method === 'PUT' ? 'x' : undefined);
        expect(res.status, `${method} ${action}/${raw}`).toBe(400);
        expect(JSON.parse(res.body)).toMatchObject({ status: 400, code: 'bad_path' });
      }
      expect(await readFile(onDisk('hello.txt'), 'utf8')).toBe('hello world\n');
    });
  });

  describe('access', () => {
    it('refuses writes on a read-only site with 403 before any FTP command', async () => {
      for (const [method, url] of [
        ['PUT', api('ro', 'files', 'x.txt')],
        ['DELETE', api('ro', 'files', 'hello.txt')],
        ['POST', api('ro', 'mkdir', 'newdir')],
      ] as const) {
        const res = await fetch(url, { method, body: method === 'PUT' ? 'x' : undefined });
        expect(res.status).toBe(403);
        expect(((await res.json()) as { code: string }).code).toBe('read_only');
      }
      expect(await exists('x.txt')).toBe(false);
      expect(await exists('hello.txt')).toBe(true);
      expect((await fetch(api('ro', 'files', 'hello.txt'))).status).toBe(200);
    });

    it('asks for credentials on a pass-through site and uses them as the FTP login', async () => {
      const none = await fetch(api('pass', 'list'));
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic /);
      const wrong = await fetch(api('pass', 'list'), { headers: { authorization: basic(user, 'wrong-password') } });
      expect(wrong.status).toBe(401);
      const right = await fetch(api('pass', 'list'), { headers: { authorization: basic(user, password) } });
      expect(right.status).toBe(200);
      const body = (await right.json()) as { entries: { name: string }[] };
      expect(body.entries.map((e) => e.name)).toContain('hello.txt');
    });
  });

  describe('the listing cache', () => {
    it('shows a change made behind the gateway\'s back once its short TTL has passed', async () => {
      await fetch(api('other', 'list')).then((r) => r.json());
      await writeFile(join(`${dir}-other`, 'behind.txt'), 'b');
      const names = async () => ((await (await fetch(api('other', 'list'))).json()) as { entries: { name: string }[] }).entries.map((e) => e.name);
      expect(await names()).not.toContain('behind.txt'); // still cached
      await new Promise((r) => setTimeout(r, 3_100)); // the default TTL is 3 s
      expect(await names()).toContain('behind.txt');
    });
  });

  describe('the pool', () => {
    it('serves more concurrent requests than it has sessions, without exceeding them', async () => {
      let peak = 0;
      const watch = setInterval(() => (peak = Math.max(peak, gw.fs.poolStats('main').open)), 2);
      const results = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const res = await fetch(api('main', 'files', 'big.bin'), { headers: i % 2 ? { range: 'bytes=10-20009' } : {} });
          return { status: res.status, hash: sha256(Buffer.from(await res.arrayBuffer())) };
        }),
      );
      clearInterval(watch);
      expect(results.every((r, i) => r.status === (i % 2 ? 206 : 200))).toBe(true);
      expect(results.filter((_, i) => i % 2 === 0).every((r) => r.hash === sha256(big))).toBe(true);
      expect(results.filter((_, i) => i % 2 === 1).every((r) => r.hash === sha256(big.subarray(10, 20010)))).toBe(true);
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(3);
    });

    it('stops the FTP transfer when the HTTP client goes away, and the next request works', async () => {
      const controller = new AbortController();
      const res = await fetch(api('main', 'files', 'large.bin'), { signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      await expect(reader.read()).rejects.toThrow();
      for (let i = 0; i < 50 && gw.fs.poolStats('main').open > gw.fs.poolStats('main').idle; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(gw.fs.poolStats('main').open).toBe(gw.fs.poolStats('main').idle); // nothing left busy
      expect(await (await fetch(api('main', 'files', 'hello.txt'))).text()).toBe('hello world\n');
    });
  });
});
