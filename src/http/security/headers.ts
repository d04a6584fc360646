// Security headers on every response (helmet), with one source of truth for the page's
// Content-Security-Policy: PAGE_CSP in page-headers.ts, which the page routes
// also set themselves. File contents (REST downloads, WebDAV GET) get a sandboxing policy
// instead, so that a file never runs as a page of the gateway's origin, even when a browser
// is made to render it. HSTS only on HTTPS (direct TLS, or a trusted proxy saying so).
//
// helmet itself, not its Fastify plugin: @fastify/helmet builds helmet's middleware again for
// every request (its options and CSP directives parsed each time, in two hooks, one of them
// async); here it is built once and applied in one synchronous hook with the rest.
import helmet from 'helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PAGE_CSP } from './page-headers.js';

/**
 * For file contents: no script, no plugin, an opaque origin (sandbox), styles and media of its
 * own only; the page's previews may frame it (PDF), no one else.
 */
export const FILE_CSP = [
  "default-src 'none'",
  "img-src 'self' data:",
  "media-src 'self'",
  "style-src 'unsafe-inline'",
  "frame-ancestors 'self'",
  'sandbox',
].join('; ');

const HSTS = 'max-age=31536000; includeSubDomains';

/** "a 'b'; c d" → { a: ["'b'"], c: ["d"] }, as helmet wants directives. */
export function cspDirectives(policy: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out[name] = values;
  }
  return out;
}

/** Requests whose answer is a file's bytes. */
function isFileContent(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = (request.raw.url ?? '/').split('?')[0]!;
  return /^\/api\/v1\/sites\/[^/]+\/(files|zip)\//.test(path) || /^\/dav\/[^/]+\/./.test(path);
}

export function registerSecurityHeaders(app: FastifyInstance): void {
  const helmetHeaders = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(PAGE_CSP) },
    // The page's own choices (security-headers.ts), for every response.
    referrerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
    // Sent below, and only over HTTPS: over plain HTTP it would be ignored or, behind a
    // proxy that is not trusted, wrong.
    strictTransportSecurity: false,
  });
  const noop = () => {};
  app.addHook('onRequest', (request, reply, done) => {
    const raw = reply.raw;
    helmetHeaders(request.raw, raw, noop); // synchronous: it only sets (and removes) headers
    if (isFileContent(request)) {
      raw.setHeader('content-security-policy', FILE_CSP);
      raw.setHeader('x-frame-options', 'SAMEORIGIN');
    }
    if (request.protocol === 'https') raw.setHeader('strict-transport-security', HSTS);
    // An answer to a signed-in request is that user's: no shared cache may keep it (routes
    // that choose their own Cache-Control still do).
    if (request.headers.authorization || request.headers.cookie) raw.setHeader('cache-control', 'private');
    done();
  });
}
