// The FTP servers the contract suite runs against. The in-process server (ftp-srv) always
// runs; real servers join when a script has started them and exported their URL and root
// folder (see test/servers/with-servers.sh and with-vsftpd.sh): FTPGATE_TEST_<NAME>_URL and _ROOT.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInProcessServer } from '../../src/demo/in-process-server.js';
import { createLogger } from '../../src/http/logging.js';

export interface FtpFixture {
  name: string;
  /** Site URL with the test account (it may carry query options, e.g. `?ca=` for FTPS: build site URLs with siteUrl()). */
  url: string;
  /** The server's data folder on this machine, to seed and check files behind the gateway's back. */
  root: string;
  /** Kill every control connection, where the fixture can. */
  dropConnections?: () => void;
  close(): Promise<void>;
}

export type FixtureFactory = { name: string; start(): Promise<FtpFixture> };

export const inProcessServer: FixtureFactory = {
  name: 'in-process',
  async start() {
    const root = await mkdtemp(join(tmpdir(), 'ftpgate-test-'));
    const server = await startInProcessServer({ root, user: 'test', password: 'test-pw', logger: createLogger('silent') });
    return {
      name: 'in-process',
      url: server.url,
      root,
      dropConnections: server.dropConnections,
      close: async () => {
        await server.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  },
};

/**
 * A server that answers like Microsoft's FTP service (IIS cannot run here): 215 Windows_NT,
 * MS-DOS listings, no MLSD, 125 before transfers, multi-line replies, no rename over a file.
 * Our own scripted server, over a folder on disk.
 */
const iisLikeServer: FixtureFactory = {
  name: 'iis-like',
  async start() {
    const root = await mkdtemp(join(tmpdir(), 'ftpgate-iis-like-'));
    const { startScriptedServer } = await import('../servers/scripted-ftp-server.js');
    const server = await startScriptedServer({
      root,
      user: 'iis',
      password: 'iis-pw',
      listStyle: 'dos',
      preliminary: 125,
      multiline: true,
      system: 'Microsoft FTP Service',
    });
    return {
      name: 'iis-like',
      url: `ftp://iis:iis-pw@127.0.0.1:${server.port}/`,
      root,
      close: async () => {
        await server.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  },
};

/** Real servers that test/servers/with-servers.sh can start (plain FTP). */
const PLAIN_SERVERS = ['vsftpd', 'pure-ftpd', 'proftpd'] as const;
/** FTPS servers of with-servers.sh: explicit TLS with require_ssl_reuse=YES, and implicit TLS. */
const TLS_SERVERS = ['vsftpd-tls', 'vsftpd-implicit'] as const;

/** Tests that need a real server fail instead of skipping when this is set (CI sets it). */
export const requireExternal = process.env.FTPGATE_REQUIRE_EXTERNAL === '1';

function envKey(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** A server started outside the test run, announced by environment variables; undefined when absent. */
export function externalServer(name: string): FixtureFactory | undefined {
  const key = envKey(name);
  const url = process.env[`FTPGATE_TEST_${key}_URL`];
  const root = process.env[`FTPGATE_TEST_${key}_ROOT`];
  if (!url || !root) return undefined;
  return { name, start: async () => ({ name, url, root, close: async () => {} }) };
}

/**
 * A fixture by name, for tests that need one particular server: 'in-process' or a real one.
 * A missing real server is undefined (skip the test) unless FTPGATE_REQUIRE_EXTERNAL=1, where
 * the fixture fails at start with a message naming the environment variables it needs.
 */
export function fixtureByName(name: string): FixtureFactory | undefined {
  if (name === inProcessServer.name) return inProcessServer;
  const found = externalServer(name);
  if (found || !requireExternal) return found;
  return {
    name,
    start: async () => {
      throw new Error(`FTPGATE_REQUIRE_EXTERNAL=1 but FTPGATE_TEST_${envKey(name)}_URL/_ROOT are not set: run under test/servers/with-servers.sh`);
    },
  };
}

/**
 * Every server available to this run. The FTPS servers join with `{ tls: true }`: their URLs
 * carry `?ca=...`, so a suite must build its site URLs with siteUrl() rather than by appending.
 */
export function ftpServers(options: { tls?: boolean; iisLike?: boolean } = {}): FixtureFactory[] {
  const names: string[] = [...PLAIN_SERVERS, ...(options.tls ? TLS_SERVERS : [])];
  const real = names.map(externalServer).filter((f): f is FixtureFactory => f !== undefined);
  return [inProcessServer, ...(options.iisLike ? [iisLikeServer] : []), ...real];
}

/**
 * A site URL on a fixture: `path` under the server root (no leading slash needed), query
 * options merged with the fixture's own (TLS mode, CA file), and the account dropped for
 * a pass-through site. Scheme (ftp/ftps) and TLS options are always kept.
 */
export function siteUrl(fixture: Pick<FtpFixture, 'url'>, path = '', options: Record<string, string | number | boolean> = {}, account = true): string {
  const url = new URL(fixture.url);
  url.pathname = '/' + path.replace(/^\/+/, '');
  for (const [key, value] of Object.entries(options)) url.searchParams.set(key, String(value));
  if (!account) {
    url.username = '';
    url.password = '';
  }
  // URLSearchParams encodes "/" in a CA path as %2F; the site-URL parser decodes it again.
  return url.toString();
}
