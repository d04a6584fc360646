// The lock tokens a request presents. Locks are taken through a front that has them (WebDAV's
// LOCK) but bind every front, so a REST write must present its tokens too; how they are read
// (WebDAV's If and Lock-Token headers) belongs to the front that knows the grammar. The wiring
// hands the toolkit that reader once (provideLockTokens), with no global: a decoration of the app.
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Reads a request's tokens from its headers; throws a GatewayError (400) for a malformed header. */
export type LockTokenReader = (headers: IncomingHttpHeaders) => ReadonlySet<string>;

declare module 'fastify' {
  interface FastifyInstance {
    lockTokenReader?: LockTokenReader;
  }
}

/** Call on the root instance, before the routes: every front's accessFor then reads tokens this way. */
export function provideLockTokens(app: FastifyInstance, reader: LockTokenReader): void {
  app.decorate('lockTokenReader', reader);
}

const NONE: ReadonlySet<string> = new Set();

export function lockTokensOf(request: FastifyRequest): ReadonlySet<string> {
  return request.server.lockTokenReader?.(request.headers) ?? NONE;
}
