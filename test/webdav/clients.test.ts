// Real WebDAV clients against the gateway: the litmus suites, a cadaver session and an rclone
// round trip. Skipped when a client is not installed, unless FTPGATE_REQUIRE_EXTERNAL=1 (CI),
// where a missing client fails.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftpServers, type FtpFixture } from '../helpers/ftp-servers.js';
import { startDavGateway, type DavGateway } from './dav-helpers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const required = process.env.FTPGATE_REQUIRE_EXTERNAL === '1';
const LITMUS_DIR = '/usr/libexec/litmus';
const hasLitmus = existsSync(join(LITMUS_DIR, 'basic'));
const hasCadaver = existsSync('/usr/bin/cadaver');
const hasRclone = existsSync('/usr/bin/rclone');
const SUITES = ['basic', 'copymove', 'props', 'locks', 'http'] as const;

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(err);
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

describe.each(ftpServers())('real clients over $name', (factory) => {
  let ftp: FtpFixture;
  let g: DavGateway;
  let work: string;
  const tag = Date.now().toString(36);

  beforeAll(async () => {
    ftp = await factory.start();
    g = await startDavGateway(ftp);
    work = await mkdtemp(join(tmpdir(), 'ftpgate-dav-clients-'));
  });
  afterAll(async () => {
    await g?.gw.close();
    await ftp?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe.skipIf(!hasLitmus && !required)('litmus 0.13', () => {
    for (const suite of SUITES) {
      it(`${suite}: 0 failed`, async () => {
        // Each suite makes and removes its own "litmus/" folder; give every run its own parent.
        const url = `${g.gw.base}/dav/site/litmus-${suite}-${tag}/`;
        const mk = await fetch(url, { method: 'MKCOL' });
        expect(mk.status).toBe(201);
        const res = await run(join(LITMUS_DIR, suite), [url, g.user, g.password], { cwd: '/usr/share/litmus' });
        const summary = /<- summary for `\w+': of (\d+) tests run: (\d+) passed, (\d+) failed\..*/.exec(res.stdout);
        console.log(`[${factory.name}] ${summary?.[0] ?? res.stdout.slice(-500)}`);
        expect(summary, res.stdout).not.toBeNull();
        expect(Number(summary![3]), res.stdout).toBe(0);
        await fetch(url, { method: 'DELETE' });
      }, 120_000);
    }
  });

  describe.skipIf(!hasCadaver && !required)('cadaver', () => {
    it('runs a script: mkdir, put, get, move, delete', async () => {
      const home = join(work, 'cadaver-home');
      await mkdir(home, { recursive: true });
      // cadaver takes credentials from ~/.netrc and commands from stdin.
      await writeFile(join(home, '.netrc'), `machine 127.0.0.1\nlogin ${g.user}\npassword ${g.password}\n`, { mode: 0o600 });
      const data = randomBytes(300_000);
      await writeFile(join(work, 'up.bin'), data);
      const dir = `cad-${tag}`;
      const script = [
        `mkcol ${dir}`,
        `put ${join(work, 'up.bin')} ${dir}/up.bin`,
        `get ${dir}/up.bin ${join(work, 'down.bin')}`,
        `move ${dir}/up.bin ${dir}/moved.bin`,
        `ls ${dir}`,
        `delete ${dir}/moved.bin`,
        `rmcol ${dir}`,
        'quit',
        '',
      ].join('\n');
      const res = await run('cadaver', [`${g.gw.base}/dav/site/`], { env: { ...process.env, HOME: home }, input: script, timeoutMs: 60_000 });
      const out = res.stdout + res.stderr;
      expect(out).not.toMatch(/failed|error/i);
      expect(out).toContain('moved.bin');
      expect((await readFile(join(work, 'down.bin'))).equals(data)).toBe(true);
      expect(existsSync(join(ftp.root, dir))).toBe(false);
    }, 60_000);
  });

  describe.skipIf(!hasRclone && !required)('rclone', () => {
    it('syncs a tree with odd names and several sizes, and rclone check against FTP agrees', async () => {
      const tree = join(work, 'tree');
      const names = [
        'plain.txt',
        'a b.txt',
        'hash#1.txt',
        'pct%20.txt',
        'q?.txt',
        'amp&semi;.txt',
        "apos'.txt",
        'ünïcødé-日本.txt',
        '[brackets].txt',
        '+plus.txt',
        '~tilde',
        '@at',
        'sub dir/nested#/deep file.bin',
        'sub dir/empty.txt',
        'big.bin',
      ];
      // ftp-srv drops '"' from names it stores; real servers keep it.
      if (factory.name !== 'in-process') names.push('quote".txt');
      const sizes = [0, 1, 1000, 65_536, 1024 * 1024 + 1];
      for (const [i, name] of names.entries()) {
        const file = join(tree, name);
        await mkdir(join(file, '..'), { recursive: true });
        await writeFile(file, randomBytes(name === 'big.bin' ? 5 * 1024 * 1024 + 3 : sizes[i % sizes.length]!));
      }
      const pass = (await run('rclone', ['obscure', g.password])).stdout.trim();
      const ftpUrl = new URL(ftp.url);
      const remote = `rc-${tag}`;
      const common = ['--config', join(work, 'rclone.conf'), '--retries', '1', '--low-level-retries', '1'];
      const sync = await run('rclone', [
        'sync', tree, `:webdav:/${remote}`, '--webdav-url', `${g.gw.base}/dav/site`, '--webdav-user', g.user, '--webdav-pass', pass, ...common,
      ]);
      expect(sync.code, sync.stderr).toBe(0);
      const check = await run('rclone', [
        'check', tree, `:ftp:/${remote}`, '--ftp-host', ftpUrl.hostname, '--ftp-port', ftpUrl.port, '--ftp-user', g.user, '--ftp-pass', pass,
        '--download', ...common,
      ]);
      expect(check.code, check.stderr).toBe(0);
      expect(check.stderr).toMatch(/0 differences found/);
      // And the same bytes come back through the gateway.
      const big = await fetch(`${g.gw.base}/dav/site/${remote}/big.bin`);
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      expect(sha(Buffer.from(await big.arrayBuffer()))).toBe(sha(await readFile(join(tree, 'big.bin'))));
      await fetch(`${g.gw.base}/dav/site/${remote}`, { method: 'DELETE' });
    }, 120_000);
  });
});

// The back-end seam, exercised by a client that knows nothing of it: every litmus suite over a
// memory:// site (core/memory-backend.ts), with no FTP server anywhere.
describe.skipIf(!hasLitmus && !required)('litmus 0.13 over a memory:// site', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ mem: 'memory://u:p@litmus/' });
  });
  afterAll(async () => {
    await gw?.close();
  });
  for (const suite of SUITES) {
    it(`${suite}: 0 failed`, async () => {
      const url = `${gw.base}/dav/mem/litmus-${suite}/`;
      expect((await fetch(url, { method: 'MKCOL' })).status).toBe(201);
      const res = await run(join(LITMUS_DIR, suite), [url, 'u', 'p'], { cwd: '/usr/share/litmus' });
      const summary = /<- summary for `\w+': of (\d+) tests run: (\d+) passed, (\d+) failed\..*/.exec(res.stdout);
      console.log(`[memory] ${summary?.[0] ?? res.stdout.slice(-500)}`);
      expect(summary, res.stdout).not.toBeNull();
      expect(Number(summary![3]), res.stdout).toBe(0);
    }, 120_000);
  }
});
