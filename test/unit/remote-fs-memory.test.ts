// The core over the in-memory back end: what RemoteFs promises every back end (temporary name
// then rename, replace-aside, refusing to move or copy into itself, recursive delete, hidden
// names), proved with no FTP at all. Faults are injected into the back end.
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { GatewayError } from '../../src/core/errors.js';
import { MemoryBackend, type MemoryOp } from '../../src/core/memory-backend.js';
import { RemotePath } from '../../src/core/paths.js';
import { RemoteFs } from '../../src/core/remote-fs.js';
import type { Access } from '../../src/core/types.js';

const quiet = { debug: () => {}, warn: () => {} };
const siteConfig = (url: string) => validateConfig({ listen: { host: '127.0.0.1', port: 0 }, sites: [parseSiteUrl('m', url)] }).sites;
const p = (plain: string) => RemotePath.fromPlain(plain);

let backend: MemoryBackend;
let fs: RemoteFs;
let access: Access;

beforeEach(() => {
  backend = new MemoryBackend();
  fs = new RemoteFs(siteConfig('ftp://u:p@127.0.0.1/?listingCacheTtl=0'), quiet, () => backend);
  access = fs.access('m', undefined, 'write');
});

/** A source that sends `text`, then fails (a client gone half-way). */
function failingSource(text: string): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (sent) this.destroy(new Error('client went away'));
      else this.push(Buffer.from(text));
      sent = true;
    },
  });
}

/** Fail the `n`th call of `op` (1-based), once. */
function failNth(op: MemoryOp, n: number, error = new GatewayError('bad_gateway', `injected ${op} failure`)): void {
  let seen = 0;
  backend.inject = (called) => {
    if (called === op && ++seen === n) throw error;
  };
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

const visible = () => backend.paths().filter((path) => !path.split('/').some((n) => n.startsWith('.ftpgate-')));
const reserved = () => backend.paths().filter((path) => path.split('/').some((n) => n.startsWith('.ftpgate-')));

async function settle(): Promise<void> {
  for (let i = 0; i < 20 && reserved().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
}

describe('RemoteFs over the memory back end', () => {
  it('writes to a temporary name in the same folder and renames it over the target', async () => {
    backend.put('/d/a.txt', 'old');
    const seen: string[] = [];
    backend.inject = (op, path, to) => {
      if (op === 'store' || op === 'rename') seen.push(`${op} ${path}${to ? ` -> ${to}` : ''}`);
      // While the upload is stored, the old file is still whole.
      if (op === 'rename') expect(backend.contents('/d/a.txt')?.toString()).toBe('old');
    };
    const result = await fs.write(access, p('/d/a.txt'), Readable.from([Buffer.from('new content')]));
    expect(result).toMatchObject({ created: false, bytes: 11 });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/^store \/d\/\.ftpgate-upload-[0-9a-f]{16}$/);
    expect(seen[1]).toMatch(/^rename \/d\/\.ftpgate-upload-[0-9a-f]{16} -> \/d\/a\.txt$/);
    expect(backend.contents('/d/a.txt')?.toString()).toBe('new content');
    expect(reserved()).toEqual([]);
  });

  it('an upload that breaks off leaves the old file whole and its temporary file removed', async () => {
    backend.put('/a.txt', 'old');
    await expect(fs.write(access, p('/a.txt'), failingSource('half'))).rejects.toThrow();
    expect(backend.contents('/a.txt')?.toString()).toBe('old');
    await settle();
    expect(reserved()).toEqual([]);
  });

  it('replace-aside: a move over a file keeps the old target when the rename fails, and puts it back', async () => {
    backend.put('/src.txt', 'source');
    backend.put('/dst.txt', 'precious');
    // Rename 1 puts the target aside; rename 2 (source -> target) fails; rename 3 puts it back.
    failNth('rename', 2);
    await expect(fs.move(access, p('/src.txt'), p('/dst.txt'), { overwrite: true })).rejects.toMatchObject({ status: 502 });
    expect(backend.contents('/dst.txt')?.toString()).toBe('precious');
    expect(backend.contents('/src.txt')?.toString()).toBe('source');
    expect(reserved()).toEqual([]);
  });

  it('replace-aside: when the old target cannot be put back it is kept under its aside name, never deleted', async () => {
    backend.put('/src.txt', 'source');
    backend.put('/dst.txt', 'precious');
    let renames = 0;
    backend.inject = (op) => {
      if (op === 'rename' && ++renames >= 2) throw new GatewayError('bad_gateway', 'server gone');
    };
    const err = await fs.move(access, p('/src.txt'), p('/dst.txt'), { overwrite: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502 });
    expect((err as GatewayError).detail).toMatch(/kept as \/\.ftpgate-aside-[0-9a-f]{16}/);
    const aside = reserved();
    expect(aside).toHaveLength(1);
    expect(backend.contents(aside[0]!)?.toString()).toBe('precious');
  });

  it('a back end that will not rename over a file (IIS) still gets the upload, through an aside', async () => {
    backend.put('/a.txt', 'old');
    backend.refuseRenameOver = true;
    await fs.write(access, p('/a.txt'), Readable.from([Buffer.from('new')]));
    expect(backend.contents('/a.txt')?.toString()).toBe('new');
    expect(reserved()).toEqual([]);
  });

  it('a copy that fails half-way leaves the old target as it was and no temporary tree', async () => {
    backend.put('/from/one.txt', '1');
    backend.put('/from/two.txt', '2');
    backend.put('/to/keep.txt', 'old');
    failNth('store', 2);
    await expect(fs.copy(access, p('/from'), access, p('/to'), { overwrite: true })).rejects.toMatchObject({ status: 502 });
    expect(visible()).toEqual(['/', '/from', '/from/one.txt', '/from/two.txt', '/to', '/to/keep.txt']);
    expect(reserved()).toEqual([]);
  });

  it.each([
    ['move', '/a', '/a'],
    ['move', '/a', '/a/b/c'],
    ['move', '/a/b', '/a'],
    ['copy', '/a', '/a'],
    ['copy', '/a', '/a/b/c'],
    ['copy', '/a/b', '/a'],
  ] as const)('%s %s onto %s (itself, inside it, or a folder holding it) is a 409 and changes nothing', async (verb, from, to) => {
    backend.put('/a/b/f.txt', 'f');
    const before = backend.paths();
    const calls: string[] = [];
    backend.inject = (op) => void calls.push(op);
    const run = verb === 'move' ? fs.move(access, p(from), p(to), { overwrite: true }) : fs.copy(access, p(from), access, p(to), { overwrite: true });
    await expect(run).rejects.toMatchObject({ status: 409 });
    expect(backend.paths()).toEqual(before);
    expect(calls).toEqual([]); // refused before any back-end call
  });

  it('deletes a folder tree recursively, and refuses a folder without recursive', async () => {
    backend.put('/t/a.txt', 'a');
    backend.put('/t/sub/b.txt', 'b');
    backend.put('/t/sub/.ftpgate-upload-0123456789abcdef', 'hidden too');
    backend.put('/keep.txt', 'k');
    await expect(fs.remove(access, p('/t'))).rejects.toMatchObject({ status: 409 });
    expect(backend.paths()).toContain('/t/sub/b.txt');
    await fs.remove(access, p('/t'), { recursive: true });
    expect(backend.paths()).toEqual(['/', '/keep.txt']);
  });

  it('hides the gateway’s reserved names: not listed, not found, not creatable', async () => {
    backend.put('/d/real.txt', 'r');
    backend.put('/d/.ftpgate-upload-0123456789abcdef', 'temp');
    backend.put('/d/.ftpgate-aside-0123456789abcdef', 'aside');
    expect((await fs.list(access, p('/d'))).map((e) => e.name)).toEqual(['real.txt']);
    expect(await fs.find(access, p('/d/.ftpgate-aside-0123456789abcdef'))).toBeUndefined();
    await expect(fs.read(access, p('/d/.ftpgate-upload-0123456789abcdef'))).rejects.toMatchObject({ status: 404 });
    await expect(fs.write(access, p('/d/.ftpgate-mine'), Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ status: 400 });
    await expect(fs.mkdir(access, p('/.ftpgate-dir'))).rejects.toMatchObject({ status: 400 });
  });

  it('reads a byte range and counts the bytes delivered', async () => {
    backend.put('/f.bin', 'abcdefghij');
    const stream = await fs.read(access, p('/f.bin'), { start: 2, end: 5 });
    expect(await text(stream)).toBe('cdef');
    expect(stream.bytes).toBe(4);
  });

  it('refuses every change on a read-only site before any back-end call', async () => {
    const ro = new RemoteFs(siteConfig('ftp://u:p@127.0.0.1/?readOnly=true'), quiet, () => backend);
    backend.put('/a.txt', 'a');
    const calls: string[] = [];
    backend.inject = (op) => void calls.push(op);
    const roAccess = ro.access('m');
    await expect(ro.write(roAccess, p('/b.txt'), Readable.from([Buffer.from('b')]))).rejects.toMatchObject({ status: 403, code: 'read_only' });
    await expect(ro.remove(roAccess, p('/a.txt'))).rejects.toMatchObject({ status: 403 });
    expect(calls).toEqual([]);
  });

  it('asks a file\'s precise time once per cached listing, and again after a change through the gateway', async () => {
    const cached = new RemoteFs(siteConfig('ftp://u:p@127.0.0.1/?listingCacheTtl=60000'), quiet, () => backend);
    const cachedAccess = cached.access('m', undefined, 'write');
    backend.put('/d/f.txt', 'one');
    const calls: string[] = [];
    backend.inject = (op) => void calls.push(op);
    for (let i = 0; i < 3; i++) expect((await cached.describe(cachedAccess, p('/d/f.txt')))?.size).toBe(3);
    expect(calls).toEqual(['list', 'modifiedTime']);
    const before = await cached.describe(cachedAccess, p('/d/f.txt'));
    await cached.write(cachedAccess, p('/d/f.txt'), Readable.from([Buffer.from('two!')]));
    calls.length = 0;
    const after = await cached.describe(cachedAccess, p('/d/f.txt'));
    expect(calls).toEqual(['list', 'modifiedTime']); // the write dropped the cached listing and its times
    expect(after?.size).toBe(4);
    expect(after?.generation).toBeDefined();
    expect(after?.generation).not.toBe(before?.generation);
    // A fresh look never uses the cached time.
    calls.length = 0;
    await cached.describe(cachedAccess, p('/d/f.txt'), true);
    expect(calls).toEqual(['list', 'modifiedTime']);
  });

  it('gives each caller its own copy of a cached listing', async () => {
    const cached = new RemoteFs(siteConfig('ftp://u:p@127.0.0.1/?listingCacheTtl=60000'), quiet, () => backend);
    const cachedAccess = cached.access('m');
    backend.put('/d/a.txt', 'a');
    backend.put('/d/b.txt', 'b');
    const first = await cached.list(cachedAccess, p('/d'));
    first.reverse();
    expect((await cached.list(cachedAccess, p('/d'))).map((e) => e.name)).toEqual(['a.txt', 'b.txt']);
  });
});
