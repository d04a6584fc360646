// The one cookie the gateway sets, read and written by hand (no cookie library needed).
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'ftpgate_session';

export { readCookie } from '../cookies.js';

/** HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; Secure under HTTPS. */
export function sessionCookie(request: FastifyRequest, value: string | undefined): string {
  const parts = [`${SESSION_COOKIE}=${value ?? ''}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (value === undefined) parts.push('Max-Age=0');
  if (request.protocol === 'https') parts.push('Secure');
  return parts.join('; ');
}
