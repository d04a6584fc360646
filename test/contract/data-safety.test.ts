// Data safety (issue 14) on every server: paths whose bytes in the site's encoding would end an
// FTP command early, moves and copies onto themselves or their folders, replacing without ever
// losing the old target, the gateway's reserved temporary names, and names with a backslash.
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, siteUrl, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic, rawRequest } from '../helpers/http.js';
import { create as tusCreate } from '../uploads/tus-helpers.js';

/** The exploit: in latin1, U+010D and U+010A are written as CR and LF. */
const injected = (victim: string) => `x\u010d\u010aDELE ${victim}`;
const url = (segments: string[]) => segments.map(encodeURIComponent).join('/');

describe.each(ftpServers())('data safety on $name', (factory) => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  let dir: string;
  const run = `safety-${process.pid}-${Date.now().toString(36)}`;
  const victim = `victim-${run}.txt`;
  const disk = (path: string) => join(dir, ...path.split('/').filter(Boolean));
  const seed = async (path: string, content: string) => {
    const file = disk(path);
    await mkdirOpen(dirname(file));
    await writeFile(file, content);
    await chmod(file, 0o666);
  };
  /** Folders the FTP account (another system user on real servers) can write in. */
  const mkdirOpen = async (folder: string) => {
    await mkdir(folder, { recursive: true });
    for (let f = folder; f.startsWith(dir); f = dirname(f)) await chmod(f, 0o777);
  };
  const exists = (path: string) =>
    stat(disk(path)).then(
      () => true,
      () => false,
    );
  const api = (site: string, action: string, path: string) => `${gw.base}/api/v1/sites/${site}/${action}/${url(path.split('/').filter(Boolean))}`;
  const post = (site: string, action: 'move' | 'copy', body: object) =>
    fetch(`${gw.base}/api/v1/sites/${site}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** Whatever the gateway left behind under its reserved names. */
  const leftovers = async (folder = ''): Promise<string[]> => {
    const found: string[] = [];
    const visit = async (d: string) => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        if (e.name.startsWith('.ftpgate-')) found.push(join(d, e.name));
        if (e.isDirectory()) await visit(join(d, e.name));
      }
    };
    await visit(disk(folder));
    return found;
  };

  beforeAll(async () => {
    ftp = await factory.start();
    dir = join(ftp.root, run);
    await mkdirOpen(dir);
    await writeFile(join(ftp.root, victim), 'do not delete');
    await chmod(join(ftp.root, victim), 0o666);
    const opts = { listingCacheTtl: 0, poolSize: 2 };
    gw = await startGateway({
      s: siteUrl(ftp, run, opts),
      l1: siteUrl(ftp, run, { ...opts, encoding: 'latin1' }),
      ro: siteUrl(ftp, run, { ...opts, encoding: 'latin1', readOnly: true }),
      pt: siteUrl(ftp, run, { ...opts, encoding: 'latin1', credentials: 'pass-through' }, false),
    });
  });
  afterAll(async () => {
    await gw?.close();
    if (ftp) {
      await rm(dir, { recursive: true, force: true });
      await rm(join(ftp.root, victim), { force: true });
      await ftp.close();
    }
  });

  describe('commands stay one command (bytes after encoding)', () => {
    it('a GET, HEAD or listing on a read-only latin1 site with U+010D U+010A in the path is 400, and the victim survives', async () => {
      await seed('ro.txt', 'x');
      const name = injected(victim);
      const answers: string[] = [];
      for (const [method, path] of [
        ['GET', api('ro', 'files', name)],
        ['GET', api('ro', 'files', `${name}/child.txt`)],
        ['HEAD', api('ro', 'files', name)],
        ['GET', api('ro', 'list', name)],
        ['GET', api('ro', 'zip', name)],
      ] as const) {
        const res = await fetch(path, { method });
        answers.push(`${method} ${path.slice(gw.base.length)} ${res.status} ${method === 'HEAD' ? '' : ((await res.json()) as { code: string }).code}`);
      }
      // The victim first: before the fix, vsftpd received "DELE victim..." as a command of its own.
      expect(await readFile(join(ftp.root, victim), 'utf8')).toBe('do not delete');
      for (const answer of answers) expect(answer).toMatch(/ 400 (bad_path)?$/);
    });

    it('every writing front refuses such a name with 400 before any command', async () => {
      await seed('l1/a.txt', 'A');
      const name = injected(victim);
      const form = new FormData();
      form.append('file', new Blob(['x']), name);
      const results = [
        await fetch(api('l1', 'files', `l1/${name}`), { method: 'PUT', body: 'x' }),
        await fetch(api('l1', 'mkdir', `l1/${name}`), { method: 'POST' }),
        await fetch(api('l1', 'files', `l1/${name}`), { method: 'DELETE' }),
        await post('l1', 'move', { from: '/l1/a.txt', to: `/l1/${name}` }),
        await post('l1', 'move', { from: `/l1/${name}`, to: '/l1/b.txt' }),
        await post('l1', 'copy', { from: '/l1/a.txt', to: `/l1/${name}` }),
        await fetch(api('l1', 'files', 'l1'), { method: 'POST', body: form }),
        await fetch(`${gw.base}/dav/l1/l1/${url([name])}`, { method: 'PUT', body: 'x' }),
        await fetch(`${gw.base}/dav/l1/l1/${url([name])}`, { method: 'MKCOL' }),
        await fetch(`${gw.base}/dav/l1/l1/a.txt`, { method: 'MOVE', headers: { destination: `${gw.base}/dav/l1/l1/${url([name])}` } }),
        await fetch(`${gw.base}/dav/l1/l1/a.txt`, { method: 'COPY', headers: { destination: `${gw.base}/dav/l1/l1/${url([name])}` } }),
        await fetch(`${gw.base}/dav/l1/l1/${url([name])}`, { method: 'PROPFIND', headers: { depth: '0' } }),
      ];
      for (const [i, res] of results.entries()) expect(res.status, `request ${i}`).toBe(400);
      const tus = await tusCreate(gw.base, 'l1', 'l1', 1, { filename: name });
      expect(tus.status).toBe(400);
      expect(await readFile(join(ftp.root, victim), 'utf8')).toBe('do not delete');
      expect(await readFile(disk('l1/a.txt'), 'utf8')).toBe('A');
      expect((await readdir(disk('l1'))).sort()).toEqual(['a.txt']);
    });

    it('characters latin1 cannot carry are 400 on a latin1 site, and fine on a utf8 one', async () => {
      const res = await fetch(api('l1', 'files', 'l1/日本.txt'), { method: 'PUT', body: 'x' });
      expect(res.status).toBe(400);
      expect(await exists('l1/日本.txt')).toBe(false);
      expect((await fetch(api('l1', 'files', 'l1/café.txt'), { method: 'PUT', body: 'x' })).status).toBe(201);
    });

    it('a pass-through login whose bytes hold CR/LF in latin1 is 400 before any command', async () => {
      for (const [user, password] of [
        [`${injected(victim)}`, 'x'],
        ['test', `pw\u010aDELE ${victim}`],
      ] as const) {
        const res = await fetch(api('pt', 'list', ''), { headers: { authorization: basic(user, password) } });
        expect(res.status).toBe(400);
      }
      expect(await readFile(join(ftp.root, victim), 'utf8')).toBe('do not delete');
    });
  });

  describe('moves and copies never destroy what they were not asked to', () => {
    it('/proj/f1.txt to /proj with overwrite is 409 and leaves /proj whole (REST move and copy, WebDAV MOVE and COPY)', async () => {
      await seed('proj/f1.txt', 'one');
      await seed('proj/sub/f2.txt', 'two');
      const attempts = [
        await post('s', 'move', { from: '/proj/f1.txt', to: '/proj', overwrite: true }),
        await post('s', 'copy', { from: '/proj/f1.txt', to: '/proj', overwrite: true }),
        await post('s', 'move', { from: '/proj/sub/f2.txt', to: '/proj', overwrite: true }),
        await post('s', 'move', { from: '/proj', to: '/proj', overwrite: true }),
        await post('s', 'copy', { from: '/proj', to: '/proj', overwrite: true }),
        await post('s', 'move', { from: '/proj', to: '/proj/sub/inner', overwrite: true }),
        await post('s', 'copy', { from: '/proj', to: '/proj/sub/inner', overwrite: true }),
        await fetch(`${gw.base}/dav/s/proj/f1.txt`, { method: 'MOVE', headers: { destination: `${gw.base}/dav/s/proj`, overwrite: 'T' } }),
        await fetch(`${gw.base}/dav/s/proj/f1.txt`, { method: 'COPY', headers: { destination: `${gw.base}/dav/s/proj`, overwrite: 'T' } }),
        await fetch(`${gw.base}/dav/s/proj/sub/f2.txt`, { method: 'COPY', headers: { destination: `${gw.base}/dav/s/proj/`, overwrite: 'T', depth: '0' } }),
        await fetch(`${gw.base}/dav/s/proj`, { method: 'MOVE', headers: { destination: `${gw.base}/dav/s/proj/sub/inner`, overwrite: 'T' } }),
        await fetch(`${gw.base}/dav/s/proj`, { method: 'COPY', headers: { destination: `${gw.base}/dav/s/proj/sub/inner`, overwrite: 'T' } }),
      ];
      for (const [i, res] of attempts.entries()) {
        expect(res.status, `attempt ${i}`).toBe(409);
      }
      expect(await readFile(disk('proj/f1.txt'), 'utf8')).toBe('one');
      expect(await readFile(disk('proj/sub/f2.txt'), 'utf8')).toBe('two');
      expect(await exists('proj/sub/inner')).toBe(false);
      expect(await leftovers()).toEqual([]);
    });

    it('an overwriting move replaces a file and a folder, leaving nothing aside', async () => {
      await seed('mv/new.txt', 'new');
      await seed('mv/old.txt', 'old');
      let res = await post('s', 'move', { from: '/mv/new.txt', to: '/mv/old.txt', overwrite: true });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ replaced: true });
      expect(await readFile(disk('mv/old.txt'), 'utf8')).toBe('new');
      expect(await exists('mv/new.txt')).toBe(false);

      await seed('mv/dirA/a.txt', 'a');
      await seed('mv/dirB/b.txt', 'b');
      res = await post('s', 'move', { from: '/mv/dirA', to: '/mv/dirB', overwrite: true });
      expect(res.status).toBe(200);
      expect(await readdir(disk('mv/dirB'))).toEqual(['a.txt']);
      expect(await exists('mv/dirA')).toBe(false);
      expect(await leftovers('mv')).toEqual([]);
    });

    it('an overwriting copy of a folder replaces the target folder whole and keeps the source', async () => {
      await seed('cp/src/x.txt', 'x');
      await seed('cp/src/deep/y.txt', 'y');
      await seed('cp/dst/old.txt', 'old');
      const res = await post('s', 'copy', { from: '/cp/src', to: '/cp/dst', overwrite: true });
      expect(res.status).toBe(200);
      expect((await readdir(disk('cp/dst'))).sort()).toEqual(['deep', 'x.txt']);
      expect(await readFile(disk('cp/dst/deep/y.txt'), 'utf8')).toBe('y');
      expect(await readFile(disk('cp/src/x.txt'), 'utf8')).toBe('x');
      expect(await leftovers('cp')).toEqual([]);
    });

    // Root reads everything: only a real server, running as its own user, can be refused a read.
    it.skipIf(factory.name === 'in-process')('an overwriting copy whose source cannot be read leaves the old target intact', async () => {
      await seed('cpfail/src.txt', 'secret source');
      await seed('cpfail/dst.txt', 'old target');
      await chmod(disk('cpfail/src.txt'), 0o000);
      const res = await post('s', 'copy', { from: '/cpfail/src.txt', to: '/cpfail/dst.txt', overwrite: true });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(await readFile(disk('cpfail/dst.txt'), 'utf8')).toBe('old target');
      expect(await leftovers('cpfail')).toEqual([]);
      await chmod(disk('cpfail/src.txt'), 0o666);
    });
  });

  describe("the gateway's temporary names are no front's to touch", () => {
    it('cannot be created, renamed to, listed, read or deleted', async () => {
      await seed('tmp/.ftpgate-upload-0123456789abcdef', 'in flight');
      await seed('tmp/plain.txt', 'p');
      const reserved = '.ftpgate-upload-0123456789abcdef';
      const statuses = {
        put: (await fetch(api('s', 'files', 'tmp/.ftpgate-mine'), { method: 'PUT', body: 'x' })).status,
        mkdir: (await fetch(api('s', 'mkdir', 'tmp/.FTPGATE-dir'), { method: 'POST' })).status,
        move: (await post('s', 'move', { from: '/tmp/plain.txt', to: '/tmp/.ftpgate-aside-x', overwrite: true })).status,
        copy: (await post('s', 'copy', { from: '/tmp/plain.txt', to: `/tmp/${reserved}`, overwrite: true })).status,
        get: (await fetch(api('s', 'files', `tmp/${reserved}`))).status,
        delete: (await fetch(api('s', 'files', `tmp/${reserved}`), { method: 'DELETE' })).status,
        moveFrom: (await post('s', 'move', { from: `/tmp/${reserved}`, to: '/tmp/stolen.txt' })).status,
        davPut: (await fetch(`${gw.base}/dav/s/tmp/.ftpgate-x`, { method: 'PUT', body: 'x' })).status,
        davGet: (await fetch(`${gw.base}/dav/s/tmp/${reserved}`)).status,
        davDelete: (await fetch(`${gw.base}/dav/s/tmp/${reserved}`, { method: 'DELETE' })).status,
      };
      expect(statuses).toEqual({ put: 400, mkdir: 400, move: 400, copy: 400, get: 404, delete: 404, moveFrom: 404, davPut: 400, davGet: 404, davDelete: 404 });
      const listing = (await (await fetch(api('s', 'list', 'tmp'))).json()) as { entries: { name: string }[] };
      expect(listing.entries.map((e) => e.name)).toEqual(['plain.txt']);
      expect((await readdir(disk('tmp'))).sort()).toEqual([reserved, 'plain.txt']);
      expect(await readFile(disk('tmp/plain.txt'), 'utf8')).toBe('p');
    });
  });

  // ftp-srv (the in-process server) turns every "\" of a path into "/" itself: it cannot hold
  // such names, so only the real servers can show the gateway serving them. Pure-FTPd lists such
  // names but refuses every command that names them ("553 Prohibited file name"): there the
  // gateway leaves them out with a note, and refuses a recursive delete before deleting anything.
  describe.skipIf(factory.name === 'in-process')('names with a backslash', () => {
    const odd = 'back\\slash.txt';
    const refused = factory.name === 'pure-ftpd';
    beforeAll(async () => {
      await seed(`bs/${odd}`, 'backslash content');
      await seed('bs/plain.txt', 'plain');
      await seed('bs/sub\\dir/inner.txt', 'inner');
    });

    it('are listed, read, created and renamed through REST (or left out where the server refuses them)', async () => {
      const listing = (await (await fetch(api('s', 'list', 'bs'))).json()) as { entries: { name: string }[] };
      if (refused) {
        expect(listing.entries.map((e) => e.name)).toEqual(['plain.txt']);
        const put = await fetch(api('s', 'files', 'bs/new\\one.txt'), { method: 'PUT', body: 'made' });
        expect(put.status).toBe(400);
        expect(await exists('bs/new\\one.txt')).toBe(false);
        return;
      }
      expect(listing.entries.map((e) => e.name).sort()).toEqual([odd, 'plain.txt', 'sub\\dir'].sort());
      expect(await (await fetch(api('s', 'files', `bs/${odd}`))).text()).toBe('backslash content');
      expect((await fetch(api('s', 'files', 'bs/new\\one.txt'), { method: 'PUT', body: 'made' })).status).toBe(201);
      expect(await readFile(disk('bs/new\\one.txt'), 'utf8')).toBe('made');
      const moved = await post('s', 'move', { from: '/bs/new\\one.txt', to: '/bs/re\\named.txt' });
      expect(moved.status).toBe(200);
      expect(await readFile(disk('bs/re\\named.txt'), 'utf8')).toBe('made');
    });

    it('are served by WebDAV PROPFIND, GET, PUT and MOVE (a folder holding one is never a 400)', async () => {
      const propfind = await fetch(`${gw.base}/dav/s/bs/`, { method: 'PROPFIND', headers: { depth: '1' } });
      expect(propfind.status).toBe(207);
      const xml = await propfind.text();
      expect(xml).toContain('/dav/s/bs/plain.txt<');
      if (refused) {
        expect(xml).not.toContain('slash');
        return;
      }
      expect(xml).toContain(`/dav/s/bs/${encodeURIComponent(odd)}<`);
      expect(await (await fetch(`${gw.base}/dav/s/bs/${encodeURIComponent(odd)}`)).text()).toBe('backslash content');
      expect((await fetch(`${gw.base}/dav/s/bs/dav%5Cput.txt`, { method: 'PUT', body: 'dav' })).status).toBe(201);
      expect(await readFile(disk('bs/dav\\put.txt'), 'utf8')).toBe('dav');
      const move = await fetch(`${gw.base}/dav/s/bs/dav%5Cput.txt`, { method: 'MOVE', headers: { destination: `${gw.base}/dav/s/bs/dav%5Cmoved.txt` } });
      expect(move.status).toBe(201);
      expect(await readFile(disk('bs/dav\\moved.txt'), 'utf8')).toBe('dav');
      expect(await exists('bs/dav\\put.txt')).toBe(false);
    });

    it.skipIf(spawnSync('python3', ['-V']).status !== 0)('are zipped (stored with U+FF3C or left out, noted in ftpgate-skipped.txt)', async () => {
      const res = await fetch(api('s', 'zip', 'bs'));
      expect(res.status).toBe(200);
      const out = await mkdtemp(join(tmpdir(), 'ftpgate-bs-zip-'));
      const file = join(out, 'bs.zip');
      await writeFile(file, Buffer.from(await res.arrayBuffer()));
      const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    print(json.dumps({i.filename: z.read(i).decode('utf8') for i in z.infolist() if not i.is_dir()}))`;
      const read = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
      const entries = JSON.parse(read.stdout) as Record<string, string>;
      await rm(out, { recursive: true, force: true });
      expect(entries['plain.txt']).toBe('plain');
      if (refused) {
        expect(Object.keys(entries).sort()).toEqual(['ftpgate-skipped.txt', 'plain.txt']);
        expect(entries['ftpgate-skipped.txt']).toContain(`${odd}: left out, the FTP server refuses names with "\\"`);
        expect(entries['ftpgate-skipped.txt']).toContain('sub\\dir: left out');
        return;
      }
      expect(entries['back\uFF3Cslash.txt']).toBe('backslash content');
      expect(entries['sub\uFF3Cdir/inner.txt']).toBe('inner');
      expect(entries['ftpgate-skipped.txt']).toContain(`${odd}: stored as back\uFF3Cslash.txt`);
    });

    it('go with their folder in a recursive delete, or stop it before the first deletion', async () => {
      await seed('bsdel/a\\b.txt', '1');
      await seed('bsdel/c\\d/e.txt', '2');
      await seed('bsdel/plain.txt', '3');
      const res = await fetch(api('s', 'files', 'bsdel') + '?recursive=true', { method: 'DELETE' });
      if (refused) {
        expect(res.status).toBe(409);
        expect(((await res.json()) as { detail: string }).detail).toMatch(/a\\b\.txt|c\\d/);
        expect((await readdir(disk('bsdel'))).sort()).toEqual(['a\\b.txt', 'c\\d', 'plain.txt']);
        return;
      }
      expect(res.status).toBe(204);
      expect(await exists('bsdel')).toBe(false);
    });
  });

  it('the raw path guard refuses a CR/LF-in-bytes path even when sent raw', async () => {
    const res = await rawRequest(gw.base, 'GET', `/api/v1/sites/ro/files/x%C4%8D%C4%8ADELE%20${victim}`);
    expect(res.status).toBe(400);
    expect(await readFile(join(ftp.root, victim), 'utf8')).toBe('do not delete');
  });
});
