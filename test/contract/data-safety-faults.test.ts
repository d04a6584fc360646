// Data safety (issue 14) where a real server will not misbehave on demand, played by the scripted
// server on a disk folder: a server refusing a rename half way through a replacement (the old
// target must survive), an IIS-like server that will not rename over a file, a file another
// process is writing (IIS's "being used by another process" is not a missing file), a Windows
// server and backslashes, and the FTP layer's last guard on command bytes.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer, type ScriptedOptions } from '../servers/scripted-ftp-server.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { validateConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { FtpSession } from '../../src/ftp/session.js';
import { FtpReplyError } from '../../src/ftp/errors.js';

/** Everything under `dir`, as relative paths, the gateway's leftovers included. */
async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    out.push(prefix + e.name + (e.isDirectory() ? '/' : ''));
    if (e.isDirectory()) out.push(...(await tree(join(dir, e.name), prefix + e.name + '/')));
  }
  return out.sort();
}

describe.each([
  { label: 'Unix-like (renames over files)', style: 'unix' as const },
  { label: 'IIS-like (will not rename over a file)', style: 'dos' as const },
])('replacing on a $label server that refuses a rename half way', ({ style }) => {
  let root: string;
  let server: ScriptedServer;
  let gw: TestGateway;
  /** RNTO whose target matches `to` is refused, the next `times` times. */
  let refuse: { to: RegExp; times: number } | undefined;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ftpgate-safety-faults-'));
    server = await startScriptedServer({
      root,
      listStyle: style,
      ...(style === 'dos' ? { preliminary: 125 as const, system: 'Microsoft FTP Service' } : {}),
      refuseRename: (_from, to) => {
        if (!refuse || refuse.times === 0 || !refuse.to.test(to)) return undefined;
        refuse.times--;
        return '550 Access is denied.';
      },
    });
    gw = await startGateway({ s: `ftp://u:p@127.0.0.1:${server.port}/?listingCacheTtl=0&poolSize=2` });
  });
  afterAll(async () => {
    await gw?.close();
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    refuse = undefined;
    await rm(join(root, 'w'), { recursive: true, force: true });
    await mkdir(join(root, 'w', 'folder'), { recursive: true });
    await writeFile(join(root, 'w', 'old.txt'), 'old content');
    await writeFile(join(root, 'w', 'new.txt'), 'new content');
    await writeFile(join(root, 'w', 'folder', 'kept.txt'), 'kept');
  });
  const post = (action: 'move' | 'copy', body: object) =>
    fetch(`${gw.base}/api/v1/sites/s/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  // The rename that puts the new content in place is the first one into the target's own name
  // (the second, if any, puts the old target back: that one is let through).
  const intoTarget = (name: string, times = 1) => ({ to: new RegExp(`/w/${name}$`), times });

  it('an overwriting move whose rename into place is refused leaves the old target and the source', async () => {
    refuse = intoTarget('old.txt');
    const res = await post('move', { from: '/w/new.txt', to: '/w/old.txt', overwrite: true });
    expect(res.status).toBe(403);
    expect(await readFile(join(root, 'w', 'old.txt'), 'utf8')).toBe('old content');
    expect(await readFile(join(root, 'w', 'new.txt'), 'utf8')).toBe('new content');
    expect(await tree(join(root, 'w'))).toEqual(['folder/', 'folder/kept.txt', 'new.txt', 'old.txt']);
  });

  it('an overwriting move onto a folder whose rename into place is refused leaves the folder whole', async () => {
    refuse = intoTarget('folder');
    const res = await post('move', { from: '/w/new.txt', to: '/w/folder', overwrite: true });
    expect(res.status).toBe(403);
    expect(await readFile(join(root, 'w', 'folder', 'kept.txt'), 'utf8')).toBe('kept');
    expect(await tree(join(root, 'w'))).toEqual(['folder/', 'folder/kept.txt', 'new.txt', 'old.txt']);
  });

  it('an overwriting copy whose rename into place is refused leaves the old target, and no temporary copy', async () => {
    refuse = intoTarget('old.txt');
    const res = await post('copy', { from: '/w/new.txt', to: '/w/old.txt', overwrite: true });
    expect(res.status).toBe(403);
    expect(await readFile(join(root, 'w', 'old.txt'), 'utf8')).toBe('old content');
    expect(await tree(join(root, 'w'))).toEqual(['folder/', 'folder/kept.txt', 'new.txt', 'old.txt']);
  });

  it('an overwriting PUT whose rename into place is refused leaves the old file, and no temporary upload', async () => {
    // The direct rename over the file is refused (IIS-like servers refuse it anyway), so the old
    // file goes aside; then the rename into place is refused too, and the aside must come back.
    refuse = intoTarget('old.txt', 2);
    const res = await fetch(`${gw.base}/api/v1/sites/s/files/w/old.txt`, { method: 'PUT', body: 'replacement' });
    expect(res.status).toBe(403);
    expect(await readFile(join(root, 'w', 'old.txt'), 'utf8')).toBe('old content');
    // The temporary upload is removed in the background.
    await expect.poll(() => tree(join(root, 'w'))).toEqual(['folder/', 'folder/kept.txt', 'new.txt', 'old.txt']);
  });

  it('when nothing is refused, every replacement goes through and leaves nothing aside', async () => {
    expect((await post('move', { from: '/w/new.txt', to: '/w/old.txt', overwrite: true })).status).toBe(200);
    expect(await readFile(join(root, 'w', 'old.txt'), 'utf8')).toBe('new content');
    expect((await post('copy', { from: '/w/old.txt', to: '/w/folder', overwrite: true })).status).toBe(200);
    expect(await readFile(join(root, 'w', 'folder'), 'utf8')).toBe('new content');
    expect((await fetch(`${gw.base}/api/v1/sites/s/files/w/old.txt`, { method: 'PUT', body: 'third' })).status).toBe(204);
    expect(await readFile(join(root, 'w', 'old.txt'), 'utf8')).toBe('third');
    expect(await tree(join(root, 'w'))).toEqual(['folder', 'old.txt']);
  });
});

describe('a file in use on an IIS-like server', () => {
  let root: string;
  let server: ScriptedServer;
  let gw: TestGateway;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ftpgate-busy-'));
    await writeFile(join(root, 'growing.log'), 'still being written');
    await mkdir(join(root, 'd'));
    await writeFile(join(root, 'd', 'growing.log'), 'x');
    server = await startScriptedServer({ root, listStyle: 'dos', preliminary: 125, system: 'Microsoft FTP Service', busyRetr: /growing\.log$/ });
    gw = await startGateway({ s: `ftp://u:p@127.0.0.1:${server.port}/?listingCacheTtl=0` });
  });
  afterAll(async () => {
    await gw?.close();
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('is 503 busy with Retry-After on REST and WebDAV, not 404', async () => {
    const rest = await fetch(`${gw.base}/api/v1/sites/s/files/growing.log`);
    expect(rest.status).toBe(503);
    expect(rest.headers.get('retry-after')).toBe('5');
    expect(await rest.json()).toMatchObject({ code: 'busy', status: 503 });
    const dav = await fetch(`${gw.base}/dav/s/growing.log`);
    expect(dav.status).toBe(503);
    expect(dav.headers.get('retry-after')).toBe('5');
    // A missing file is still a 404.
    expect((await fetch(`${gw.base}/api/v1/sites/s/files/missing.log`)).status).toBe(404);
  });

  it('does not let an overwriting copy from it touch the target', async () => {
    await writeFile(join(root, 'target.txt'), 'target');
    const res = await fetch(`${gw.base}/api/v1/sites/s/copy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '/growing.log', to: '/target.txt', overwrite: true }),
    });
    expect(res.status).toBe(503);
    expect(await readFile(join(root, 'target.txt'), 'utf8')).toBe('target');
    expect((await readdir(root)).filter((n) => n.startsWith('.ftpgate-'))).toEqual([]);
  });
});

describe('backslashes on a Windows server', () => {
  let root: string;
  let server: ScriptedServer;
  let gw: TestGateway;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ftpgate-win-'));
    await mkdir(join(root, 'a'));
    await writeFile(join(root, 'a', 'b.txt'), 'b');
    server = await startScriptedServer({ root, listStyle: 'dos', system: 'Microsoft FTP Service' });
    gw = await startGateway({ s: `ftp://u:p@127.0.0.1:${server.port}/?listingCacheTtl=0` });
  });
  afterEach(async () => {
    await gw?.close();
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('are refused (a separator there), even on the very first request of the site', async () => {
    // A fresh gateway does not know the server yet: its sessions do (SYST) and refuse the rename.
    const first = await fetch(`${gw.base}/api/v1/sites/s/files/a%5Cb.txt`, { method: 'PUT', body: 'x' });
    expect(first.status).toBe(400);
    expect(server.commands.some((c) => c.includes('\\'))).toBe(false);
    // Once the site is known to be Windows, the core refuses before any command.
    const before = server.commands.length;
    const put = await fetch(`${gw.base}/api/v1/sites/s/files/x%5Cy.txt`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(400);
    expect(await put.json()).toMatchObject({ code: 'bad_path' });
    expect(server.commands.length).toBe(before);
    // The first upload's temporary file is removed in the background once its rename was refused.
    for (let i = 0; i < 50 && (await tree(root)).some((n) => n.includes('.ftpgate-')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await tree(root)).toEqual(['a/', 'a/b.txt']);
  });
});

describe("the FTP layer's last guard", () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer({ files: { '/victim.txt': Buffer.from('v') }, encoding: 'latin1' } satisfies ScriptedOptions);
  });
  afterAll(async () => server?.close());

  it('never writes a command line whose latin1 bytes hold CR or LF, whatever the caller checked', async () => {
    const [site] = validateConfig({ listen: { host: '127.0.0.1', port: 0 }, sites: [parseSiteUrl('s', `ftp://u:p@127.0.0.1:${server.port}/?encoding=latin1`)] }).sites;
    const quiet = { debug: () => {}, warn: () => {} };
    const session = await FtpSession.open(site!, { user: 'u', password: 'p' }, {}, quiet);
    try {
      // No CR or LF as characters: only the bytes after encoding hold them.
      const err = await session.list('/x\u010d\u010aDELE victim.txt').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FtpReplyError);
      expect((err as FtpReplyError).code).toBe(501);
      expect(server.commands.filter((c) => /DELE|^x/.test(c))).toEqual([]);
      // The session is still usable for honest commands.
      expect((await session.list('/')).map((e) => e.name)).toEqual(['victim.txt']);
    } finally {
      session.close();
    }
    // A login whose bytes would break the USER line never reaches the server either.
    const before = server.commands.length;
    await expect(FtpSession.open(site!, { user: 'u\u010aDELE victim.txt', password: 'p' }, {}, quiet)).rejects.toBeInstanceOf(FtpReplyError);
    expect(server.commands.slice(before).filter((c) => /^USER|DELE/.test(c))).toEqual([]);
  });
});
