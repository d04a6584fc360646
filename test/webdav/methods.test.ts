// MKCOL, DELETE, COPY and MOVE as RFC 4918 words them, against each available FTP server:
// the points protocol.test.ts does not already cover (src/webdav/methods/).
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, type FtpFixture } from '../helpers/ftp-servers.js';
import { dav, LOCKINFO, startDavGateway, type DavGateway } from './dav-helpers.js';

const PROP = (value: string) =>
  '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">' +
  `<D:set><D:prop><Z:tag>${value}</Z:tag></D:prop></D:set></D:propertyupdate>`;
const ASK = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><Z:tag xmlns:Z="urn:z"/></D:prop></D:propfind>';

describe.each(ftpServers())('WebDAV methods over $name', (factory) => {
  let ftp: FtpFixture;
  let g: DavGateway;
  let base: string;
  const folder = `m-${Date.now().toString(36)}`;
  const dir = `/dav/site/${folder}`;
  const at = (p: string) => join(ftp.root, folder, p);
  /** Made through the gateway: on real servers the FTP account must own what it deletes or replaces. */
  const seed = async (p: string, content?: string) => {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) await dav(base, 'MKCOL', `${dir}/${parts.slice(0, i).join('/')}`);
    if (content === undefined) expect([201, 405]).toContain((await dav(base, 'MKCOL', `${dir}/${p}`)).status);
    else expect((await dav(base, 'PUT', `${dir}/${p}`, { body: content })).status).toBeLessThan(300);
  };
  /** An If header list tagged with the resource it is about (RFC 4918 section 10.4.2). */
  const tagged = (path: string, token: string) => `<${base}${path}> (<${token}>)`;
  const dest = (p: string) => ({ destination: base + p });
  const lock = async (path: string, depth: '0' | 'infinity') => {
    const res = await dav(base, 'LOCK', path, { headers: { depth }, body: LOCKINFO('exclusive') });
    expect(res.status).toBe(200);
    return /^<(.+)>$/.exec(res.headers.get('lock-token')!)![1]!;
  };
  const tagOf = async (path: string) => (await dav(base, 'PROPFIND', path, { headers: { depth: '0' }, body: ASK })).text;

  beforeAll(async () => {
    ftp = await factory.start();
    g = await startDavGateway(ftp);
    base = g.gw.base;
    expect((await dav(base, 'MKCOL', dir)).status).toBe(201);
  });
  afterAll(async () => {
    if (g) {
      await dav(base, 'DELETE', dir);
      await g.gw.close();
    }
    await ftp?.close();
  });

  describe('MKCOL', () => {
    it('under a file is 409, on a file or a site root is 405, and nothing is created', async () => {
      await seed('mk/file.txt', 'f');
      expect((await dav(base, 'MKCOL', dir + '/mk/file.txt/sub')).status).toBe(409);
      expect((await dav(base, 'MKCOL', dir + '/mk/file.txt')).status).toBe(405);
      expect((await dav(base, 'MKCOL', '/dav/site/')).status).toBe(405);
      expect((await dav(base, 'MKCOL', '/dav/nosuchsite/x')).status).toBe(404);
      expect(await readFile(at('mk/file.txt'), 'utf8')).toBe('f');
      expect(await readdir(at('mk'))).toEqual(['file.txt']);
    });

    it('inside a locked folder needs its token (423 without, 201 with)', async () => {
      await seed('mklocked');
      const token = await lock(dir + '/mklocked', '0');
      expect((await dav(base, 'MKCOL', dir + '/mklocked/new')).status).toBe(423);
      expect(existsSync(at('mklocked/new'))).toBe(false);
      expect((await dav(base, 'MKCOL', dir + '/mklocked/new', { headers: { if: tagged(dir + '/mklocked', token) } })).status).toBe(201);
      await dav(base, 'UNLOCK', dir + '/mklocked', { headers: { 'lock-token': `<${token}>` } });
    });
  });

  describe('DELETE', () => {
    it('answers 204, and a collection with a Depth other than infinity is 400 and stays whole', async () => {
      await seed('del/tree/leaf.txt', 'leaf');
      for (const depth of ['0', '1']) {
        expect((await dav(base, 'DELETE', dir + '/del/tree', { headers: { depth } })).status, `Depth ${depth}`).toBe(400);
      }
      expect(await readFile(at('del/tree/leaf.txt'), 'utf8')).toBe('leaf');
      expect((await dav(base, 'DELETE', dir + '/del/tree', { headers: { depth: 'infinity' } })).status).toBe(204);
      expect(existsSync(at('del/tree'))).toBe(false);
      await seed('del/f.txt', 'f');
      expect((await dav(base, 'DELETE', dir + '/del/f.txt')).status).toBe(204);
      expect(existsSync(at('del/f.txt'))).toBe(false);
    });

    it('of a collection holding a locked member is 423 and deletes nothing; with the token it goes, lock and all', async () => {
      await seed('dl/a.txt', 'a');
      await seed('dl/inner/b.txt', 'b');
      const token = await lock(dir + '/dl/inner/b.txt', '0');
      const refused = await dav(base, 'DELETE', dir + '/dl');
      expect(refused.status).toBe(423);
      expect(refused.text).toContain(`${dir}/dl/inner/b.txt`);
      expect(await readFile(at('dl/a.txt'), 'utf8')).toBe('a');
      expect(await readFile(at('dl/inner/b.txt'), 'utf8')).toBe('b');
      expect((await dav(base, 'DELETE', dir + '/dl', { headers: { if: tagged(dir + '/dl/inner/b.txt', token) } })).status).toBe(204);
      expect(existsSync(at('dl'))).toBe(false);
      // The lock went with its resource: a new file there is not locked.
      expect((await dav(base, 'MKCOL', dir + '/dl')).status).toBe(201);
      expect((await dav(base, 'PUT', dir + '/dl/inner.txt', { body: 'x' })).status).toBe(201);
    });

    it('of a site root or the site list is 403', async () => {
      expect((await dav(base, 'DELETE', '/dav/site/')).status).toBe(403);
      expect((await dav(base, 'DELETE', '/dav/')).status).toBe(403);
      expect(existsSync(at(''))).toBe(true);
    });

    it('removes the dead properties of everything in the tree', async () => {
      await seed('dp/sub/f.txt', 'f');
      expect((await dav(base, 'PROPPATCH', dir + '/dp/sub/f.txt', { body: PROP('deep') })).status).toBe(207);
      expect(await tagOf(dir + '/dp/sub/f.txt')).toContain('deep');
      expect((await dav(base, 'DELETE', dir + '/dp')).status).toBe(204);
      await seed('dp/sub/f.txt', 'again');
      expect(await tagOf(dir + '/dp/sub/f.txt')).not.toContain('deep');
    });
  });

  describe('COPY and MOVE', () => {
    it('without Overwrite replace the target (T is the default): 204', async () => {
      await seed('ow/a.txt', 'a');
      await seed('ow/b.txt', 'b');
      await seed('ow/c.txt', 'c');
      expect((await dav(base, 'COPY', dir + '/ow/a.txt', { headers: dest(dir + '/ow/b.txt') })).status).toBe(204);
      expect(await readFile(at('ow/b.txt'), 'utf8')).toBe('a');
      expect((await dav(base, 'MOVE', dir + '/ow/c.txt', { headers: dest(dir + '/ow/b.txt') })).status).toBe(204);
      expect(await readFile(at('ow/b.txt'), 'utf8')).toBe('c');
      expect(existsSync(at('ow/c.txt'))).toBe(false);
    });

    it('an Overwrite other than T or F is 400 and changes nothing', async () => {
      await seed('owx/a.txt', 'a');
      await seed('owx/b.txt', 'b');
      for (const method of ['COPY', 'MOVE']) {
        const res = await dav(base, method, dir + '/owx/a.txt', { headers: { ...dest(dir + '/owx/b.txt'), overwrite: 'yes' } });
        expect(res.status, method).toBe(400);
      }
      expect(await readFile(at('owx/a.txt'), 'utf8')).toBe('a');
      expect(await readFile(at('owx/b.txt'), 'utf8')).toBe('b');
    });

    it('Overwrite F onto a folder is 412 and leaves the folder whole', async () => {
      await seed('owf/a.txt', 'a');
      await seed('owf/dir/keep.txt', 'keep');
      for (const method of ['COPY', 'MOVE']) {
        const res = await dav(base, method, dir + '/owf/a.txt', { headers: { ...dest(dir + '/owf/dir'), overwrite: 'F' } });
        expect(res.status, method).toBe(412);
      }
      expect(await readFile(at('owf/dir/keep.txt'), 'utf8')).toBe('keep');
      expect(await readFile(at('owf/a.txt'), 'utf8')).toBe('a');
    });

    it('COPY Depth 1 and MOVE Depth 0 or 1 are 400', async () => {
      await seed('dep/tree/leaf.txt', 'leaf');
      expect((await dav(base, 'COPY', dir + '/dep/tree', { headers: { ...dest(dir + '/dep/copy'), depth: '1' } })).status).toBe(400);
      for (const depth of ['0', '1']) {
        expect((await dav(base, 'MOVE', dir + '/dep/tree', { headers: { ...dest(dir + '/dep/moved'), depth } })).status, `Depth ${depth}`).toBe(400);
      }
      expect(await readdir(at('dep'))).toEqual(['tree']);
      expect(await readFile(at('dep/tree/leaf.txt'), 'utf8')).toBe('leaf');
    });

    it('onto the source itself is 403; a site root as Destination or as the moved source is 403', async () => {
      await seed('self/a.txt', 'a');
      for (const method of ['COPY', 'MOVE']) {
        expect((await dav(base, method, dir + '/self/a.txt', { headers: dest(dir + '/self/a.txt') })).status, method).toBe(403);
        expect((await dav(base, method, dir + '/self/a.txt', { headers: dest('/dav/other/') })).status, method).toBe(403);
      }
      expect((await dav(base, 'MOVE', '/dav/site/', { headers: dest(`/dav/other/${folder}/self/root`) })).status).toBe(403);
      expect(await readdir(at('self'))).toEqual(['a.txt']);
    });

    it('a missing source is 404, a missing Destination folder is 409', async () => {
      for (const method of ['COPY', 'MOVE']) {
        expect((await dav(base, method, dir + '/nothing.txt', { headers: dest(dir + '/n2.txt') })).status, method).toBe(404);
      }
      await seed('nf/a.txt', 'a');
      for (const method of ['COPY', 'MOVE']) {
        expect((await dav(base, method, dir + '/nf/a.txt', { headers: dest(dir + '/nf/none/a.txt') })).status, method).toBe(409);
      }
      expect(await readFile(at('nf/a.txt'), 'utf8')).toBe('a');
    });

    it('MOVE needs the Destination folder\'s lock token too (423 without), and then leaves no lock behind on the source', async () => {
      await seed('ml/src/a.txt', 'a');
      await seed('ml/dst');
      const srcToken = await lock(dir + '/ml/src', 'infinity');
      const dstToken = await lock(dir + '/ml/dst', 'infinity');
      const src = tagged(dir + '/ml/src', srcToken);
      const dst = tagged(dir + '/ml/dst', dstToken);
      const only = (list: string) => ({ ...dest(dir + '/ml/dst/a.txt'), if: list });
      expect((await dav(base, 'MOVE', dir + '/ml/src/a.txt', { headers: only(src) })).status).toBe(423);
      expect((await dav(base, 'MOVE', dir + '/ml/src/a.txt', { headers: only(dst) })).status).toBe(423);
      expect(await readFile(at('ml/src/a.txt'), 'utf8')).toBe('a');
      expect(existsSync(at('ml/dst/a.txt'))).toBe(false);
      const both = { ...dest(dir + '/ml/dst/a.txt'), if: `${src} ${dst}` };
      expect((await dav(base, 'MOVE', dir + '/ml/src/a.txt', { headers: both })).status).toBe(201);
      expect(await readFile(at('ml/dst/a.txt'), 'utf8')).toBe('a');
      // The moved folder's own lock is removed, not moved: the new place takes a PUT without it.
      const tokenOnly = { ...dest(dir + '/ml/moved'), if: src };
      expect((await dav(base, 'MOVE', dir + '/ml/src', { headers: tokenOnly })).status).toBe(201);
      expect((await dav(base, 'PUT', dir + '/ml/moved/new.txt', { body: 'n' })).status).toBe(201);
      expect((await dav(base, 'UNLOCK', dir + '/ml/moved', { headers: { 'lock-token': `<${srcToken}>` } })).status).toBe(409);
      await dav(base, 'UNLOCK', dir + '/ml/dst', { headers: { 'lock-token': `<${dstToken}>` } });
    });

    it('a folder\'s members keep their dead properties through MOVE (to another site too) and COPY Depth infinity, not Depth 0', async () => {
      await seed('pm/tree/f.txt', 'f');
      expect((await dav(base, 'PROPPATCH', dir + '/pm/tree', { body: PROP('folder') })).status).toBe(207);
      expect((await dav(base, 'PROPPATCH', dir + '/pm/tree/f.txt', { body: PROP('member') })).status).toBe(207);
      expect((await dav(base, 'MOVE', dir + '/pm/tree', { headers: dest(dir + '/pm/moved') })).status).toBe(201);
      expect(await tagOf(dir + '/pm/moved/f.txt')).toContain('member');
      expect(await tagOf(dir + '/pm/moved')).toContain('folder');

      expect((await dav(base, 'COPY', dir + '/pm/moved', { headers: dest(dir + '/pm/deep') })).status).toBe(201);
      expect(await tagOf(dir + '/pm/deep/f.txt')).toContain('member');
      expect((await dav(base, 'COPY', dir + '/pm/moved', { headers: { ...dest(dir + '/pm/shallow'), depth: '0' } })).status).toBe(201);
      expect(await tagOf(dir + '/pm/shallow')).toContain('folder');
      expect(await readdir(at('pm/shallow'))).toEqual([]);

      // "other" is the same FTP account under another site name: the tree moves there, properties too.
      const across = `/dav/other/${folder}/pm/across`;
      expect((await dav(base, 'MOVE', dir + '/pm/moved', { headers: dest(across) })).status).toBe(201);
      expect(existsSync(at('pm/moved'))).toBe(false);
      expect(await readFile(at('pm/across/f.txt'), 'utf8')).toBe('f');
      expect(await tagOf(across + '/f.txt')).toContain('member');
      // Nothing is left behind under the old name.
      await seed('pm/moved/f.txt', 'new');
      expect(await tagOf(dir + '/pm/moved/f.txt')).not.toContain('member');
    });
  });
});
