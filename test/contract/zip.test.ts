// Folder downloads as zip: streamed from FTP, ZIP64 past 4 GiB, UTF-8 names, the length announced
// when every file is stored, limits refused before streaming, and a client that leaves frees its
// FTP session at once.
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, inProcessServer, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, enc, sha256 } from '../helpers/http.js';

const haveUnzip = spawnSync('unzip', ['-v']).status === 0;
const require = process.env.FTPGATE_REQUIRE_EXTERNAL === '1';

/** Save a response body to a file; returns its path. */
async function save(res: Response, dir: string, name: string): Promise<string> {
  const file = join(dir, name);
  await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file));
  return file;
}

/** Names and sha256 of every file entry, read back with Python's zipfile. */
function readWithPython(file: string): Record<string, string> {
  const script = `
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    print(json.dumps({i.filename: ('dir' if i.is_dir() else hashlib.sha256(z.read(i)).hexdigest()) for i in z.infolist()}))`;
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as Record<string, string>;
}

const tree: Record<string, Buffer> = {
  'a.txt': Buffer.from('hello zip\n'),
  'sp ace #1 %25.txt': bytes(70_000, 41),
  'ünï/日本 語.bin': bytes(300_000, 42),
  'deep/er/photo.jpg': bytes(120_000, 43),
};

describe.skipIf(!haveUnzip && !require).each(ftpServers())('zip downloads on $name', (factory) => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  let dir: string;
  let out: string;
  const run = `zip-${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    ftp = await factory.start();
    dir = join(ftp.root, run);
    for (const [path, data] of Object.entries(tree)) {
      await mkdir(join(dir, 'tree', path, '..'), { recursive: true, mode: 0o777 });
      await writeFile(join(dir, 'tree', path), data);
    }
    await mkdir(join(dir, 'tree', 'empty'), { recursive: true });
    await mkdir(join(dir, 'many'), { recursive: true });
    for (let i = 0; i < 25; i++) await writeFile(join(dir, 'many', `f${i}`), 'x');
    await chmod(dir, 0o777);
    out = await mkdtemp(join(tmpdir(), 'ftpgate-zip-'));
    gw = await startGateway({ s: `${ftp.url}${run}?poolSize=2` }, { zipMaxEntries: 20 });
  });
  afterAll(async () => {
    await gw?.close();
    await rm(dir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
    await ftp?.close();
  });

  it('streams a tree with odd names and an empty folder that unzip and Python read back exactly', async () => {
    const res = await fetch(`${gw.base}/api/v1/sites/s/zip/tree`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toContain('filename="tree.zip"');
    const file = await save(res, out, 'tree.zip');
    expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toContain('No errors detected');
    const read = readWithPython(file);
    for (const [path, data] of Object.entries(tree)) expect(read[path], path).toBe(sha256(data));
    expect(read['empty/']).toBe('dir');
  });

  it('announces the exact length of a zip whose files are all stored', async () => {
    const res = await fetch(`${gw.base}/api/v1/sites/s/zip/tree/deep`); // er/ and er/photo.jpg
    expect(res.status).toBe(200);
    const length = Number(res.headers.get('content-length'));
    const file = await save(res, out, 'deep.zip');
    expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toContain('No errors detected');
    expect((await readFile(file)).length).toBe(length);
    expect(readWithPython(file)).toEqual({ 'er/': 'dir', 'er/photo.jpg': sha256(tree['deep/er/photo.jpg']!) });
  });

  it('refuses a tree past the entry limit before streaming starts', async () => {
    const res = await fetch(`${gw.base}/api/v1/sites/s/zip/many`); // 25 entries, limit 20
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe('too_large');
  });

  it('answers 404 for a missing folder and 409 for a file', async () => {
    expect((await fetch(`${gw.base}/api/v1/sites/s/zip/${enc('no such')}`)).status).toBe(404);
    expect((await fetch(`${gw.base}/api/v1/sites/s/zip/${enc('tree/a.txt')}`)).status).toBe(409);
  });
});

describe.skipIf(!haveUnzip && !require)('zip of a file over 4 GiB (sparse on the server)', () => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  let out: string;
  const size = 4 * 1024 ** 3 + 12_345;

  beforeAll(async () => {
    ftp = await inProcessServer.start();
    await mkdir(join(ftp.root, 'big'));
    await writeFile(join(ftp.root, 'big', 'small.txt'), 'small');
    await writeFile(join(ftp.root, 'big', 'huge.mp4'), '');
    await truncate(join(ftp.root, 'big', 'huge.mp4'), size); // sparse: no disk used on the server side
    out = await mkdtemp(join(tmpdir(), 'ftpgate-zip64-'));
    gw = await startGateway({ s: `${ftp.url}?poolSize=2` });
  });
  afterAll(async () => {
    await gw?.close();
    await rm(out, { recursive: true, force: true });
    await ftp?.close();
  });

  // 4 GiB through the in-process server: 132 s alone on 2 cores, past 240 s with the whole suite
  // beside it. A correctness test, not a speed one: the time it takes is the bench's business.
  it('writes ZIP64 records that unzip and Python accept', { timeout: 480_000 }, async () => {
    const res = await fetch(`${gw.base}/api/v1/sites/s/zip/big`);
    expect(res.status).toBe(200);
    const file = await save(res, out, 'big.zip');
    expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8', maxBuffer: 1 << 20 })).toContain('No errors detected');
    const sizes = JSON.parse(
      execFileSync('python3', ['-c', 'import json,sys,zipfile; print(json.dumps({i.filename: i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist()}))', file], { encoding: 'utf8' }),
    ) as Record<string, number>;
    expect(sizes).toEqual({ 'small.txt': 5, 'huge.mp4': size });
    await rm(file);
  });

  it('stops the walk and frees the FTP session when the client leaves mid-zip', async () => {
    const controller = new AbortController();
    const res = await fetch(`${gw.base}/api/v1/sites/s/zip/big`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 50 * 1024 * 1024) got += (await reader.read()).value?.length ?? 0;
    controller.abort();
    let busy = 1;
    for (let i = 0; i < 50 && busy > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const stats = gw.fs.poolStats('s');
      busy = stats.open - stats.idle;
    }
    expect(busy).toBe(0);
  });
});
