// Reading one cookie of a request, by hand (two cookies in all: the browser's session and a
// share link's unlock token; no cookie library needed). Values are used as sent: the gateway
// only sets values that need no encoding (random ids, base64url tokens).
import type { FastifyRequest } from 'fastify';

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
