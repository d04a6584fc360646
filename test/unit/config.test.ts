import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/schema.js';
import { parseSiteUrl, redactUrl } from '../../src/config/site-url.js';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).field;
  }
  throw new Error('expected a ConfigError');
}

describe('site URLs', () => {
  it('reads account, host, port, root and options', () => {
    expect(parseSiteUrl('s', 'ftp://bob:p%40ss%3Aw@files.example:2121/pub/data?readOnly=true&poolSize=3')).toEqual({
      name: 's',
      host: 'files.example',
      port: '2121',
      tls: 'none',
      root: '/pub/data',
      user: 'bob',
      password: 'p@ss:w',
      credentials: 'fixed',
      readOnly: 'true',
      poolSize: '3',
    });
  });
  it('makes a site without an account pass-through, ftps:// explicit TLS, ?tls=implicit implicit', () => {
    expect(parseSiteUrl('s', 'ftp://h/').credentials).toBe('pass-through');
    expect(parseSiteUrl('s', 'ftps://h/').tls).toBe('explicit');
    expect(parseSiteUrl('s', 'ftps://h:990/?tls=implicit').tls).toBe('implicit');
    expect(parseSiteUrl('s', 'ftps://h/?insecure=true').rejectUnauthorized).toBe(false);
  });
  it('refuses other schemes and unknown options, naming the field', () => {
    expect(fieldOf(() => parseSiteUrl('s', 'http://h/'))).toBe('sites.s.url');
    expect(fieldOf(() => parseSiteUrl('s', 'ftp://h/?colour=red'))).toBe('sites.s.colour');
  });
  it('redacts passwords for messages', () => {
    expect(redactUrl('ftp://bob:secret@h/')).toBe('ftp://bob:***@h/');
  });
});

describe('loadConfig', () => {
  it('merges file < environment < flags and applies defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftpgate-cfg-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'listen: 0.0.0.0:9000\nsites:\n  a:\n    url: ftp://u:p@a.example/\n    poolSize: 2\n  b: ftp://b.example/\n');
    const config = loadConfig(
      { config: file, sites: ['b=ftp://x:y@b2.example:21/root'] },
      { FTPGATE_SITE_C: 'ftp://c.example/', FTPGATE_LOG_LEVEL: 'warn' },
    );
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(config.logLevel).toBe('warn');
    const byName = Object.fromEntries(config.sites.map((s) => [s.name, s]));
    expect(byName.a).toMatchObject({ host: 'a.example', poolSize: 2, credentials: 'fixed', port: 21, rejectUnauthorized: true });
    expect(byName.b).toMatchObject({ host: 'b2.example', root: '/root', user: 'x' });
    expect(byName.c).toMatchObject({ host: 'c.example', credentials: 'pass-through' });
  });
  it('defaults to 127.0.0.1:8080 and no sites', () => {
    const config = loadConfig({}, {});
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.sites).toEqual([]);
  });
  it.each([
    [{ sites: ['s=ftp://h/?poolSize=0'] }, 'sites.s.poolSize'],
    [{ sites: ['s=ftp://h/?encoding=ebcdic'] }, 'sites.s.encoding'],
    [{ sites: ['s=ftp://h:99999/'] }, 'sites.s.url'],
    [{ sites: ['bad name=ftp://h/'] }, 'sites.bad name.name'],
    [{ sites: ['nourl'] }, '--site[0]'],
    [{ listen: 'nowhere' }, 'listen'],
    [{ sites: ['s=ftp://h/?ca=/no/such/file'] }, 'sites.s.caFile'],
    [{ config: '/no/such/config.yaml' }, 'config'],
  ])('names the field of a wrong setting: %j', (sources, field) => {
    expect(fieldOf(() => loadConfig(sources, {}))).toBe(field);
  });
});

describe('the ftpgate command', () => {
  const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
  it('exits with code 2 and names the field when a setting is wrong', () => {
    const run = spawnSync(process.execPath, [cli, '--site', 'x=ftp://u:secret@h/?poolSize=-1'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('sites.x.poolSize');
    expect(run.stderr).not.toContain('secret');
  });
  it('prints help with every option and its environment variable', () => {
    const run = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    for (const word of ['--site', 'FTPGATE_SITE_', '--listen', 'FTPGATE_LISTEN', '--config', 'FTPGATE_CONFIG', '--log-level']) {
      expect(run.stdout).toContain(word);
    }
  });
});
