// Active mode against our scripted server (test/servers/scripted-ftp-server.ts, which speaks EPRT/PORT):
// the RFC 1579 fallback when EPSV and PASV are refused with 500, EPRT then PORT, data ports
// never below 1024 (KB2505047), third parties refused at the listener, no listener left behind.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { activeListenerCount } from '../../src/ftp/active.js';
import { probeSite } from '../../src/ftp/probe.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { bytes, sha256 } from '../helpers/http.js';
import { startScriptedServer, type ScriptedServer } from '../servers/scripted-ftp-server.js';

const REFUSE = { refuseEpsv: "500 'EPSV': command not understood.", refusePasv: "500 'PASV': command not understood." };

/** Connect to host:port from 127.0.0.2 and report what happened: bytes seen and how it ended. */
function thirdParty(host: string, port: number, send?: Buffer): Promise<{ connected: boolean; received: number; ended: string }> {
  return new Promise((resolve) => {
    let connected = false;
    let received = 0;
    const s: Socket = connect({ host, port, localAddress: '127.0.0.2' });
    s.on('connect', () => {
      connected = true;
      if (send) s.write(send, () => {});
    });
    s.on('data', (c: Buffer) => (received += c.length));
    s.on('error', (err: NodeJS.ErrnoException) => resolve({ connected, received, ended: err.code ?? err.message }));
    s.on('close', () => resolve({ connected, received, ended: 'close' }));
    setTimeout(() => {
      s.destroy();
      resolve({ connected, received, ended: 'still open' });
    }, 2000).unref();
  });
}

function logSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  return {
    lines,
    stream: new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        cb();
      },
    }),
  };
}

describe('active mode (scripted server)', () => {
  let root: string;
  const big = bytes(2 * 1024 * 1024 + 17, 5);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ftpgate-active-'));
    await writeFile(join(root, 'big.bin'), big);
    await writeFile(join(root, 'hello.txt'), 'hello active world\n');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  afterEach(() => {
    // One listener per transfer, closed when it ends: none may be left over.
    expect(activeListenerCount()).toBe(0);
  });

  describe('auto: EPSV and PASV refused with 500', () => {
    let ftp: ScriptedServer;
    let gw: TestGateway;
    const api = (action: string, path = '') => `${gw.base}/api/v1/sites/s/${action}/${path}`;

    beforeAll(async () => {
      ftp = await startScriptedServer({ root, ...REFUSE });
      gw = await startGateway({ s: `ftp://u:p@127.0.0.1:${ftp.port}/?poolSize=2` });
    });
    afterAll(async () => {
      await gw?.close();
      await ftp?.close();
    });

    it('falls back to active mode and every transfer works', async () => {
      const list = await fetch(api('list'));
      expect(list.status).toBe(200);
      const names = ((await list.json()) as { entries: { name: string }[] }).entries.map((e) => e.name);
      expect(names).toEqual(expect.arrayContaining(['big.bin', 'hello.txt']));

      const get = await fetch(api('files', 'big.bin'));
      expect(get.status).toBe(200);
      expect(sha256(Buffer.from(await get.arrayBuffer()))).toBe(sha256(big));

      const range = await fetch(api('files', 'big.bin'), { headers: { range: 'bytes=1000-200999' } });
      expect(range.status).toBe(206);
      expect(sha256(Buffer.from(await range.arrayBuffer()))).toBe(sha256(big.subarray(1000, 201000)));

      const upload = bytes(700_000, 9);
      const put = await fetch(api('files', 'up.bin'), { method: 'PUT', body: upload });
      expect(put.status).toBe(201);
      expect(sha256(await readFile(join(root, 'up.bin')))).toBe(sha256(upload));
    });

    it('asked EPSV and PASV once, then remembered active mode (EPRT) for the site', () => {
      expect(ftp.commands.filter((c) => c === 'EPSV')).toHaveLength(1);
      expect(ftp.commands.filter((c) => c === 'PASV')).toHaveLength(1);
      expect(ftp.commands.filter((c) => c.startsWith('EPRT ')).length).toBeGreaterThanOrEqual(4);
      expect(ftp.commands.filter((c) => c.startsWith('PORT '))).toHaveLength(0);
      // The address is the control connection's local address.
      for (const c of ftp.commands.filter((x) => x.startsWith('EPRT '))) expect(c).toMatch(/^EPRT \|1\|127\.0\.0\.1\|\d+\|$/);
    });

    it('never offers a data port below 1024', () => {
      expect(ftp.activePorts.length).toBeGreaterThanOrEqual(4);
      for (const port of ftp.activePorts) expect(port).toBeGreaterThanOrEqual(1024);
    });

    it('reports the mode that works', () => {
      expect((gw.fs as unknown as { sites: Map<string, { backend: { pool: { dataConnection: string } } }> }).sites.get('s')!.backend.pool.dataConnection).toBe('active (EPRT)');
    });
  });

  describe('EPRT refused: PORT, within the configured port range', () => {
    let ftp: ScriptedServer;
    let gw: TestGateway;

    beforeAll(async () => {
      ftp = await startScriptedServer({ root, ...REFUSE, refuseEprt: "500 'EPRT': command not understood.", connectBefore150: true });
      gw = await startGateway({ s: `ftp://u:p@127.0.0.1:${ftp.port}/?poolSize=1&dataMode=active&activePortMin=1024&activePortMax=1034` });
    });
    afterAll(async () => {
      await gw?.close();
      await ftp?.close();
    });

    it('uses PORT after one refused EPRT, with ports in 1024-1034, and does not try passive', async () => {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${gw.base}/api/v1/sites/s/files/hello.txt`);
        expect(await res.text()).toBe('hello active world\n');
      }
      expect(ftp.commands.filter((c) => c.startsWith('EPRT '))).toHaveLength(1);
      const ports = ftp.commands.filter((c) => c.startsWith('PORT '));
      expect(ports.length).toBeGreaterThanOrEqual(3);
      for (const c of ports) expect(c).toMatch(/^PORT 127,0,0,1,\d+,\d+$/);
      expect(ftp.activePorts.length).toBe(ports.length); // the refused EPRT announced nothing
      for (const p of ftp.activePorts) {
        expect(p).toBeGreaterThanOrEqual(1024);
        expect(p).toBeLessThanOrEqual(1034);
      }
      expect(ftp.commands.filter((c) => c === 'EPSV' || c === 'PASV')).toHaveLength(0);
    });

    it('refuses a port range reaching below 1024 in the settings', () => {
      expect(() =>
        validateConfig({ listen: { host: '127.0.0.1', port: 0 }, sites: [parseSiteUrl('x', 'ftp://h/?activePortMin=20&activePortMax=2000')] }),
      ).toThrow(/sites\.x\.activePortMin/);
    });
  });

  describe('a third party racing the server to the listener', () => {
    let ftp: ScriptedServer;
    let gw: TestGateway;
    const log = logSink();
    const raced: { connected: boolean; received: number; ended: string }[] = [];
    let attack: 'download' | 'upload' = 'download';

    beforeAll(async () => {
      ftp = await startScriptedServer({
        root,
        ...REFUSE,
        // Before the server connects to each advertised port, someone else tries it first:
        // feeding a download with bytes of its own, or hoping to receive an upload's bytes.
        beforeActiveConnect: async (host, port) => {
          raced.push(await thirdParty(host, port, attack === 'download' ? Buffer.from('FORGED BYTES '.repeat(1000)) : undefined));
        },
      });
      gw = await startGateway({ s: `ftp://u:p@127.0.0.1:${ftp.port}/?poolSize=1&dataMode=active` }, { logLevel: 'warn' }, log.stream);
    });
    afterAll(async () => {
      await gw?.close();
      await ftp?.close();
    });

    it('refuses it, logs it, and the download still gets the right bytes', async () => {
      attack = 'download';
      const res = await fetch(`${gw.base}/api/v1/sites/s/files/big.bin`);
      expect(res.status).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(big));
      expect(raced.length).toBeGreaterThanOrEqual(1);
      for (const r of raced) {
        // A reset (often before the caller's own connect event is even seen), no byte.
        expect(r.received).toBe(0);
        expect(['ECONNRESET', 'close', 'EPIPE']).toContain(r.ended);
      }
      // It did reach the listener: each attempt was accepted, refused and logged.
      const warnings = log.lines.filter((l) => l.includes('refused an active-mode data connection'));
      expect(warnings).toHaveLength(raced.length);
      expect(warnings[0]).toContain('"from":"127.0.0.2:');
      expect(warnings[0]).toContain('"expected":"127.0.0.1"');
    });

    it('refuses it and the upload lands with the right bytes', async () => {
      attack = 'upload';
      raced.length = 0;
      const upload = bytes(500_000, 13);
      const put = await fetch(`${gw.base}/api/v1/sites/s/files/raced.bin`, { method: 'PUT', body: upload });
      expect(put.status).toBe(201);
      expect(sha256(await readFile(join(root, 'raced.bin')))).toBe(sha256(upload));
      expect(raced.length).toBeGreaterThanOrEqual(1);
      for (const r of raced) expect(r.received).toBe(0);
    });
  });

  describe('a server that never connects', () => {
    let ftp: ScriptedServer;
    let gw: TestGateway;

    beforeAll(async () => {
      ftp = await startScriptedServer({ root, ...REFUSE, beforeActiveConnect: () => new Promise(() => {}) });
      gw = await startGateway({ s: `ftp://u:p@127.0.0.1:${ftp.port}/?poolSize=1&dataMode=active&commandTimeout=800` });
    });
    afterAll(async () => {
      await gw?.close();
      await ftp?.close();
    });

    it('fails the request within the timeout and closes the listener', async () => {
      const started = Date.now();
      const res = await fetch(`${gw.base}/api/v1/sites/s/list/`);
      expect(res.status).toBeGreaterThanOrEqual(502);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(activeListenerCount()).toBe(0);
    });
  });

  describe('passive only', () => {
    let ftp: ScriptedServer;
    let gw: TestGateway;

    beforeAll(async () => {
      ftp = await startScriptedServer({ root, ...REFUSE });
      gw = await startGateway({ s: `ftp://u:p@127.0.0.1:${ftp.port}/?poolSize=1&dataMode=passive` });
    });
    afterAll(async () => {
      await gw?.close();
      await ftp?.close();
    });

    it('answers 502 with a problem body naming the refusal and the setting', async () => {
      const res = await fetch(`${gw.base}/api/v1/sites/s/files/hello.txt`);
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe('bad_gateway');
      expect(problem.detail).toContain('refused passive mode');
      expect(problem.detail).toContain("EPSV: 500 'EPSV': command not understood.");
      expect(problem.detail).toContain('dataMode=passive');
      expect(ftp.commands.filter((c) => c.startsWith('EPRT') || c.startsWith('PORT'))).toHaveLength(0);
    });
  });
});

describe('ftpgate check reports the data connection that works', () => {
  let ftp: ScriptedServer;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-check-active-'));
    await writeFile(join(dir, 'a.txt'), 'a');
    ftp = await startScriptedServer({ root: dir, ...REFUSE });
  });
  afterAll(async () => {
    await ftp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('says "active (EPRT)" for a server that refuses EPSV and PASV, and "passive" fails', async () => {
    const site = (mode: string) => validateConfig({ listen: { host: '127.0.0.1', port: 0 }, sites: [parseSiteUrl('s', `ftp://u:p@127.0.0.1:${ftp.port}/?dataMode=${mode}`)] }).sites[0]!;
    const auto = await probeSite(site('auto'));
    expect(auto.error).toBeUndefined();
    expect(auto.dataConnection).toBe('active (EPRT)');
    const passive = await probeSite(site('passive'));
    expect(passive.dataConnection).toBeUndefined();
    expect(passive.error).toMatch(/^data connection: /);
  });
});
