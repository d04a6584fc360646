// The pool under faults: sessions killed mid-transfer or while idle, a full pool, and a
// server that never answers. Uses the in-process server, whose connections a test can cut.
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessServer, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, sha256 } from '../helpers/http.js';

describe('session pool faults', () => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  const large = bytes(48 * 1024 * 1024, 21);

  beforeAll(async () => {
    ftp = await inProcessServer.start();
    await mkdir(join(ftp.root, 'd'));
    await writeFile(join(ftp.root, 'large.bin'), large);
    await writeFile(join(ftp.root, 'small.txt'), 'small');
    gw = await startGateway({
      // checkAfter is long so that a dead idle session is found by the retry, not by NOOP.
      main: `${ftp.url}?poolSize=2&checkAfter=600000`,
      tiny: `${ftp.url}?poolSize=1&queueTimeout=300`,
    });
  });

  afterAll(async () => {
    await gw?.close();
    await ftp?.close();
  });

  const url = (site: string, path: string) => `${gw.base}/api/v1/sites/${site}/${path}`;

  it('cuts the HTTP response when the FTP session dies mid-download, and the next request works', async () => {
    const res = await fetch(url('main', 'files/large.bin'));
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let received = (await reader.read()).value?.length ?? 0;
    ftp.dropConnections!();
    let failed = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
      }
    } catch {
      failed = true;
    }
    // Either the body failed, or it ended short of Content-Length: never a complete-looking file.
    expect(failed || received < large.length).toBe(true);
    expect(failed).toBe(true);
    const next = await fetch(url('main', 'files/small.txt'));
    expect(await next.text()).toBe('small');
    // The dead session was discarded, not kept busy or lent again.
    await new Promise((r) => setTimeout(r, 100));
    const stats = gw.fs.poolStats('main');
    expect(stats.open).toBe(stats.idle);
  });

  it('retries a read once when a pooled session was dropped while idle', async () => {
    expect((await fetch(url('main', 'list/d'))).status).toBe(200); // not cached yet: uses a session
    expect(gw.fs.poolStats('main').idle).toBeGreaterThan(0);
    ftp.dropConnections!();
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(url('main', 'files/small.txt'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('small');
    const again = await fetch(url('main', 'files/large.bin'), { headers: { range: 'bytes=5-104' } });
    expect(sha256(Buffer.from(await again.arrayBuffer()))).toBe(sha256(large.subarray(5, 105)));
  });

  it('answers 503 with Retry-After when every session stays busy past the queue timeout', async () => {
    const controller = new AbortController();
    const hold = await fetch(url('tiny', 'files/large.bin'), { signal: controller.signal });
    const reader = hold.body!.getReader();
    await reader.read(); // the transfer now waits on us: back-pressure holds the only session
    const started = Date.now();
    const res = await fetch(url('tiny', 'list/d'));
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await res.json()) as { code: string }).code).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(3000);
    controller.abort();
    await reader.read().catch(() => undefined);
    // The held session is given back (closed, since its transfer was aborted): the site works again.
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = (await fetch(url('tiny', 'list/d'))).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
  });
});

describe('a server that never answers', () => {
  let silent: Server;
  let gw: TestGateway;
  beforeAll(async () => {
    silent = createServer(() => {}); // accepts, never greets
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    gw = await startGateway({ mute: `ftp://u:p@127.0.0.1:${port}/?connectTimeout=400&poolSize=1` });
  });
  afterAll(async () => {
    await gw?.close();
    silent?.close();
  });

  it('ends the request with 504 within the connect timeout and leaks no session', async () => {
    const started = Date.now();
    const res = await fetch(`${gw.base}/api/v1/sites/mute/list/`);
    expect(res.status).toBe(504);
    expect(((await res.json()) as { code: string }).code).toBe('gateway_timeout');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(gw.fs.poolStats('mute').open).toBe(0);
    expect((await fetch(`${gw.base}/readyz`)).status).toBe(503);
  });
});
