// Where a WebDAV URL points: the site list (/dav/), or a path inside one site.
import { GatewayError } from '../core/errors.js';
import { RemotePath } from '../core/paths.js';

export const DAV_PREFIX = '/dav';

export interface DavTarget {
  /** undefined for /dav/ itself, the folder listing the sites. */
  site?: string;
  path: RemotePath;
}

/** From a URL path (still percent-encoded), such as the request's or a Destination's. */
export function davTargetOf(encodedPath: string): DavTarget {
  const pathname = encodedPath.split('?')[0]!;
  if (pathname !== DAV_PREFIX && !pathname.startsWith(DAV_PREFIX + '/')) {
    throw new GatewayError('bad_path', `${pathname} is not under ${DAV_PREFIX}/`);
  }
  const all = RemotePath.fromUrl(pathname.slice(DAV_PREFIX.length));
  if (all.isRoot) return { path: RemotePath.root };
  return { site: all.segments[0]!, path: RemotePath.of(all.segments.slice(1)) };
}

/** From an absolute URL or an absolute path (Destination, If header tags). */
export function davTargetOfUrl(url: string): DavTarget {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(url.trim());
  return davTargetOf(m ? (m[1] ?? '/') : url.trim());
}

/** The URL path of a target, percent-encoded, with a trailing slash for collections. */
export function hrefOf(t: DavTarget, collection = false): string {
  if (t.site === undefined) return DAV_PREFIX + '/';
  const base = `${DAV_PREFIX}/${encodeURIComponent(t.site)}${t.path.isRoot ? '' : t.path.toUrl()}`;
  return collection || t.path.isRoot ? base + '/' : base;
}

/** True when `inner` is `outer` or lies below it (same site). */
export function targetWithin(inner: DavTarget, outer: DavTarget): boolean {
  if (outer.site === undefined) return true;
  return inner.site === outer.site && inner.path.within(outer.path);
}
