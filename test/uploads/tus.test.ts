// Resumable uploads (tus 1.0 at /api/v1/sites/{site}/uploads/) against every FTP server of the
// run: the in-process ftp-srv always, vsftpd when test/servers/with-vsftpd.sh announced it.
// Results are checked on the FTP server's own disk.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Upload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { basic, bytes, sha256 } from '../helpers/http.js';
import { create, cuttingProxy, head, patch, patchAndKill, TUS, tusFiles } from './tus-helpers.js';

const MiB = 1024 * 1024;

describe.each(ftpServers())('resumable uploads on $name', (factory) => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  let dir: string;
  let run: string;
  let user: string;
  let password: string;
  let hostPort: string;
  const sites = () => ({
    main: `${ftp.url}${run}?poolSize=4`,
    ro: `${ftp.url}${run}?readOnly=true&poolSize=1&minIdle=0`, // no warm session: a test counts sessions
    pass: `ftp://${hostPort}/${run}?poolSize=2`,
  });
  const onDisk = (...parts: string[]) => join(dir, ...parts);
  const exists = (path: string) => stat(path).then(() => true, () => false);

  beforeAll(async () => {
    ftp = await factory.start();
    const url = new URL(ftp.url);
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
    hostPort = `${url.hostname}:${url.port}`;
    run = `tus-${process.pid}-${Date.now().toString(36)}`;
    dir = join(ftp.root, run);
    await mkdir(join(dir, 'sub'), { recursive: true, mode: 0o777 });
    await chmod(dir, 0o777);
    await chmod(join(dir, 'sub'), 0o777);
    await writeFile(onDisk('exists.txt'), 'old content');
    gw = await startGateway(sites());
  });

  afterAll(async () => {
    await gw?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await ftp?.close();
  });

  it('answers OPTIONS with the tus version and extensions', async () => {
    const res = await fetch(`${gw.base}/api/v1/sites/main/uploads/`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-version')).toContain('1.0.0');
    expect(res.headers.get('tus-extension')).toBe('creation,creation-with-upload,termination,expiration');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('creates, takes chunks, and renames the finished file over its name: byte-identical, no temporary file left', async () => {
    const data = bytes(5 * MiB + 12345, 3);
    const created = await create(gw.base, 'main', '/sub', data.length, { filename: 'chunks.bin' });
    expect(created.status).toBe(201);
    expect(created.url).toMatch(new RegExp(`/api/v1/sites/main/uploads/[A-Za-z0-9_-]+\\.[0-9a-f]{32}$`));
    expect(created.headers.get('upload-expires')).toBeTruthy();
    // The temporary files exist, on the server, and are hidden from listings.
    expect(await tusFiles(onDisk('sub'))).toHaveLength(2);
    const listing = (await (await fetch(`${gw.base}/api/v1/sites/main/list/sub`)).json()) as { entries: { name: string }[] };
    expect(listing.entries.map((e) => e.name)).not.toContainEqual(expect.stringMatching(/ftpgate/));

    let offset = 0;
    for (const size of [2 * MiB, 2 * MiB, data.length - 4 * MiB]) {
      expect((await head(created.url)).offset).toBe(offset);
      const res = await patch(created.url, offset, data.subarray(offset, offset + size));
      expect(res.status).toBe(204);
      offset += size;
      expect(res.offset).toBe(offset);
      if (offset < data.length) expect(await exists(onDisk('sub', 'chunks.bin'))).toBe(false);
    }
    const written = await readFile(onDisk('sub', 'chunks.bin'));
    expect(sha256(written)).toBe(sha256(data));
    expect(await tusFiles(onDisk('sub'))).toEqual([]);
    // A HEAD after the end still says it is complete.
    const after = await head(created.url);
    expect(after.status).toBe(200);
    expect(after.offset).toBe(data.length);
  });

  it('refuses a wrong offset with 409 and leaves the upload as it was', async () => {
    const data = bytes(MiB, 4);
    const created = await create(gw.base, 'main', '/', data.length, { filename: 'offsets.bin' });
    expect((await patch(created.url, 0, data.subarray(0, 1000))).offset).toBe(1000);
    expect((await patch(created.url, 0, data.subarray(0, 1000))).status).toBe(409);
    expect((await head(created.url)).offset).toBe(1000);
    expect((await patch(created.url, 1000, data.subarray(1000))).status).toBe(204);
    expect(sha256(await readFile(onDisk('offsets.bin')))).toBe(sha256(data));
  });

  it('after a PATCH whose connection broke, HEAD reports the size the server really has', async () => {
    const data = randomBytes(24 * MiB);
    const created = await create(gw.base, 'main', '/', data.length, { filename: 'broken.bin' });
    const cut = await patchAndKill(created.url, 0, data, 9 * MiB);
    expect(cut.status).toBeUndefined();
    const parts = await tusFiles(dir);
    const part = parts.find((n) => n.endsWith('.part'))!;
    const status = await head(created.url);
    expect(status.status).toBe(200);
    expect(status.offset).toBe((await stat(onDisk(part))).size);
    expect(status.offset).toBeGreaterThan(0);
    expect(status.offset).toBeLessThanOrEqual(cut.written);
    // What the server holds is the beginning of the file, byte for byte.
    expect(sha256(await readFile(onDisk(part)))).toBe(sha256(data.subarray(0, status.offset)));
    const rest = await patch(created.url, status.offset, data.subarray(status.offset));
    expect(rest.status).toBe(204);
    expect(sha256(await readFile(onDisk('broken.bin')))).toBe(sha256(data));
    expect(await tusFiles(dir)).toEqual([]);
  });

  it('when the FTP connection breaks mid-PATCH, the PATCH fails and HEAD reports what the server kept', async (ctx) => {
    if (!ftp.dropConnections) return ctx.skip();
    const data = randomBytes(32 * MiB);
    const created = await create(gw.base, 'main', '/', data.length, { filename: 'ftp-drop.bin' });
    // A slow body, and the drop only once the server is writing the part file: the drop lands
    // inside the APPE (before it, the gateway would rightly retry on a fresh session). The
    // gateway's checks before the APPE (state-store lock, info file) take long enough that a drop
    // at a fixed byte count could come before the transfer started.
    const u = new URL(created.url);
    const part = (await tusFiles(dir)).find((n) => n.endsWith('.part'))!;
    const dropWhileWriting = async () => {
      for (let i = 0; i < 500; i++) {
        if ((await stat(onDisk(part))).size > 0) return ftp.dropConnections!();
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    let dropped: Promise<void> | undefined;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const at = (this as unknown as { at?: number }).at ?? 0;
        if (at >= data.length) return controller.close();
        controller.enqueue(data.subarray(at, at + MiB));
        (this as unknown as { at: number }).at = at + MiB;
        if (at === 4 * MiB) dropped = dropWhileWriting();
        await new Promise((r) => setTimeout(r, 20));
      },
    });
    const res = await fetch(u, {
      method: 'PATCH',
      headers: { ...TUS, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(data.length) },
      body,
      duplex: 'half',
    } as RequestInit).catch(() => undefined);
    await dropped;
    if (res) {
      expect(res.status).toBeGreaterThanOrEqual(500);
      await res.text();
    }
    const status = await head(created.url);
    expect(status.offset).toBe((await stat(onDisk(part))).size);
    expect(status.offset).toBeLessThan(data.length);
    expect((await patch(created.url, status.offset, data.subarray(status.offset))).status).toBe(204);
    expect(sha256(await readFile(onDisk('ftp-drop.bin')))).toBe(sha256(data));
  });

  it('honours overwrite=false at creation (412) and replaces by default', async () => {
    const refused = await create(gw.base, 'main', '/', 3, { filename: 'exists.txt', overwrite: 'false' });
    expect(refused.status).toBe(412);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'target_exists' });
    const created = await create(gw.base, 'main', '/', 3, { filename: 'exists.txt' });
    expect(created.status).toBe(201);
    expect((await patch(created.url, 0, Buffer.from('new'))).status).toBe(204);
    expect(await readFile(onDisk('exists.txt'), 'utf8')).toBe('new');
  });

  it('creates an empty file at once, and takes the first bytes with the creation request', async () => {
    const empty = await create(gw.base, 'main', '/', 0, { filename: 'empty.txt' });
    expect(empty.status).toBe(201);
    expect((await stat(onDisk('empty.txt'))).size).toBe(0);
    const res = await fetch(`${gw.base}/api/v1/sites/main/uploads/`, {
      method: 'POST',
      headers: { ...TUS, 'Upload-Length': '5', 'Upload-Metadata': `filename ${Buffer.from('with-body.txt').toString('base64')}`, 'Content-Type': 'application/offset+octet-stream' },
      body: 'hello',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('upload-offset')).toBe('5');
    expect(await readFile(onDisk('with-body.txt'), 'utf8')).toBe('hello');
    expect(await tusFiles(dir)).toEqual([]);
  });

  it('terminates an upload with DELETE: its temporary files are removed', async () => {
    const created = await create(gw.base, 'main', '/sub', 100, { filename: 'dropped.bin' });
    await patch(created.url, 0, Buffer.alloc(50, 1));
    expect(await tusFiles(onDisk('sub'))).toHaveLength(2);
    const res = await fetch(created.url, { method: 'DELETE', headers: TUS });
    expect(res.status).toBe(204);
    expect(await tusFiles(onDisk('sub'))).toEqual([]);
    expect((await head(created.url)).status).toBe(404);
  });

  it('refuses bad requests: no filename, a bad name, a missing folder, a forged id', async () => {
    expect((await create(gw.base, 'main', '/', 3, {})).status).toBe(400);
    expect((await create(gw.base, 'main', '/', 3, { filename: 'a/b' })).status).toBe(400);
    expect((await create(gw.base, 'main', '/', 3, { filename: '..' })).status).toBe(400);
    expect((await create(gw.base, 'main', '/', 3, { filename: '.ftpgate-tus-0123456789abcdef0123456789abcdef.part' })).status).toBe(400);
    expect((await create(gw.base, 'main', '/no-such-folder', 3, { filename: 'x' })).status).toBe(404);
    expect((await create(gw.base, 'main', '/exists.txt', 3, { filename: 'x' })).status).toBe(409);
    const key = '0123456789abcdef0123456789abcdef';
    for (const folder of ['/../etc', '/a/../..', '//x', 'relative']) {
      const id = `${Buffer.from(folder).toString('base64url')}.${key}`;
      expect((await head(`${gw.base}/api/v1/sites/main/uploads/${id}`)).status).toBe(404);
    }
    expect((await head(`${gw.base}/api/v1/sites/main/uploads/not-an-id`)).status).toBe(404);
    expect((await head(`${gw.base}/api/v1/sites/main/uploads/a/b`)).status).toBe(404);
    const missing = `${Buffer.from('/').toString('base64url')}.${key}`;
    expect((await head(`${gw.base}/api/v1/sites/main/uploads/${missing}`)).status).toBe(404);
    // No Tus-Resumable: refused by the protocol.
    const res = await fetch(`${gw.base}/api/v1/sites/main/uploads/`, { method: 'POST', headers: { 'Upload-Length': '1' } });
    expect(res.status).toBe(412);
  });

  it('refuses a read-only site with 403 before any FTP command', async () => {
    const fresh = await startGateway(sites());
    try {
      const created = await create(fresh.base, 'ro', '/', 10, { filename: 'nope.txt' });
      expect(created.status).toBe(403);
      expect(JSON.parse(created.body)).toMatchObject({ code: 'read_only' });
      const id = `${Buffer.from('/').toString('base64url')}.${'0'.repeat(32)}`;
      expect((await head(`${fresh.base}/api/v1/sites/ro/uploads/${id}`)).status).toBe(403);
      expect((await patch(`${fresh.base}/api/v1/sites/ro/uploads/${id}`, 0, Buffer.from('x'))).status).toBe(403);
      expect(fresh.fs.poolStats('ro').open).toBe(0);
    } finally {
      await fresh.close();
    }
    expect(await exists(onDisk('nope.txt'))).toBe(false);
  });

  it('uses the request\'s credentials as the FTP login on a pass-through site', async () => {
    expect((await create(gw.base, 'pass', '/', 3, { filename: 'pass.txt' })).status).toBe(401);
    const wrong = await create(gw.base, 'pass', '/', 3, { filename: 'pass.txt' }, { Authorization: basic(user, 'wrong') });
    expect(wrong.status).toBe(401);
    const auth = { Authorization: basic(user, password) };
    const created = await create(gw.base, 'pass', '/', 3, { filename: 'pass.txt' }, auth);
    expect(created.status).toBe(201);
    expect((await head(created.url)).status).toBe(401);
    expect((await patch(created.url, 0, Buffer.from('abc'), auth)).status).toBe(204);
    expect(await readFile(onDisk('pass.txt'), 'utf8')).toBe('abc');
  });

  it('expires unfinished uploads: the sweep removes their temporary files', async () => {
    const short = await startGateway(sites(), { uploadExpiryMs: 1500 });
    try {
      await mkdir(onDisk('expiring'), { mode: 0o777 });
      await chmod(onDisk('expiring'), 0o777);
      const created = await create(short.base, 'main', '/expiring', 1000, { filename: 'never.bin' });
      expect(created.status).toBe(201);
      expect((await patch(created.url, 0, Buffer.alloc(400, 7))).offset).toBe(400);
      expect(await tusFiles(onDisk('expiring'))).toHaveLength(2);
      await expect.poll(() => tusFiles(onDisk('expiring')), { timeout: 10_000, interval: 200 }).toEqual([]);
      expect([404, 410]).toContain((await head(created.url)).status);
      expect(await exists(onDisk('expiring', 'never.bin'))).toBe(false);
    } finally {
      await short.close();
    }
  });

  it('expires an upload on access too, judged by its creation time on the server (another gateway made it)', async () => {
    const created = await create(gw.base, 'main', '/', 1000, { filename: 'stale.bin' });
    await patch(created.url, 0, Buffer.alloc(10));
    expect(await tusFiles(dir)).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 1200));
    const short = await startGateway(sites(), { uploadExpiryMs: 1000 });
    try {
      const url = created.url.replace(gw.base, short.base);
      expect((await head(url)).status).toBe(410);
      expect(await tusFiles(dir)).toEqual([]);
      expect((await patch(url, 10, Buffer.alloc(10))).status).toBe(404);
    } finally {
      await short.close();
    }
  });

  it('is driven end to end by tus-js-client, which resumes through two cut connections', async () => {
    const data = randomBytes(48 * MiB);
    const proxy = await cuttingProxy(Number(new URL(gw.base).port), [10 * MiB, 30 * MiB]);
    let retries = 0;
    let heads = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        const upload = new Upload(data, {
          endpoint: `${proxy.base}/api/v1/sites/main/uploads/sub`,
          retryDelays: [0, 300, 1000, 2000],
          metadata: { filename: 'by tus-js-client.bin', filetype: 'application/octet-stream' },
          onBeforeRequest: (req) => {
            if (req.getMethod() === 'HEAD') heads++;
          },
          onShouldRetry: () => {
            retries++;
            return true;
          },
          onError: reject,
          onSuccess: () => resolve(),
        });
        upload.start();
      });
    } finally {
      await proxy.close();
    }
    expect(proxy.cuts).toBe(2);
    expect(retries).toBe(2);
    expect(heads).toBe(2); // each retry asked the gateway for the offset first
    expect(sha256(await readFile(onDisk('sub', 'by tus-js-client.bin')))).toBe(sha256(data));
    expect(await tusFiles(onDisk('sub'))).toEqual([]);
  });

  it(
    'resumes a 200 MiB upload across two killed connections and a gateway restart: sha256 identical, no temporary file left',
    async () => {
      const total = 200 * MiB;
      const data = randomBytes(total);
      const want = createHash('sha256').update(data).digest('hex');
      const started = Date.now();
      let current = await startGateway(sites());
      let sent = 0;
      let resumes = 0;
      try {
        const created = await create(current.base, 'main', '/sub', total, { filename: 'big-resume.bin' });
        expect(created.status).toBe(201);
        const path = new URL(created.url).pathname;
        const url = () => current.base + path;

        // 1: the connection dies 70 MiB into the body.
        const first = await patchAndKill(url(), 0, data, 70 * MiB);
        sent += first.written;
        let status = await head(url());
        resumes++;
        const part = (await tusFiles(onDisk('sub'))).find((n) => n.endsWith('.part'))!;
        expect(status.offset).toBe((await stat(onDisk('sub', part))).size);
        expect(status.offset).toBeGreaterThan(0);
        const afterFirst = status.offset;

        // The gateway restarts: the upload is found again on the FTP server alone.
        await current.close();
        current = await startGateway(sites());
        status = await head(url());
        expect(status.status).toBe(200);
        expect(status.offset).toBe(afterFirst);
        expect(status.length).toBe(total);

        // 2: the connection dies again, 60 MiB further.
        const second = await patchAndKill(url(), status.offset, data.subarray(status.offset), 60 * MiB);
        sent += second.written;
        status = await head(url());
        resumes++;
        expect(status.offset).toBeGreaterThan(afterFirst);
        expect(status.offset).toBe((await stat(onDisk('sub', part))).size);

        // 3: the rest.
        const last = await patch(url(), status.offset, data.subarray(status.offset));
        sent += total - status.offset;
        expect(last.status).toBe(204);
        expect(last.offset).toBe(total);
      } finally {
        await current.close();
      }
      const got = createHash('sha256').update(await readFile(onDisk('sub', 'big-resume.bin'))).digest('hex');
      expect(got).toBe(want);
      expect(await tusFiles(onDisk('sub'))).toEqual([]);
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `200 MiB on ${factory.name}: ${seconds.toFixed(1)} s, ${resumes} resumes, ${(sent / MiB).toFixed(1)} MiB sent, ` +
          `${((sent - total) / MiB).toFixed(2)} MiB re-sent`,
      );
    },
    240_000,
  );
});
