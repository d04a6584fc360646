// FTPGATE_UPLOAD_LIMIT_BYTES holds for every way in: multipart, raw PUT (with or without a
// Content-Length), WebDAV PUT and tus (Upload-Length). A refused upload leaves the old file as it was.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const LIMIT = 1000;
const server = ftpServers()[0]!; // the in-process server

describe('the upload size limit on every way in', () => {
  let fixture: FtpFixture;
  let gw: TestGateway;
  const dir = `limit-${process.pid}`;
  const url = (name: string) => `${gw.base}/api/v1/sites/files/files/${dir}/${name}`;

  beforeAll(async () => {
    fixture = await server.start();
    gw = await startGateway({ files: fixture.url }, { uploadLimitBytes: LIMIT });
    await fetch(`${gw.base}/api/v1/sites/files/mkdir/${dir}`, { method: 'POST' });
    expect((await fetch(url('keep.txt'), { method: 'PUT', body: 'the old content' })).status).toBe(201);
  });
  afterAll(async () => {
    await gw?.close();
    await fixture?.close();
  });

  const onDisk = async () => (await readdir(join(fixture.root, dir))).sort();
  const old = async () => readFile(join(fixture.root, dir, 'keep.txt'), 'utf8');
  /** A PUT of 3,000 bytes without a Content-Length (chunked), from `first` on. */
  const putChunked = (target: string, first: number) => {
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(600).fill(first + i));
        controller.close();
      },
    });
    return fetch(target, { method: 'PUT', body, duplex: 'half' } as RequestInit);
  };

  it('raw PUT with a Content-Length past the limit: 413 before anything is stored', async () => {
    const response = await fetch(url('keep.txt'), { method: 'PUT', body: Buffer.alloc(LIMIT + 1, 1) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { code: string }).code).toBe('payload_too_large');
    expect(await old()).toBe('the old content');
    expect((await fetch(url('exact.bin'), { method: 'PUT', body: Buffer.alloc(LIMIT, 2) })).status).toBe(201);
  });

  it('raw PUT without a length (chunked) past the limit: 413, old file intact, no temporary file left', async () => {
    const response = await putChunked(url('keep.txt'), 65);
    expect(response.status).toBe(413);
    expect(await old()).toBe('the old content');
    await expect.poll(onDisk, { timeout: 5000 }).toEqual(['exact.bin', 'keep.txt']);
  });

  it('tus: an Upload-Length past the limit is refused at creation (413); one within it is made', async () => {
    const create = (length: number) =>
      fetch(`${gw.base}/api/v1/sites/files/uploads/${dir}`, {
        method: 'POST',
        headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(length), 'Upload-Metadata': `filename ${Buffer.from('t.bin').toString('base64')}` },
      });
    expect((await create(LIMIT + 1)).status).toBe(413);
    expect((await create(LIMIT)).status).toBe(201);
  });

  it('WebDAV PUT past the limit, with a Content-Length or chunked: 413, old file intact, no temporary file left', async () => {
    const dav = (name: string) => `${gw.base}/dav/files/${dir}/${name}`;
    const declared = await fetch(dav('keep.txt'), { method: 'PUT', body: Buffer.alloc(LIMIT + 1, 1) });
    expect(declared.status).toBe(413);
    expect(await old()).toBe('the old content');
    const chunked = await putChunked(dav('keep.txt'), 97);
    expect(chunked.status).toBe(413);
    expect(await old()).toBe('the old content');
    expect((await fetch(dav('dav-exact.bin'), { method: 'PUT', body: Buffer.alloc(LIMIT, 3) })).status).toBe(201);
    // (the tus test's unfinished upload keeps its own .ftpgate-tus-* files)
    const ours = async () => (await onDisk()).filter((name) => !name.startsWith('.ftpgate-tus-'));
    await expect.poll(ours, { timeout: 5000 }).toEqual(['dav-exact.bin', 'exact.bin', 'keep.txt']);
  });

  it('multipart past the limit: 413', async () => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(LIMIT + 1)]), 'keep.txt');
    const response = await fetch(`${gw.base}/api/v1/sites/files/files/${dir}`, { method: 'POST', body: form });
    expect(response.status).toBe(413);
    expect(await old()).toBe('the old content');
  });
});
