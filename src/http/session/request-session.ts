// How a signed-in browser's login reaches accessFor, and the cross-site request defence
// that goes with it: a cookie is sent by the browser on its own, so any request that
// changes something with cookie credentials must also carry a header no plain
// cross-site form or link can add.
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../../core/errors.js';
import type { Credentials } from '../../core/types.js';
import { readCookie, SESSION_COOKIE } from './session-cookie.js';
import type { SessionStore } from './session-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the browser plugin; absent when the app runs without it. */
    sessionStore?: SessionStore;
  }
}

const CSRF_HEADER = 'x-requested-with';
const CSRF_VALUE = 'ftpgate';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND']);

export function fromPage(request: FastifyRequest): boolean {
  return request.headers[CSRF_HEADER] === CSRF_VALUE;
}

export function requirePageHeader(request: FastifyRequest): void {
  if (!fromPage(request)) {
    throw new GatewayError('forbidden', `this request must carry the header "X-Requested-With: ${CSRF_VALUE}" (cross-site request defence)`);
  }
}

/** The signed-in browser's login for this site, if any. */
export function sessionCredentials(request: FastifyRequest, site: string): Credentials | undefined {
  const creds = request.sessionStore?.credentials(readCookie(request, SESSION_COOKIE), site);
  if (creds && !SAFE_METHODS.has(request.method)) requirePageHeader(request);
  return creds;
}
