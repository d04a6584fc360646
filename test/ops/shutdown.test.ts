// Graceful shutdown of the real command: SIGTERM during a slow download stops new
// connections at once, lets the download finish with every byte, then exits 0; past
// FTPGATE_SHUTDOWN_TIMEOUT_MS a transfer still running is cut and the exit code is 1.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessServer, type FtpFixture } from '../helpers/ftp-servers.js';
import { bytes } from '../helpers/http.js';
import { ensureBuilt } from './built-cli.js';

interface Gateway {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

async function startCli(site: string, env: NodeJS.ProcessEnv = {}): Promise<Gateway> {
  const cli = await ensureBuilt();
  const child = spawn(process.execPath, [cli, '--site', `main=${site}`, '--listen', '127.0.0.1:0', '--log-level', 'info'], {
    // A state folder of its own (a few KiB left in the temporary folder): no state shared between runs.
    env: { PATH: process.env.PATH, FTPGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'ftpgate-shutdown-')), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line:\n${out}`)), 15_000);
    const look = () => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stderr!.on('data', look);
    child.on('exit', () => reject(new Error(`exited early:\n${out}`)));
  });
  return { child, port, output: () => out, exited };
}

/** A download read at about `rate` bytes per second. */
function slowDownload(url: string, rate: number) {
  let received = 0;
  const hash = createHash('sha256');
  const done = new Promise<{ status: number; bytes: number; sha: string; complete: boolean }>((resolve) => {
    get(url, (res) => {
      const started = Date.now();
      let finished = false;
      const finish = (complete: boolean) => {
        if (finished) return;
        finished = true;
        resolve({ status: res.statusCode ?? 0, bytes: received, sha: hash.digest('hex'), complete });
      };
      // Token bucket: pause whenever ahead of `rate`, resume a little later.
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        hash.update(chunk);
        const ahead = received - (rate * (Date.now() - started)) / 1000;
        if (ahead > 0) {
          res.pause();
          setTimeout(() => res.resume(), Math.min(200, (ahead / rate) * 1000));
        }
      });
      res.on('end', () => finish(true));
      res.on('error', () => finish(false));
      res.on('aborted', () => finish(false));
      res.on('close', () => finish(res.complete));
    }).on('error', () => resolve({ status: 0, bytes: received, sha: '', complete: false }));
  });
  return { done, received: () => received };
}

function tryConnect(port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

describe('graceful shutdown (dist/cli.js as a child process)', () => {
  let ftp: FtpFixture;
  const size = 16 * 1024 * 1024;
  const content = bytes(size, 5);
  const sha = createHash('sha256').update(content).digest('hex');

  beforeAll(async () => {
    ftp = await inProcessServer.start();
    await writeFile(join(ftp.root, 'big.bin'), content);
    await ensureBuilt();
  });
  afterAll(async () => {
    await ftp?.close();
  });

  it('on SIGTERM refuses new connections, finishes the running download with every byte, then exits 0', async () => {
    const gw = await startCli(ftp.url);
    try {
      const download = slowDownload(`http://127.0.0.1:${gw.port}/api/v1/sites/main/files/big.bin`, 4 * 1024 * 1024);
      // Under way: past the first megabytes, far from the end.
      for (let i = 0; i < 100 && download.received() < 2 * 1024 * 1024; i++) await new Promise((r) => setTimeout(r, 50));
      expect(download.received()).toBeGreaterThan(0);
      gw.child.kill('SIGTERM');
      let refused = '';
      for (let i = 0; i < 40 && refused !== 'ECONNREFUSED'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        refused = await tryConnect(gw.port);
      }
      expect(refused).toBe('ECONNREFUSED');
      const atRefusal = download.received();
      expect(atRefusal, 'the download was still running when new connections were refused').toBeLessThan(size);
      const result = await download.done;
      expect(result).toMatchObject({ status: 200, bytes: size, complete: true });
      expect(result.sha).toBe(sha);
      expect(await gw.exited).toBe(0);
      expect(gw.output()).toContain('shutting down');
      expect(gw.output()).toMatch(/"forced":false/);
    } finally {
      gw.child.kill('SIGKILL');
    }
  });

  it('cuts a transfer still running after FTPGATE_SHUTDOWN_TIMEOUT_MS and exits 1', async () => {
    const gw = await startCli(ftp.url, { FTPGATE_SHUTDOWN_TIMEOUT_MS: '800' });
    try {
      const download = slowDownload(`http://127.0.0.1:${gw.port}/api/v1/sites/main/files/big.bin`, 1024 * 1024);
      for (let i = 0; i < 100 && download.received() === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const t0 = Date.now();
      gw.child.kill('SIGTERM');
      expect(await gw.exited).toBe(1);
      expect(Date.now() - t0, 'exits soon after the limit').toBeLessThan(4_000);
      // The client still reads what the kernel had buffered, then sees the cut.
      const result = await download.done;
      expect(result.complete).toBe(false);
      expect(result.bytes).toBeLessThan(size);
      expect(gw.output()).toContain('shutdown time limit reached');
    } finally {
      gw.child.kill('SIGKILL');
    }
  });
});
