// A server that answers like Microsoft IIS FTP 7.5 (played by the scripted server on a disk
// folder): 215 Windows_NT, MS-DOS listings, no MLSD, 125 instead of 150, multi-line replies,
// no rename over an existing file; and a latin1 variant (no UTF8 in FEAT) used with the site
// option encoding=latin1. Last, replies split across TCP packets (a known failure, see below).
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../servers/scripted-ftp-server.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, enc, sha256 } from '../helpers/http.js';

describe.each([
  { label: 'IIS-like (utf8)', encoding: 'utf8' as const, odd: 'ünï cödé 日本.txt' },
  { label: 'IIS-like (latin1 names)', encoding: 'latin1' as const, odd: 'café déjà vu.txt' },
])('$label server', ({ encoding, odd }) => {
  let root: string;
  let server: ScriptedServer;
  let gw: TestGateway;
  const big = bytes(2 * 1024 * 1024 + 3, 71);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ftpgate-iis-'));
    await writeFile(join(root, 'big.bin'), big);
    await writeFile(join(root, 'hello.txt'), 'hello world\n');
    await mkdir(join(root, 'docs'));
    await writeFile(join(root, 'docs', 'a.txt'), 'A');
    await writeFile(Buffer.from(join(root, odd), 'utf8').toString('utf8'), 'odd');
    server = await startScriptedServer({
      root,
      user: 'iis',
      password: 'pw',
      listStyle: 'dos',
      preliminary: 125,
      multiline: true,
      encoding,
      system: 'Microsoft FTP Service',
    });
    gw = await startGateway({ s: `ftp://iis:pw@127.0.0.1:${server.port}/?poolSize=2&encoding=${encoding}` });
  });
  afterAll(async () => {
    await gw?.close();
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });
  const api = (action: string, path = '') => `${gw.base}/api/v1/sites/s/${action}/${enc(path)}`;

  it('answers SYST with Windows_NT and offers no MLSD: listings go through LIST in MS-DOS format', async () => {
    const res = await fetch(api('list'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { entries: { name: string; type: string; size: number; modified: string }[] };
    const byName = Object.fromEntries(body.entries.map((e) => [e.name, e]));
    expect(byName['big.bin']).toMatchObject({ type: 'file', size: big.length });
    expect(byName['docs']).toMatchObject({ type: 'directory' });
    expect(byName[odd]).toMatchObject({ type: 'file', size: 3 });
    expect(Math.abs(Date.now() - Date.parse(byName['hello.txt']!.modified))).toBeLessThan(24 * 3600 * 1000);
    expect(server.commands.some((c) => c.startsWith('MLSD'))).toBe(false);
    expect(server.commands.some((c) => c.startsWith('LIST'))).toBe(true);
  });

  it('downloads whole files and ranges through 125 replies', async () => {
    const res = await fetch(api('files', 'big.bin'));
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(big));
    const part = await fetch(api('files', 'big.bin'), { headers: { range: 'bytes=1000-2999' } });
    expect(part.status).toBe(206);
    expect(sha256(Buffer.from(await part.arrayBuffer()))).toBe(sha256(big.subarray(1000, 3000)));
    expect(await (await fetch(api('files', 'hello.txt'))).text()).toBe('hello world\n');
  });

  it('uploads, and replaces a file although the server will not rename over it', async () => {
    expect((await fetch(api('files', 'up.txt'), { method: 'PUT', body: 'one' })).status).toBe(201);
    expect((await fetch(api('files', 'up.txt'), { method: 'PUT', body: 'two' })).status).toBe(204);
    expect(await readFile(join(root, 'up.txt'), 'utf8')).toBe('two');
    expect((await readdir(root)).filter((n) => n.startsWith('.ftpgate-upload-'))).toEqual([]);
  });

  it(`round-trips a non-ASCII name (${encoding} on the wire)`, async () => {
    expect(await (await fetch(api('files', odd))).text()).toBe('odd');
    const name = encoding === 'latin1' ? 'naïve-ß.txt' : 'naïve-日本.txt';
    expect((await fetch(api('files', `docs/${name}`), { method: 'PUT', body: name })).status).toBe(201);
    expect(await readFile(join(root, 'docs', name), 'utf8')).toBe(name);
    const listing = (await (await fetch(api('list', 'docs'))).json()) as { entries: { name: string }[] };
    expect(listing.entries.map((e) => e.name)).toContain(name);
  });

  it('mkdir, move and delete work', async () => {
    expect((await fetch(api('mkdir', 'made/sub'), { method: 'POST' })).status).toBe(201);
    const mv = await fetch(`${gw.base}/api/v1/sites/s/move`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '/hello.txt', to: '/made/hello.txt' }),
    });
    expect(mv.status).toBe(200);
    expect(await readFile(join(root, 'made', 'hello.txt'), 'utf8')).toBe('hello world\n');
    expect((await fetch(api('files', 'made') + '?recursive=true', { method: 'DELETE' })).status).toBe(204);
    expect((await readdir(root)).includes('made')).toBe(false);
  });
});

// Regression test for a bug found here and fixed (basic-ftp 6.2.6 parseControlResponse, reached through src/ftp/session.ts): a reply line
// that arrives without its CRLF yet ("220" in one packet, " Ready.\r\n" in the next) is taken
// as a complete reply, so the client answers too early and reads later replies out of step.
// Every request then fails with 502. Fix in src/ftp/session.ts (FtpSession.openOnce): hand
// basic-ftp only complete lines, keeping the unterminated tail for the next chunk (see report).
describe('replies split across TCP packets', () => {
  let server: ScriptedServer;
  let gw: TestGateway;
  beforeAll(async () => {
    server = await startScriptedServer({ files: { '/a.txt': Buffer.from('split') }, multiline: true, splitReplies: true });
    gw = await startGateway({ s: `ftp://u:p@127.0.0.1:${server.port}/?poolSize=1&commandTimeout=3000` });
  });
  afterAll(async () => {
    await gw?.close();
    await server?.close();
  });

  it('lists and downloads although every reply comes in pieces of 3 bytes', async () => {
    const list = await fetch(`${gw.base}/api/v1/sites/s/list/`);
    expect(list.status).toBe(200);
    const res = await fetch(`${gw.base}/api/v1/sites/s/files/a.txt`);
    expect(await res.text()).toBe('split');
  });
});
