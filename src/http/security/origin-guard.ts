// Cross-site write defence: a page of another origin can make a browser send a form POST (an
// upload, a mkdir, a move) to the gateway, with cached Basic credentials or to a site that needs
// none. Browsers say where such a request comes from (Origin, Sec-Fetch-Site): a request that
// may change something is refused with 403 when it comes from a page that is not the gateway's
// own, unless that origin is listed in `allowedOrigins`. WebDAV clients and scripts send
// neither header and are not affected.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../../config/schema.js';
import { GatewayError } from '../../core/errors.js';

/** Methods that change nothing (PROPFIND only reads). */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND']);

/** scheme://host[:port], lower-cased, without the scheme's default port; undefined when unreadable ("null"). */
function normalizeOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

function ownOrigin(request: FastifyRequest): string | undefined {
  return request.host ? normalizeOrigin(`${request.protocol}://${request.host}`) : undefined;
}

export function installOriginGuard(app: FastifyInstance, config: GatewayConfig): void {
  const allowed = new Set(config.allowedOrigins.map(normalizeOrigin).filter((o): o is string => o !== undefined));
  if (config.publicUrl) allowed.add(normalizeOrigin(config.publicUrl)!);

  /** Why the request is refused, or undefined when it may go on. */
  const refusal = (request: FastifyRequest): GatewayError | undefined => {
    if (SAFE.has(request.method)) return undefined;
    const header = request.headers.origin;
    const fetchSite = request.headers['sec-fetch-site'];
    if (header === undefined && fetchSite !== 'cross-site') return undefined; // not a browser page's request
    const origin = header === undefined ? undefined : normalizeOrigin(header);
    if (origin !== undefined && (allowed.has(origin) || (origin === ownOrigin(request) && fetchSite !== 'cross-site'))) return undefined;
    return new GatewayError(
      'cross_site',
      `a page of ${origin ?? 'another site'} may not change anything here; the gateway's operator can allow its origin with allowedOrigins`,
    );
  };
  // A callback hook, not an async one: no promise per request for a check that never waits.
  app.addHook('onRequest', (request, _reply, done) => done(refusal(request)));
}
