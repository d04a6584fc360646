#!/usr/bin/env -S node --max-semi-space-size=2
// (--max-semi-space-size=2: V8's young generation grows to 3 × 16 MB during start-up and never
// gives it back; at 2 MB an idle gateway holds about 24 MB less, and downloads, whose buffers are
// pooled, measured no slower: bench/results.md. The Docker entrypoint and npm start say the same.)
// ftpgate's command line: read settings, start the demo when no site is configured,
// serve, and shut down cleanly on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from './config/load.js';
import { ConfigError, validateConfig, type GatewayConfig } from './config/schema.js';
import { parseSiteUrl, redactUrl } from './config/site-url.js';
import { backendFactory } from './app/backends.js';
import { RemoteFs } from './core/remote-fs.js';
import { startDemoSite } from './demo/demo-site.js';
import { DemoUnavailableError } from './demo/in-process-server.js';
import { raiseMallocThresholds } from './ops/malloc-thresholds.js';
import { buildApp } from './app/app.js';
import { createLogger } from './http/logging.js';
import { gracefulShutdown, onShutdownSignals } from './ops/shutdown.js';
import { securityWarnings } from './http/security/warnings.js';
import { createStateStore, describeState } from './state/index.js';

const HELP = `Usage: ftpgate [options]            serve
       ftpgate check [options]      connect to each site, report what its server offers
                                    (FEAT, MLSD, EPSV, TLS, UTF8) and whether the login works;
                                    exit 0 if every site is OK, 1 otherwise (--json: as JSON)
       ftpgate users add NAME ...   add a gateway account to the users file (--help for options)

A web gateway to FTP servers: REST API, browser page and WebDAV.

Options (environment variable in brackets):
  --site NAME=URL     an FTP site, repeatable [FTPGATE_SITE_<NAME>=URL]
                      URL: ftp://[user[:password]@]host[:port][/root][?option=value&...]
                      ftps:// = explicit TLS; ?tls=implicit for implicit TLS; no user = pass-through login
                      options: readOnly, required (for /readyz), poolSize, idleTimeout, checkAfter, connectTimeout, commandTimeout,
                      queueTimeout, listingCacheTtl (ms), preopenData (0|1), encoding (utf8|latin1), credentials (fixed|pass-through),
                      ca (CA file), insecure (skip the certificate check), auth (see --users-file),
                      dataMode (auto|passive|active), activeAddress, activePublicAddress, activePortMin,
                      activePortMax, downloadLimit, uploadLimit, userDownloadLimit, userUploadLimit
                      (bytes/s or e.g. 10MiB)
  --listen HOST:PORT  where to serve HTTP (default 127.0.0.1:8080) [FTPGATE_LISTEN]
  --config FILE       settings file, JSON or YAML [FTPGATE_CONFIG]
  --log-level LEVEL   fatal|error|warn|info|debug|trace|silent (default info) [FTPGATE_LOG_LEVEL]
  --users-file FILE   gateway accounts (YAML/JSON, bcrypt hashes) for sites with ?auth=accounts
                      [FTPGATE_USERS_FILE]; site ?auth=fixed|pass-through|accounts|public
  --tls-cert FILE     serve HTTPS with this certificate chain (PEM) [FTPGATE_TLS_CERT]
  --tls-key FILE      and this private key (PEM) [FTPGATE_TLS_KEY]
  --trust-proxy WHO   trust X-Forwarded-For/-Proto from a reverse proxy: true, or its addresses/CIDRs
                      separated by commas [FTPGATE_TRUST_PROXY]
  --data-dir DIR      where one instance keeps that state without Redis (SQLite; default
                      $XDG_STATE_HOME/ftpgate or ~/.local/state/ftpgate; "none": memory only)
                      [FTPGATE_DATA_DIR]
  --json              with check: print the report as JSON
  --help, --version

Settings by environment variable (or config file key) only:
  FTPGATE_UPLOAD_LIMIT_BYTES   largest file of an upload (multipart, PUT, tus), bytes (uploadLimitBytes)
  FTPGATE_DOWNLOAD_LIMIT       gateway-wide download bandwidth, e.g. 10MiB (gatewayDownloadLimit)
  FTPGATE_UPLOAD_LIMIT         gateway-wide upload bandwidth (gatewayUploadLimit)
  FTPGATE_REDIS_URL            redis://[:password@]host:6379/0: WebDAV locks, properties, share links
                               and the write journal shared by every instance (redisUrl)
  FTPGATE_SHUTDOWN_TIMEOUT_MS  on SIGTERM/SIGINT, how long running transfers may finish (default
                               30000) before they are cut (shutdownTimeoutMs)
  FTPGATE_UPLOAD_EXPIRY_MS     unfinished resumable (tus) uploads expire after this (default
                               86400000) and their temporary files are removed (uploadExpiryMs)
  FTPGATE_PUBLIC_URL           the address users reach the gateway by, e.g. https://files.example.com:
                               its host name is answered, its origin may send writes (publicUrl)
  FTPGATE_ALLOWED_HOSTS        more host names to answer to, comma-separated, or * (allowedHosts);
                               any other Host is 421 (DNS rebinding defence)
  FTPGATE_ALLOWED_ORIGINS      origins of other pages that may send writes, comma-separated
                               (allowedOrigins); other origins get 403 (cross-site request defence)

Endpoints: /healthz, /readyz, /metrics (Prometheus), /api/openapi.json, /api/docs, /dav/{site}/

With no site configured, ftpgate starts a demo FTP server in-process as site "demo"
(FTPGATE_DEMO=0 turns that off: then it exits with a hint instead).
`;

const SITE_HINT = 'to serve a real FTP server: ftpgate --site NAME=ftp://user:password@host/ (or FTPGATE_SITE_NAME=that URL)';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(): Promise<void> {
  // The `users` and `check` commands are loaded only when run: a serving gateway does not hold them.
  if (process.argv[2] === 'users') {
    const { usersCommand } = await import('./auth/users-command.js');
    process.exit(await usersCommand(process.argv.slice(3)));
  }
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        site: { type: 'string', multiple: true },
        listen: { type: 'string' },
        config: { type: 'string' },
        'log-level': { type: 'string' },
        'users-file': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'trust-proxy': { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean' },
        version: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    process.stderr.write(`ftpgate: ${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  const args = parsed.values;
  const command = parsed.positionals[0];
  if (parsed.positionals.length > 1 || (command !== undefined && command !== 'check')) {
    process.stderr.write(`ftpgate: unknown command "${parsed.positionals.join(' ')}"\n\n${HELP}`);
    process.exit(2);
  }
  if (args.help) return void process.stdout.write(HELP);
  if (args.version) return void process.stdout.write(`${version()}\n`);

  let config: GatewayConfig;
  try {
    config = loadConfig({
      sites: args.site,
      listen: args.listen,
      config: args.config,
      logLevel: args['log-level'],
      usersFile: args['users-file'],
      tlsCert: args['tls-cert'],
      tlsKey: args['tls-key'],
      trustProxy: args['trust-proxy'],
      dataDir: args['data-dir'],
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ftpgate: ${redactUrl(err.message)}\n`);
      process.exit(2);
    }
    throw err;
  }

  if (command === 'check') {
    const { runCheck } = await import('./ops/check.js');
    const { checkSites, formatReport } = await import('./ftp/check.js');
    process.exit(await runCheck(config, process.stdout, { checkSites, formatReport }, { json: args.json }));
  }

  const logger = createLogger(config.logLevel);
  let demo: Awaited<ReturnType<typeof startDemoSite>> | undefined;
  if (config.sites.length === 0) {
    // No site: serve the demo (what `npx ftpgate` and a first `docker run` expect), unless it is
    // turned off or not installed; then one line says how to configure a site.
    const off = /^(0|false|no|off)$/i.test(process.env.FTPGATE_DEMO ?? '');
    try {
      if (off) throw new DemoUnavailableError('the demo is turned off (FTPGATE_DEMO=0)');
      demo = await startDemoSite(logger);
    } catch (err) {
      if (!(err instanceof DemoUnavailableError)) throw err;
      process.stderr.write(`ftpgate: no site configured and ${err.message}: ${SITE_HINT}\n`);
      process.exit(2);
    }
    config = validateConfig({ ...config, sites: [parseSiteUrl('demo', demo.url)] });
  }

  const fs = new RemoteFs(config.sites, logger.child({ component: 'ftp' }), backendFactory(logger.child({ component: 'ftp' }), config));
  const stateOptions = { redisUrl: config.redisUrl, dataDir: config.dataDir };
  let state;
  try {
    state = await createStateStore(stateOptions);
  } catch (err) {
    process.stderr.write(`ftpgate: cannot open the state store in ${config.dataDir}: ${(err as Error).message}\n`);
    await demo?.close();
    process.exit(1);
  }
  const app = await buildApp({ config, fs, logger, state });
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    process.stderr.write(`ftpgate: cannot listen on ${config.listen.host}:${config.listen.port}: ${(err as Error).message}\n`);
    await demo?.close();
    process.exit(1);
  }
  // After start-up, whose own garbage glibc has trimmed as usual (the idle figure stays as it was).
  raiseMallocThresholds();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  const base = `${config.tlsCert ? 'https' : 'http'}://${host}:${port}`;
  for (const warning of securityWarnings(config)) process.stderr.write(`ftpgate: WARNING: ${warning}\n`);
  process.stderr.write(
    `ftpgate ${version()} listening on ${base}/\n` +
      `sites: ${config.sites.map((s) => s.name).join(', ')}${demo ? ' (embedded demo FTP server)' : ''}\n` +
      `state: ${describeState(state, stateOptions)}
` +
      (demo ? `demo FTP server: ${demo.url} (login demo, password demo; gone when ftpgate stops)
` : '') +
      `try:   curl ${base}/api/v1/sites/${config.sites[0]?.name ?? 'demo'}/list/
` +
      (demo ? `no site configured, so this is the demo; ${SITE_HINT}
` : ''),
  );

  // Stop accepting, let running transfers finish (up to shutdownTimeoutMs), QUIT pooled sessions.
  // Exit 0 after a clean drain, 1 when running requests had to be cut.
  onShutdownSignals(async (signal) => {
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
    const { forced } = await gracefulShutdown({ app, fs, timeoutMs: config.shutdownTimeoutMs, log: logger, also: demo ? () => demo!.close() : undefined });
    return forced ? 1 : 0;
  });
}

main().catch((err: unknown) => {
  // A setting found wrong after start-up began (the users file is read when the app is built): exit 2 like the rest.
  if (err instanceof ConfigError) {
    process.stderr.write(`ftpgate: ${redactUrl(err.message)}\n`);
    process.exit(2);
  }
  process.stderr.write(`ftpgate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
