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

export function targetKey(t: DavTarget): string {
  return `${t.site ?? ''}\n${t.path.toString()}`;
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

/**
 * webdav-server turns every "\" of a path into "/" (even a decoded %5C), so a name holding one
 * would reach the file system as two. Names travel to the engine with "\" and the escape
 * character itself replaced by private-use escapes, and come back exact (filesystem.ts).
 */
const ESCAPE = '\uE000';
export function toEngineSegment(segment: string): string {
  return segment.replace(/[\uE000\\]/g, (c) => (c === ESCAPE ? ESCAPE + 'e' : ESCAPE + 'b'));
}
export function fromEngineSegment(segment: string): string {
  return segment.replace(/\uE000([eb])/g, (_m, k: string) => (k === 'e' ? ESCAPE : '\\'));
}

/** The URL path the engine is given for a target (relative to /dav), escaped as above. */
export function engineUrlOf(t: DavTarget): string {
  if (t.site === undefined) return '/';
  return '/' + [t.site, ...t.path.segments].map((s) => encodeURIComponent(toEngineSegment(s))).join('/');
}
