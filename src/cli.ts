#!/usr/bin/env node
// ftpgate's command line: read settings, start the demo when no site is configured,
// serve, and shut down cleanly on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from './config/load.js';
import { ConfigError, validateConfig, type GatewayConfig } from './config/schema.js';
import { parseSiteUrl, redactUrl } from './config/site-url.js';
import { RemoteFs } from './core/remote-fs.js';
import { startDemoSite } from './demo/demo-site.js';
import { buildApp } from './http/app.js';
import { createLogger } from './http/logging.js';

const HELP = `Usage: ftpgate [options]

A web gateway to FTP servers: REST API, browser page and (soon) WebDAV.

Options (environment variable in brackets):
  --site NAME=URL     an FTP site, repeatable [FTPGATE_SITE_<NAME>=URL]
                      URL: ftp://[user[:password]@]host[:port][/root][?option=value&...]
                      ftps:// = explicit TLS; ?tls=implicit for implicit TLS; no user = pass-through login
                      options: readOnly, poolSize, idleTimeout, checkAfter, connectTimeout, commandTimeout,
                      queueTimeout, listingCacheTtl (ms), encoding (utf8|latin1), credentials (fixed|pass-through),
                      ca (CA file), insecure (skip the certificate check)
  --listen HOST:PORT  where to serve HTTP (default 127.0.0.1:8080) [FTPGATE_LISTEN]
  --config FILE       settings file, JSON or YAML [FTPGATE_CONFIG]
  --log-level LEVEL   fatal|error|warn|info|debug|trace|silent (default info) [FTPGATE_LOG_LEVEL]
  --help, --version

With no site configured, ftpgate starts a demo FTP server in-process as site "demo".
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        site: { type: 'string', multiple: true },
        listen: { type: 'string' },
        config: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean' },
        version: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    process.stderr.write(`ftpgate: ${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (args.help) return void process.stdout.write(HELP);
  if (args.version) return void process.stdout.write(`${version()}\n`);

  let config: GatewayConfig;
  try {
    config = loadConfig({ sites: args.site, listen: args.listen, config: args.config, logLevel: args['log-level'] });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ftpgate: ${redactUrl(err.message)}\n`);
      process.exit(2);
    }
    throw err;
  }

  const logger = createLogger(config.logLevel);
  let demo: Awaited<ReturnType<typeof startDemoSite>> | undefined;
  if (config.sites.length === 0) {
    demo = await startDemoSite(logger);
    config = validateConfig({ ...config, sites: [parseSiteUrl('demo', demo.url)] });
  }

  const fs = new RemoteFs(config.sites, logger.child({ component: 'ftp' }));
  const app = await buildApp({ config, fs, logger });
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    process.stderr.write(`ftpgate: cannot listen on ${config.listen.host}:${config.listen.port}: ${(err as Error).message}\n`);
    await demo?.close();
    process.exit(1);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  const base = `http://${host}:${port}`;
  process.stderr.write(
    `ftpgate ${version()} listening on ${base}/\n` +
      `sites: ${config.sites.map((s) => s.name).join(', ')}${demo ? ' (embedded demo FTP server)' : ''}\n` +
      `try:   curl ${base}/api/v1/sites/${config.sites[0]?.name ?? 'demo'}/list/\n`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await app.close(); // stops accepting; running requests finish
    await fs.close(); // QUIT pooled sessions
    await demo?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`ftpgate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
