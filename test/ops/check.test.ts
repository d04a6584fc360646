// `ftpgate check` and the CLI's --help/--version: what a server offers, whether the login
// works, exit codes, and no password in the output. Real vsftpd joins when
// FTPGATE_TEST_VSFTPD_URL is set (test/servers/with-servers.sh).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type GatewayConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { parseFeatures, probeSite } from '../../src/ftp/probe.js';
import { checkSites } from '../../src/ftp/check.js';
import { externalServer, inProcessServer, requireExternal, type FtpFixture } from '../helpers/ftp-servers.js';
import { ensureBuilt, ROOT } from './built-cli.js';

const run = promisify(execFile);

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const cliPath = await ensureBuilt();
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function config(sites: Record<string, string>): GatewayConfig {
  return validateConfig({ listen: { host: '127.0.0.1', port: 0 }, sites: Object.entries(sites).map(([n, u]) => parseSiteUrl(n, u)) });
}

describe('FEAT parsing', () => {
  it('keeps the feature lines of a multi-line 211 and nothing else', () => {
    expect(parseFeatures('211-Features:\r\n EPRT\r\n EPSV\r\n MLST type*;size*;modify*;\r\n UTF8\r\n211 End')).toEqual([
      'EPRT',
      'EPSV',
      'MLST type*;size*;modify*;',
      'UTF8',
    ]);
    expect(parseFeatures('211 No features')).toEqual([]);
  });
});

describe('ftpgate check', () => {
  let ftp: FtpFixture;
  let closed: Server;
  let closedPort: number;
  let port: string;

  beforeAll(async () => {
    ftp = await inProcessServer.start();
    port = new URL(ftp.url).port;
    // A port that accepts nothing: listen, note the port, close.
    closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    closedPort = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
  });
  afterAll(async () => {
    await ftp?.close();
  });

  it('reports FEAT, MLSD, EPSV, TLS and UTF8 and a working login (in-process server)', async () => {
    const [report] = await checkSites(config({ main: ftp.url }).sites);
    expect(report!.ok).toBe(true);
    const p = report!.probe;
    expect(p.reachable).toBe(true);
    expect(p.greeting).toMatch(/^220/);
    expect(p.features).toContain('UTF8');
    expect(p.utf8).toBe(true);
    expect(p.tls.offered).toBe(p.features.some((f) => /^AUTH TLS/i.test(f)));
    expect(p.mlsd).toBe(p.features.some((f) => /^ML(ST|SD)\b/i.test(f)));
    expect(p.epsv).toBe(p.features.includes('EPSV'));
    expect(p.login).toMatchObject({ tried: true, ok: true, code: 230 });
    expect(p.dataConnection).toBe('passive (EPSV)'); // found by a real listing after login
  });

  it('fails a wrong login (530) and an unreachable server, passes a pass-through site up to its login', async () => {
    const bad = ftp.url.replace(/:[^:@/]*@/, ':wrong-Pa55word@');
    const reports = await checkSites(
      config({ bad, down: `ftp://u:p@127.0.0.1:${closedPort}/?connectTimeout=2000`, open: `ftp://127.0.0.1:${port}/` }).sites,
    );
    const by = Object.fromEntries(reports.map((r) => [r.site, r]));
    expect(by.bad!.ok).toBe(false);
    expect(by.bad!.probe.login).toMatchObject({ tried: true, ok: false, code: 530 });
    expect(by.bad!.probe.features).toContain('UTF8'); // FEAT before the login still answered
    expect(by.down!.ok).toBe(false);
    expect(by.down!.probe.reachable).toBe(false);
    expect(by.down!.probe.error).toMatch(/ECONNREFUSED/);
    expect(by.open!.ok).toBe(true);
    expect(by.open!.probe.login.tried).toBe(false);
  });

  it('as a command: exit 0 when every site is OK, 1 otherwise; the password never printed', async () => {
    const good = await cli(['check', '--site', `main=${ftp.url}`]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/site main: 127\.0\.0\.1:\d+ tls=none/);
    for (const word of ['FEAT', 'MLSD', 'EPSV', 'TLS', 'UTF8', 'login     ok', 'result    OK', '1/1 sites OK']) expect(good.stdout).toContain(word);
    const badUrl = ftp.url.replace(/:[^:@/]*@/, ':Wr0ng-Secret@');
    const bad = await cli(['check', '--json'], { FTPGATE_SITE_MAIN: ftp.url, FTPGATE_SITE_BAD: badUrl });
    expect(bad.code).toBe(1);
    const json = JSON.parse(bad.stdout) as { ok: boolean; sites: Array<{ site: string; ok: boolean }> };
    expect(json.ok).toBe(false);
    expect(json.sites.map((s) => [s.site, s.ok]).sort()).toEqual([
      ['bad', false],
      ['main', true],
    ]);
    const password = decodeURIComponent(new URL(ftp.url).password);
    for (const out of [good.stdout, good.stderr, bad.stdout, bad.stderr]) {
      expect(out).not.toContain('Wr0ng-Secret');
      expect(out).not.toContain(`:${password}@`);
    }
    expect((await cli(['check'])).code).toBe(1); // no site configured
  });

  const vsftpd = externalServer('vsftpd');
  it.skipIf(!vsftpd && !requireExternal)('reports what vsftpd offers: EPSV and UTF8, no MLSD', async () => {
    if (!vsftpd) throw new Error('FTPGATE_REQUIRE_EXTERNAL=1 but FTPGATE_TEST_VSFTPD_URL/_ROOT are not set');
    const fixture = await vsftpd.start();
    const p = await probeSite(config({ v: fixture.url }).sites[0]!);
    expect(p.login.ok).toBe(true);
    expect(p.epsv).toBe(true);
    expect(p.utf8).toBe(true);
    expect(p.mlsd).toBe(false);
    expect(p.system).toMatch(/UNIX/);
    expect(p.dataConnection).toBe('passive (EPSV)');
  });
});

describe('ftpgate --help and --version', () => {
  it('--help lists every option with its environment variable, and every FTPGATE_ variable the settings read', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    const cliSource = readFileSync(`${ROOT}src/cli.ts`, 'utf8');
    const parseBlock = /parseArgs\(\{\s*options:\s*\{([\s\S]*?)\n\s*\},\s*strict/.exec(cliSource)?.[1] ?? '';
    const flags = [...parseBlock.matchAll(/^\s*'?([a-z][a-z-]*)'?:\s*\{/gm)].map((m) => m[1]!);
    expect(flags).toEqual(expect.arrayContaining(['site', 'listen', 'config', 'log-level', 'help', 'version']));
    for (const flag of flags) {
      expect(stdout, `--${flag} in --help`).toContain(`--${flag}`);
      if (['help', 'version', 'json'].includes(flag)) continue;
      // The option's line and its continuation lines, up to the next option.
      const lines = stdout.split('\n');
      const at = lines.findIndex((l) => new RegExp(`^\\s+--${flag}\\b`).test(l));
      expect(at, `--${flag} has its own line`).toBeGreaterThanOrEqual(0);
      let block = lines[at]!;
      for (let i = at + 1; i < lines.length && /^\s{6,}\S/.test(lines[i]!) && !/^\s+--/.test(lines[i]!); i++) block += '\n' + lines[i];
      expect(block, `--${flag} names its environment variable`).toMatch(/\[FTPGATE_[A-Z_<>]+(=URL)?\]/);
    }
    const loadSource = readFileSync(`${ROOT}src/config/load.ts`, 'utf8');
    const envVars = new Set([...loadSource.matchAll(/\benv\.(FTPGATE_[A-Z0-9_]+)/g)].map((m) => m[1]!));
    expect(envVars.size).toBeGreaterThanOrEqual(5);
    for (const v of envVars) expect(stdout, `${v} in --help`).toContain(v);
    expect(stdout).toContain('ftpgate check');
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    const { code, stdout } = await cli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(pkg.version);
  });
});
