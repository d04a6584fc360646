// What a request is about, as the front that serves it declares it: the sites it acts on (its
// own, a copy's target, a WebDAV Destination) and whether it changes each, a password it
// presents in its body (a sign-in form), and whether it moves file content. The toolkit's
// login guard, access check and metrics read this instead of parsing any front's URLs.
// A route declares its surface in its config (`config: { surface }`); a whole front declares
// one for all its routes with `declareSurface` in its own scope.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Credentials } from '../core/types.js';

export interface SiteUse {
  site: string;
  /** Does the request change this site? */
  write: boolean;
}

export interface Surface {
  /** The sites the request acts on. Default: the route's `:site` parameter, changed by any unsafe method. */
  sites?(request: FastifyRequest): SiteUse[];
  /** A password the request presents in its body, for a site: checked and counted like a Basic header. */
  signIn?(request: FastifyRequest): (Credentials & { site: string }) | undefined;
  /** The route moves file content (GET out; PUT and POST in): counted per site in /metrics. */
  transfer?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    surface?: Surface;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Does this method change what it names, when the front says nothing else? */
export function unsafe(method: string): boolean {
  return !SAFE_METHODS.has(method);
}

export function surfaceOf(request: FastifyRequest): Surface {
  return request.routeOptions.config?.surface ?? {};
}

/** The route's own site: its `:site` parameter, as the router decoded it. */
function ownSite(request: FastifyRequest): string | undefined {
  const site = (request.params as { site?: unknown } | undefined)?.site;
  return typeof site === 'string' && site !== '' ? site : undefined;
}

/** Every site the request acts on, once each (changed if any use changes it). */
export function sitesOf(request: FastifyRequest): SiteUse[] {
  const surface = surfaceOf(request);
  let uses: SiteUse[];
  if (surface.sites) uses = surface.sites(request);
  else {
    const own = ownSite(request);
    uses = own === undefined ? [] : [{ site: own, write: unsafe(request.method) }];
  }
  const signIn = surface.signIn?.(request);
  if (signIn) uses.push({ site: signIn.site, write: false });
  const merged = new Map<string, boolean>();
  for (const { site, write } of uses) if (site !== '') merged.set(site, (merged.get(site) ?? false) || write);
  return [...merged].map(([site, write]) => ({ site, write }));
}

/** Give every route this scope registers from now on the same surface (unless a route has its own). */
export function declareSurface(scope: FastifyInstance, surface: Surface): void {
  scope.addHook('onRoute', (route) => {
    if (route.config?.surface === undefined) route.config = { ...route.config, surface };
  });
}
