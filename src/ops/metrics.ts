// GET /metrics in Prometheus' text format (prom-client), from a registry of this app's own.
// Labels are route patterns, methods, statuses, configured site names and FTP reply codes:
// never a request path, a user name or a password.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RemoteFs } from '../core/remote-fs.js';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { FTP_CHANNELS, type FtpPoolWaitMessage, type FtpReplyMessage, type FtpTransferMessage } from '../ftp/diagnostics.js';
import { sitesOf, surfaceOf } from '../http/surface.js';
import { readinessOf } from './readiness.js';

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const SCRAPE_CHECK_MS = 15_000;
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30];

export interface MetricsOptions {
  fs: RemoteFs;
  /** Process metrics (CPU, memory, event loop, GC) of prom-client. Default true. */
  processMetrics?: boolean;
}

/** The site a request moves content of, when its front declares it a transfer and the site is configured. */
function transferSiteOf(request: FastifyRequest, known: ReadonlySet<string>): string | undefined {
  if (!surfaceOf(request).transfer || !['GET', 'PUT', 'POST'].includes(request.method)) return undefined;
  const site = sitesOf(request)[0]?.site;
  return site !== undefined && known.has(site) ? site : undefined;
}

/** Register /metrics and the hooks that feed it. Call on the root instance, before the routes. */
export function installMetrics(app: FastifyInstance, { fs, processMetrics = true }: MetricsOptions): Registry {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const known = new Set(fs.listSites().map((s) => s.name));

  const requests = new Counter({
    name: 'ftpgate_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'ftpgate_http_request_duration_seconds',
    help: 'Time from request to the end of the response, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'ftpgate_transfer_bytes_total',
    help: 'File content moved through the gateway, per site: in = uploads from clients, out = downloads to clients (REST and WebDAV)',
    labelNames: ['site', 'direction'] as const,
    registers: [registry],
  });
  const httpTransferSeconds = new Histogram({
    name: 'ftpgate_http_transfer_duration_seconds',
    help: 'Duration of successful download and upload requests (measured at the HTTP layer, includes the FTP login/pool wait), per site',
    labelNames: ['site', 'direction'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  /** A per-site gauge read from the pools at scrape time; `pick` may leave a site out (undefined). */
  const poolGauge = (name: string, help: string, pick: (s: ReturnType<RemoteFs['poolStats']>) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['site'] as const,
      registers: [registry],
      collect(this: Gauge<'site'>) {
        this.reset();
        for (const { name: site } of fs.listSites()) {
          const value = pick(fs.poolStats(site));
          if (value !== undefined) this.set({ site }, value);
        }
      },
    });
  poolGauge('ftpgate_ftp_sessions_open', 'FTP sessions open (idle or lent out), per site', (s) => s.open);
  poolGauge('ftpgate_ftp_sessions_idle', 'FTP sessions open and idle in the pool, per site', (s) => s.idle);
  poolGauge('ftpgate_ftp_sessions_waiting', 'Requests waiting for an FTP session (pool full), per site', (s) => s.waiting);
  // Readiness per site: the last check (/readyz's, when a probe calls it often), or a new one if
  // that is older than SCRAPE_CHECK_MS, so that scrapes alone do not hold sessions open.
  new Gauge({
    name: 'ftpgate_site_up',
    help: 'Whether the site\'s FTP server can be reached (and logged into, for fixed accounts): 1 or 0',
    labelNames: ['site'] as const,
    registers: [registry],
    async collect() {
      const { sites } = await readinessOf(fs).check(SCRAPE_CHECK_MS);
      this.reset();
      for (const [site, state] of Object.entries(sites)) this.set({ site }, state === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ftpgate_ready',
    help: 'Whether /readyz answers ready: some site reachable, or every site marked required',
    registers: [registry],
    async collect() {
      this.set((await readinessOf(fs).check(SCRAPE_CHECK_MS)).ready ? 1 : 0);
    },
  });
  poolGauge(
    'ftpgate_ftp_sessions_limit',
    'FTP sessions a site may have now: its poolSize, or the server connection cap the pool learned from 421 refusals',
    (s) => s.limit,
  );
  poolGauge(
    'ftpgate_ftp_server_connection_cap',
    'Connection cap of the FTP server, learned when it refused a new session (421) while others were open; absent until then',
    (s) => s.learnedLimit,
  );
  const replies = new Counter({
    name: 'ftpgate_ftp_replies_total',
    help: 'FTP replies received from servers, by site and reply code',
    labelNames: ['site', 'code'] as const,
    registers: [registry],
  });
  const poolWait = new Histogram({
    name: 'ftpgate_ftp_pool_wait_seconds',
    help: 'Time a request waited for an FTP session (reuse, new login or queue), per site',
    labelNames: ['site'] as const,
    buckets: WAIT_BUCKETS,
    registers: [registry],
  });
  const ftpTransferSeconds = new Histogram({
    name: 'ftpgate_ftp_transfer_duration_seconds',
    help: 'Duration of FTP data transfers (RETR, STOR), per site, direction and outcome',
    labelNames: ['site', 'direction', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });

  // The FTP back end publishes on diagnostics_channel (src/ftp/diagnostics.ts); a subscriber
  // that threw would surface as an uncaught exception, so each one keeps its errors.
  const subscriptions: Array<[string, (message: unknown) => void]> = [];
  const on = <M>(name: string, fn: (message: M) => void) => {
    const listener = (message: unknown) => {
      try {
        fn(message as M);
      } catch {
        // an observer never breaks FTP
      }
    };
    subscribe(name, listener);
    subscriptions.push([name, listener]);
  };
  on<FtpReplyMessage>(FTP_CHANNELS.reply, ({ site, code }) => {
    if (known.has(site) && code >= 100 && code <= 599) replies.inc({ site, code: String(code) });
  });
  on<FtpPoolWaitMessage>(FTP_CHANNELS.poolWait, ({ site, seconds }) => {
    if (known.has(site)) poolWait.observe({ site }, seconds);
  });
  on<FtpTransferMessage>(FTP_CHANNELS.transfer, ({ site, direction, seconds, ok }) => {
    if (known.has(site)) ftpTransferSeconds.observe({ site, direction, outcome: ok ? 'ok' : 'failed' }, seconds);
  });
  app.addHook('onClose', async () => {
    for (const [name, listener] of subscriptions) unsubscribe(name, listener);
  });

  app.addHook('onRequest', (request, reply, done) => {
    // On 'close', after the route's own 'close' listeners (which set transferBytes for downloads).
    reply.raw.once('close', () =>
      setImmediate(() => {
        const route = request.routeOptions.url ?? 'unmatched';
        const method = request.method;
        const status = reply.raw.statusCode;
        const seconds = reply.elapsedTime / 1000;
        requests.inc({ method, route, status: String(status) });
        requestSeconds.observe({ method, route }, seconds);
        const site = transferSiteOf(request, known); // as the front declares it (src/http/surface.ts)
        const moved = request.transferBytes;
        if (site === undefined) return;
        const direction = method === 'GET' ? 'out' : 'in';
        if (typeof moved === 'number' && moved > 0) bytes.inc({ site, direction }, moved);
        if (status >= 200 && status < 300) httpTransferSeconds.observe({ site, direction }, seconds);
      }),
    );
    done();
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        description: 'Metrics in the Prometheus text exposition format (version 0.0.4).',
        produces: ['text/plain'],
        response: { 200: { description: 'Prometheus text format', type: 'string' } },
      },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.header('cache-control', 'no-store').type(registry.contentType).send(text);
    },
  );
  return registry;
}
