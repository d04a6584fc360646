// The one cookie the gateway sets, read and written by hand (no cookie library needed).
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'ftpgate_session';

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/** HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; Secure under HTTPS. */
export function sessionCookie(request: FastifyRequest, value: string | undefined): string {
  const parts = [`${SESSION_COOKIE}=${value ?? ''}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (value === undefined) parts.push('Max-Age=0');
  if (request.protocol === 'https') parts.push('Secure');
  return parts.join('; ');
}
