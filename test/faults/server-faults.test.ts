// Faults a real server will not show on demand, played by the scripted server
// (test/servers/scripted-ftp-server.ts): the data connection cut mid-download, a server that
// stops answering, sessions dropped (421) or logged out (530) after the server's idle timeout.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedOptions, type ScriptedServer } from '../servers/scripted-ftp-server.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, sha256 } from '../helpers/http.js';
import { cliBuilt, startChildGateway, type ChildGateway } from './child-gateway.js';
import { getRaw, poolQuiet, sleep, waitFor } from './helpers.js';

const file = bytes(4 * 1024 * 1024, 51);
let server: ScriptedServer | undefined;
let gw: TestGateway | undefined;

async function setup(options: Partial<ScriptedOptions>, query: string): Promise<{ server: ScriptedServer; gw: TestGateway; url: (p: string) => string }> {
  server = await startScriptedServer({ files: { '/f.bin': file, '/d/a.txt': Buffer.from('a') }, ...options });
  gw = await startGateway({ s: `ftp://u:p@127.0.0.1:${server.port}/?minIdle=0&${query}` }); // no warm session: these count sessions
  const base = gw.base;
  return { server, gw, url: (p: string) => `${base}/api/v1/sites/s/${p}` };
}

afterEach(async () => {
  await gw?.close();
  await server?.close();
  gw = server = undefined;
});

const logins = (s: ScriptedServer) => s.commands.filter((c) => c.startsWith('PASS')).length;

describe('the server closes the data connection mid-download', () => {
  it('cuts the HTTP response (Content-Length not reached), discards the session, and the next request works', async () => {
    const { server, gw, url } = await setup({ cutDataAfter: 1024 * 1024 }, 'poolSize=2');
    const res = await getRaw(url('files/f.bin'));
    expect(res.status).toBe(200);
    expect(Number(res.headers['content-length'])).toBe(file.length);
    expect(res.complete).toBe(false); // the socket closed before Content-Length bytes
    expect(res.body.length).toBeLessThan(file.length);
    expect(await waitFor(() => poolQuiet(gw, 's'), 2000)).toBe(true);
    expect(gw.fs.poolStats('s').open).toBe(0); // the session (listing, then RETR) was closed, not given back
    // A range that ends before the cut still works (and proves the site is fine).
    const part = await fetch(url('files/f.bin'), { headers: { range: 'bytes=10-1009' } });
    expect(part.status).toBe(206);
    expect(sha256(Buffer.from(await part.arrayBuffer()))).toBe(sha256(file.subarray(10, 1010)));
    expect(server.commands.filter((c) => c.startsWith('RETR')).length).toBe(2);
  });
});

describe('a server that stops answering', () => {
  it('ends a listing with 504 within the command timeout and leaks no session', async () => {
    const { gw, url } = await setup({ stallOn: /^(LIST|MLSD)/ }, 'poolSize=2&commandTimeout=700');
    const started = Date.now();
    const res = await fetch(url('list/d'));
    const took = Date.now() - started;
    expect(res.status).toBe(504);
    expect(((await res.json()) as { code: string }).code).toBe('gateway_timeout');
    expect(took).toBeLessThan(700 + 1500);
    expect(await waitFor(() => poolQuiet(gw, 's'), 1000)).toBe(true);
    expect(gw.fs.poolStats('s').open).toBe(0); // the silent session was closed, not kept
  });
});

// Failures of a RETR before its first byte run in a child gateway: see the bug below.
describe.skipIf(!cliBuilt)('RETR failing before the first byte (gateway in a child process)', () => {
  let child: ChildGateway | undefined;
  afterEach(async () => {
    await child?.close();
    child = undefined;
  });
  async function childSetup(options: Partial<ScriptedOptions>, query: string) {
    server = await startScriptedServer({ files: { '/f.bin': file, '/d/a.txt': Buffer.from('a') }, ...options });
    child = await startChildGateway({ s: `ftp://u:p@127.0.0.1:${server.port}/?${query}` });
    const base = child.base;
    return { server, child, url: (p: string) => `${base}/api/v1/sites/s/${p}` };
  }

  // Regression test for a bug found here and fixed (src/ftp/session.ts, FtpSession.read, the rejection handler of downloadTo): when the
  // transfer fails before its first byte, `out.destroy(e)` emits 'error' on a TransferStream
  // nobody listens to (pool.read rejects instead of handing it over): an uncaught exception
  // that ends the gateway process. Any RETR refused after a successful listing does it.
  it('a RETR that times out ends with 504 and the gateway stays up', async () => {
    const { child, url } = await childSetup({ stallOn: /^RETR/ }, 'poolSize=2&commandTimeout=700');
    const started = Date.now();
    const res = await fetch(url('files/f.bin')).catch(() => undefined);
    expect(res?.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(700 + 1500);
    await sleep(200);
    expect(child.alive()).toBe(true);
    expect((await fetch(url('list/d'))).status).toBe(200);
  });

  it('a RETR refused with 550 for a listed file ends with 403 and the gateway stays up', async () => {
    const { child, url } = await childSetup({ denyRetr: /secret/, files: { '/secret.txt': Buffer.from('s'), '/d/a.txt': Buffer.from('a') } }, 'poolSize=2');
    const res = await fetch(url('files/secret.txt')).catch(() => undefined);
    expect(res?.status).toBe(403);
    await sleep(200);
    expect(child.alive()).toBe(true);
  });
});

describe("sessions dropped by the server's idle timeout", () => {
  it('421 and close: the next read succeeds on a new session', async () => {
    const { server, gw, url } = await setup({ idle: { ms: 300, then: '421' } }, 'poolSize=2&checkAfter=600000');
    expect((await fetch(url('list/d'))).status).toBe(200);
    expect(gw.fs.poolStats('s').idle).toBe(1);
    await sleep(600); // the server says 421 and hangs up
    const before = logins(server);
    const res = await fetch(url('files/d/a.txt'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('a');
    expect(logins(server)).toBe(before + 1); // one new login, no retry storm
    expect(await waitFor(() => poolQuiet(gw, 's'), 1000)).toBe(true);
  });

  it('421 and close: the next write succeeds on a new session', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ftpgate-scripted-'));
    try {
      await writeFile(join(root, 'keep.txt'), 'old');
      const { gw, url } = await setup({ root, idle: { ms: 300, then: '421' } }, 'poolSize=2&checkAfter=600000');
      expect((await fetch(url('list/'))).status).toBe(200);
      await sleep(600);
      const res = await fetch(url('files/keep.txt'), { method: 'PUT', body: 'new' });
      expect(res.status).toBe(204);
      expect(await readFile(join(root, 'keep.txt'), 'utf8')).toBe('new');
      expect(await waitFor(() => poolQuiet(gw, 's'), 1000)).toBe(true);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

// A server that forgets the login but keeps the connection answers the next command 530.
// A 530 on a reused session makes the gateway retry a read on a fresh session; that retry path
// hits the RETR bug above (the failed attempt's stream errors unobserved), so these run in a child.
describe.skipIf(!cliBuilt)("sessions logged out by the server's idle timeout (530)", () => {
  let child: ChildGateway | undefined;
  afterEach(async () => {
    await child?.close();
    child = undefined;
  });
  async function childSetup(query: string) {
    server = await startScriptedServer({ files: { '/f.bin': file, '/d/a.txt': Buffer.from('a') }, idle: { ms: 300, then: '530' } });
    child = await startChildGateway({ s: `ftp://u:p@127.0.0.1:${server.port}/?${query}` });
    const base = child.base;
    return { server, child, url: (p: string) => `${base}/api/v1/sites/s/${p}` };
  }

  it('a listing is retried once on a new session and succeeds', async () => {
    const { server, child, url } = await childSetup('poolSize=2&checkAfter=600000&listingCacheTtl=0');
    expect((await fetch(url('list/d'))).status).toBe(200);
    await sleep(600);
    const before = logins(server);
    expect((await fetch(url('list/d'))).status).toBe(200);
    expect(logins(server)).toBe(before + 1);
    expect(child.alive()).toBe(true);
  });

  // Regression test for a bug found here and fixed (src/ftp/pool.ts, SessionPool.run and SessionPool.read): a 530 from a reused session is a
  // plain FtpReplyError, so that stale session is released back to the pool instead of discarded
  // (and lent again to the next request). With poolSize=1 the retry then waits for a session
  // only the stale one occupies: 503 after queueTimeout instead of 200.
  it('poolSize=1: the read is retried on a new session and succeeds', async () => {
    const { child, url } = await childSetup('poolSize=1&checkAfter=600000&queueTimeout=1500&listingCacheTtl=0');
    expect((await fetch(url('list/d'))).status).toBe(200);
    await sleep(600);
    expect((await fetch(url('list/d'))).status).toBe(200);
    expect(child.alive()).toBe(true);
  });

  it('the logged-out session is discarded, not lent again', async () => {
    const { server, url } = await childSetup('poolSize=2&checkAfter=600000&listingCacheTtl=0');
    expect((await fetch(url('list/d'))).status).toBe(200);
    await sleep(600);
    expect((await fetch(url('list/d'))).status).toBe(200); // 530, retried on a new session
    const count530 = () => server.commands.length;
    const before = count530();
    expect((await fetch(url('list/d'))).status).toBe(200);
    // A healthy session needs EPSV + LIST; a stale one lent again costs a 530 and a new login on top.
    expect(count530() - before).toBe(2);
  });

  it('a download after the 530 is retried once and succeeds, and the gateway stays up', async () => {
    const { child, url } = await childSetup('poolSize=2&checkAfter=600000&listingCacheTtl=0');
    expect((await fetch(url('list/d'))).status).toBe(200);
    await sleep(600);
    const res = await fetch(url('files/d/a.txt')).catch(() => undefined);
    expect(res?.status).toBe(200);
    expect(await res?.text()).toBe('a');
    await sleep(200);
    expect(child.alive()).toBe(true);
  });
});
