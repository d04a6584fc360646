// What the WebDAV front tells the shared HTTP toolkit about a request (src/http/surface.ts):
// the site of its URL, changed by the methods that change what they name, and the site of its
// Destination (the same reading the front acts on), changed by COPY and MOVE. Every /dav route
// moves file content for /metrics' transfer counts (GET out, PUT in).
import type { FastifyRequest } from 'fastify';
import type { SiteUse, Surface } from '../http/surface.js';
import { WRITE_METHODS } from './auth.js';
import { davTargetOf } from './dav-path.js';
import { destinationSite } from './destination.js';

function urlSite(request: FastifyRequest): string | undefined {
  try {
    return davTargetOf(request.raw.url ?? '/').site;
  } catch {
    return undefined; // not a path the front would serve: it answers 400 itself
  }
}

export const davSurface: Surface = {
  sites(request: FastifyRequest): SiteUse[] {
    const uses: SiteUse[] = [];
    const own = urlSite(request);
    if (own !== undefined) uses.push({ site: own, write: WRITE_METHODS.has(request.method) });
    if (request.headers.destination !== undefined) {
      const to = destinationSite(request.raw);
      if (to !== undefined) uses.push({ site: to, write: request.method === 'COPY' || request.method === 'MOVE' });
    }
    return uses;
  },
  transfer: true,
};
