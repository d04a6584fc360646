// HTTP Basic credentials, parsed by hand: the password may contain ":" and any UTF-8.
import type { FastifyRequest } from 'fastify';
import type { Access, Credentials } from '../core/types.js';
import type { RemoteFs } from '../core/remote-fs.js';
import { GatewayError } from '../core/errors.js';
import { sessionCredentials } from './browser/request-session.js';

export function parseBasic(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) throw new GatewayError('unauthorized', 'the Authorization header is not HTTP Basic');
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) throw new GatewayError('unauthorized', 'the Basic credentials have no ":"');
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * Resolve which FTP login serves this request on this site. For pass-through sites an
 * Authorization header wins; without one, a signed-in browser session's login is used.
 */
export function accessFor(fs: RemoteFs, request: FastifyRequest, siteName: string): Access {
  const site = fs.site(siteName);
  const supplied =
    site.credentials === 'pass-through'
      ? (parseBasic(request.headers.authorization) ?? sessionCredentials(request, siteName))
      : undefined;
  return fs.access(siteName, supplied);
}
