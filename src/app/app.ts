// The wiring: the Fastify application with every front as a plugin (REST, the browser page,
// WebDAV, share links, tus uploads), the HTTP toolkit's security and problem handlers around them,
// metrics and OpenAPI, all over one RemoteFs. The only module besides cli.ts that knows them all.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import type { RemoteFs } from '../core/remote-fs.js';
import { runAsClient } from '../core/client-context.js';
import { loggedPath } from '../http/logging.js';
import { installProblemHandlers, problemRoutes } from '../http/problem.js';
import { healthRoutes } from '../ops/health.js';
import { restPlugin } from '../rest/plugin.js';
import { uploadsPlugin } from '../uploads/plugin.js';
import { staticRoutes } from '../browser/static.js';
import { browserPlugin } from '../browser/plugin.js';
import { securityPlugin } from '../http/security/plugin.js';
import { AccountStore } from '../auth/accounts.js';
import { LoginLimiter } from '../auth/rate-limit.js';
import { sharesPlugin } from '../shares/routes.js';
import { HTTP_HIGH_WATER_MARK, serverOptions } from '../http/security/tls.js';
import { frameworkErrors } from '../http/security/input-guards.js';
import { webdavPlugin } from '../webdav/plugin.js';
import { DavLockChecker } from '../webdav/lock-checker.js';
import { lockTokensOf } from '../webdav/if-header.js';
import { davSurface } from '../webdav/surface.js';
import { provideLockTokens } from '../http/lock-tokens.js';
import { declareSurface } from '../http/surface.js';
import { installMetrics } from '../ops/metrics.js';
import { registerOpenApi } from '../ops/openapi.js';
import { gatewayVersion } from '../ops/version.js';
import { createStateStore, type StateStore } from '../state/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Bytes of file content moved by this request, for the access log. */
    transferBytes?: number;
  }
}

export interface AppOptions {
  config: GatewayConfig;
  fs: RemoteFs;
  logger: Logger;
  /** The state store, when the caller made it (to name it at start-up); else made from config. */
  state?: StateStore;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, fs, logger } = options;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024, // JSON bodies only; uploads stream past this
    routerOptions: { maxParamLength: 8192 },
    // Downloads write 256 KiB reads straight to the response: a 16 KiB high-water mark would
    // report back-pressure after every chunk and stop the data socket each time.
    http: { highWaterMark: HTTP_HIGH_WATER_MARK },
    trustProxy: config.trustProxy, // client address and https from X-Forwarded-* only when trusted
    ...serverOptions(config), // HTTPS when tlsCert/tlsKey are set
    frameworkErrors, // URLs the router cannot decode: a 400 problem body
  });
  app.decorateRequest('transferBytes', undefined);

  // One line per request, with what an operator needs and no credentials.
  app.addHook('onResponse', (request, reply, done) => {
    const params = request.params as { site?: string } | undefined;
    request.log.info(
      {
        method: request.method,
        path: loggedPath(request.url), // no query, no share-link or upload ids
        site: params?.site,
        status: reply.statusCode,
        bytes: request.transferBytes ?? Number(reply.getHeader('content-length') ?? 0),
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  });

  installProblemHandlers(app);
  // The client's address travels with the request's work: the session pool shares sites fairly by it.
  app.addHook('preHandler', (request, _reply, done) => runAsClient(request.ip, done));
  installMetrics(app, { fs }); // GET /metrics; its hooks see every route
  await registerOpenApi(app, { version: gatewayVersion() }); // before the routes it documents
  await app.register(problemRoutes); // /api/problems/{code}: where problem types resolve
  // WebDAV locks, properties, share links, commit locks, the write journal: Redis, SQLite or memory.
  const state = options.state ?? (await createStateStore({ redisUrl: config.redisUrl, dataDir: config.dataDir }));
  app.addHook('onClose', () => state.close());
  fs.useState(state, new DavLockChecker(state)); // commit locks, write journal; WebDAV locks bind every front
  provideLockTokens(app, lockTokensOf); // so every front's writes present their tokens (If / Lock-Token)
  const accounts = config.usersFile ? AccountStore.fromFile(config.usersFile) : undefined;
  // One count of failed passwords for every way of presenting one (logins, sign-ins, share links).
  const limiter = new LoginLimiter({ perAddress: config.loginFailuresPerAddress, perUser: config.loginFailuresPerUser, windowMs: config.loginFailureWindowMs });
  await app.register(securityPlugin, { config, fs, accounts, limiter }); // first: headers and the login guard reach every route
  await app.register(browserPlugin, { fs }); // its hooks and sessions reach every route
  await app.register(healthRoutes, { fs });
  const zipLimits = { maxEntries: config.zipMaxEntries, maxBytes: config.zipMaxBytes };
  await app.register(restPlugin, { fs, uploadLimitBytes: config.uploadLimitBytes, zipLimits }); // /api/v1/sites/{site}/…
  await app.register(uploadsPlugin, { fs, state, expiryMs: config.uploadExpiryMs, uploadLimitBytes: config.uploadLimitBytes }); // tus resumable uploads at /api/v1/sites/{site}/uploads/
  await app.register(sharesPlugin, {
    fs,
    state,
    accounts,
    limiter, // share passwords are guessed like logins: the same limiter, per address and per link
    zipLimits,
    uploadLimitBytes: config.uploadLimitBytes,
  }); // share links: /api/v1/sites/{site}/shares and /s/{id}
  await app.register(staticRoutes);
  await app.register(async (dav) => {
    declareSurface(dav, davSurface); // its sites (URL, Destination) for the login guard and metrics
    await dav.register(webdavPlugin, { fs, state, uploadLimitBytes: config.uploadLimitBytes }); // WebDAV at /dav/ (and OPTIONS /)
  });
  return app;
}
