// Start a real gateway (Fastify on an ephemeral port) over the given sites, for tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { validateConfig, type GatewayConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';
import { backendFactory } from '../../src/app/backends.js';
import { RemoteFs } from '../../src/core/remote-fs.js';
import { buildApp } from '../../src/app/app.js';
import { createLogger } from '../../src/http/logging.js';

export interface TestGateway {
  base: string;
  app: FastifyInstance;
  fs: RemoteFs;
  config: GatewayConfig;
  close(): Promise<void>;
}

/** sites: name → site URL (query options allowed), or raw site objects. */
export async function startGateway(
  sites: Record<string, string | Record<string, unknown>>,
  extra: Record<string, unknown> = {},
  logTo?: DestinationStream,
): Promise<TestGateway> {
  // Each gateway its own state folder (SQLite), as the CLI would have: tests never share state.
  const ownDataDir = extra.dataDir === undefined && extra.redisUrl === undefined ? mkdtempSync(join(tmpdir(), 'ftpgate-state-')) : undefined;
  const config = validateConfig({
    listen: { host: '127.0.0.1', port: 0 },
    logLevel: process.env.FTPGATE_TEST_LOG ?? 'silent',
    ...(ownDataDir ? { dataDir: ownDataDir } : {}),
    ...extra,
    sites: Object.entries(sites).map(([name, s]) => (typeof s === 'string' ? parseSiteUrl(name, s) : { name, ...s })),
  });
  const logger = createLogger(config.logLevel, logTo);
  const fs = new RemoteFs(config.sites, logger.child({ component: 'ftp' }), backendFactory(logger.child({ component: 'ftp' }), config));
  const app = await buildApp({ config, fs, logger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    app,
    fs,
    config,
    close: async () => {
      // A fetch aborted inside this same process can leave its server-side socket counted
      // (a real client, e.g. a killed curl, does not): cut what is left before closing.
      app.server.closeAllConnections();
      await app.close();
      await fs.close();
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}
