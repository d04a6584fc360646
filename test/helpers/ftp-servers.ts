// The FTP servers the contract suite runs against. The in-process server (ftp-srv) always
// runs; real servers join when a script has started them and exported their URL and root
// folder (see test/servers/with-vsftpd.sh): FTPGATE_TEST_<NAME>_URL and _ROOT.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInProcessServer } from '../../src/demo/in-process-server.js';
import { createLogger } from '../../src/http/logging.js';

export interface FtpFixture {
  name: string;
  /** Site URL with the test account. */
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

/** A server started outside the test run, announced by environment variables. */
function external(name: string): FixtureFactory | undefined {
  const key = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const url = process.env[`FTPGATE_TEST_${key}_URL`];
  const root = process.env[`FTPGATE_TEST_${key}_ROOT`];
  if (!url || !root) return undefined;
  return { name, start: async () => ({ name, url, root, close: async () => {} }) };
}

/** Every server available to this run. */
export function ftpServers(): FixtureFactory[] {
  const names = ['vsftpd', 'pure-ftpd', 'proftpd'];
  return [inProcessServer, ...names.map(external).filter((f): f is FixtureFactory => f !== undefined)];
}
