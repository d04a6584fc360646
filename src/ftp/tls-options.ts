// The TLS options of a site's connections (login sessions, greetings, `ftpgate check`): one
// place, so the three connection paths cannot verify the server differently.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { SiteConfig } from '../config/schema.js';

const caCache = new Map<string, string>();
function readCa(file: string): string {
  let ca = caCache.get(file);
  if (ca === undefined) caCache.set(file, (ca = readFileSync(file, 'utf8')));
  return ca;
}

/** Verify as configured; SNI with a host name (never an IP address); the site's own CA file if set. */
export function tlsOptions(site: Pick<SiteConfig, 'host' | 'rejectUnauthorized' | 'caFile'>): ConnectionOptions {
  return {
    rejectUnauthorized: site.rejectUnauthorized,
    ...(isIP(site.host) ? {} : { servername: site.host }),
    ...(site.caFile ? { ca: readCa(site.caFile) } : {}),
  };
}
