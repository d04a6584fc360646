// PROPFIND, answered by the gateway: live properties from one FTP listing (the folder's own,
// for Depth 1), dead properties from the property store, locks from the lock store.
// Depth infinity is refused before we get here (403 propfind-finite-depth).
import type { ServerResponse } from 'node:http';
import mime from 'mime-types';
import { GatewayError } from '../../core/errors.js';
import type { RemotePath } from '../../core/paths.js';
import type { Entry } from '../../core/types.js';
import { etagOf } from '../../http/conditional.js';
import type { MembersAnswer } from '../answer-cache.js';
import { PropertyStore, type PropertyBag } from '../property-store.js';
import type { DavShared } from '../shared.js';
import { hrefOf, type DavTarget } from '../dav-path.js';
import { activeLockXml } from './lock.js';
import type { RequestState } from '../request-state.js';
import { DavError, sendXml } from '../respond.js';
import { clark, DAV, elementsOf, emptyElement, escapeXml, isDav, parseXml } from '../xml.js';

type Wanted = { kind: 'allprop' } | { kind: 'propname' } | { kind: 'prop'; names: Array<{ ns: string; local: string }> };

function parseRequest(body: Buffer): Wanted {
  if (body.length === 0) return { kind: 'allprop' };
  let root;
  try {
    root = parseXml(body.toString('utf8'));
  } catch {
    throw new DavError(400);
  }
  if (!isDav(root, 'propfind')) throw new DavError(400);
  for (const child of elementsOf(root)) {
    if (isDav(child, 'allprop')) return { kind: 'allprop' };
    if (isDav(child, 'propname')) return { kind: 'propname' };
    if (isDav(child, 'prop')) return { kind: 'prop', names: elementsOf(child).map((e) => ({ ns: e.ns, local: e.local })) };
  }
  throw new DavError(400);
}

const SUPPORTED_LOCK =
  '<D:supportedlock>' +
  '<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>' +
  '<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>' +
  '</D:supportedlock>';

/** Live properties of a resource, by local name in DAV:, as XML elements. */
function liveProperties(shared: DavShared, target: DavTarget, entry: Entry): Map<string, string> {
  const props = new Map<string, string>();
  const dir = entry.type === 'directory';
  const name = target.site === undefined ? '' : target.path.isRoot ? target.site : target.path.name;
  props.set('resourcetype', dir ? '<D:resourcetype><D:collection/></D:resourcetype>' : '<D:resourcetype/>');
  props.set('displayname', `<D:displayname>${escapeXml(name)}</D:displayname>`);
  if (entry.modified) props.set('getlastmodified', `<D:getlastmodified>${entry.modified.toUTCString()}</D:getlastmodified>`);
  if (!dir) {
    props.set('getcontentlength', `<D:getcontentlength>${entry.size}</D:getcontentlength>`);
    props.set('getcontenttype', `<D:getcontenttype>${escapeXml(mime.lookup(name) || 'application/octet-stream')}</D:getcontenttype>`);
    props.set('getetag', `<D:getetag>${escapeXml(etagOf(entry))}</D:getetag>`);
  }
  props.set('supportedlock', SUPPORTED_LOCK);
  const locks = target.site === undefined ? [] : shared.locks.covering(target);
  props.set('lockdiscovery', `<D:lockdiscovery>${locks.map((l) => activeLockXml(l)).join('')}</D:lockdiscovery>`);
  return props;
}

function propstat(inner: string, status: string): string {
  return `<D:propstat><D:prop>${inner}</D:prop><D:status>HTTP/1.1 ${status}</D:status></D:propstat>`;
}

/**
 * allprop answers for entries without locks or dead properties, by listing entry: a cached
 * listing hands out the same Entry objects until it expires, so each entry's XML is built once
 * per cached listing (a new listing has new objects, and the old ones go with it).
 */
const plainAllprop = new WeakMap<Entry, { key: string; xml: string }>();

function responseFor(shared: DavShared, target: DavTarget, entry: Entry, wanted: Wanted): string {
  const dead = shared.props.bag(target, false) ?? new Map();
  const plain = wanted.kind === 'allprop' && target.site !== undefined && dead.size === 0 && shared.locks.covering(target).length === 0;
  const key = plain ? `${target.site}\0${target.path}` : '';
  if (plain) {
    const hit = plainAllprop.get(entry);
    if (hit?.key === key) return hit.xml;
  }
  const xml = buildResponse(shared, target, entry, wanted, dead);
  if (plain) plainAllprop.set(entry, { key, xml });
  return xml;
}

function buildResponse(shared: DavShared, target: DavTarget, entry: Entry, wanted: Wanted, dead: Map<string, { xml: string; ns: string; local: string }>): string {
  const live = liveProperties(shared, target, entry);
  const found: string[] = [];
  const missing: string[] = [];
  if (wanted.kind === 'allprop') {
    found.push(...live.values(), ...[...dead.values()].map((p) => p.xml));
  } else if (wanted.kind === 'propname') {
    found.push(...[...live.keys()].map((k) => `<D:${k}/>`), ...[...dead.values()].map((p) => emptyElement(p.ns, p.local)));
  } else {
    for (const { ns, local } of wanted.names) {
      const value = ns === DAV ? live.get(local) : undefined;
      const deadValue = dead.get(clark(ns, local));
      if (value) found.push(value);
      else if (deadValue) found.push(deadValue.xml);
      else missing.push(emptyElement(ns, local));
    }
  }
  let xml = `<D:response><D:href>${escapeXml(hrefOf(target, entry.type === 'directory'))}</D:href>`;
  if (found.length > 0 || missing.length === 0) xml += propstat(found.join(''), '200 OK');
  if (missing.length > 0) xml += propstat(missing.join(''), '404 Not Found');
  return xml + '</D:response>';
}

export interface PropfindRequest {
  shared: DavShared;
  state: RequestState;
  target: DavTarget;
  res: ServerResponse;
  body: Buffer;
  depth: 0 | 1;
}

export async function handlePropfind({ shared, state, target, res, body, depth }: PropfindRequest): Promise<void> {
  const wanted = parseRequest(body);
  const dirEntry = (name: string): Entry => ({ name, type: 'directory', size: 0 });
  let entry: Entry | undefined;
  if (target.site === undefined || target.path.isRoot) entry = dirEntry(target.site ?? '');
  else entry = depth === 0 ? await state.describe(target.site, target.path) : await state.find(target.site, target.path);
  if (!entry) throw new GatewayError('not_found', `${target.path} does not exist`);

  let head = `<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">${responseFor(shared, target, entry, wanted)}`;
  let members: Buffer | undefined;
  if (depth === 1 && entry.type === 'directory') {
    if (target.site === undefined) {
      for (const site of shared.fs.listSites()) head += responseFor(shared, { site: site.name, path: target.path }, dirEntry(site.name), wanted);
    } else {
      members = membersOf(shared, target.site, target.path, await state.list(target.site, target.path), wanted);
    }
  }
  sendXml(res, 207, members ? [head, members, MULTISTATUS_END] : head + MULTISTATUS_END);
}

const MULTISTATUS_END = '</D:multistatus>';

/**
 * The members' <D:response> elements of a folder, as UTF-8. Kept per folder and kind of
 * request (shared.answers) and given again as long as nothing they show can have changed:
 * - the listing hands out the very same entries in the same order (a listing is cached as
 *   one set of objects; a new one, after a change through the gateway or when the cache
 *   expires, brings new objects, and with them the journal's generations in the ETags);
 * - each member's dead properties are the same bag (bags are replaced, never changed in
 *   place; a reload from the shared state makes new ones);
 * - no lock is on the folder, under it or on an ancestor, now nor when they were built
 *   (lockdiscovery shows a timeout that counts down: such answers are built each time).
 * Everything else in them (href, name, type, size, time, ETag, content type) comes from the
 * folder's path, the entries and the request's property names, which are the key.
 */
function membersOf(shared: DavShared, site: string, folder: RemotePath, children: readonly Entry[], wanted: Wanted): Buffer {
  const keep = !shared.locks.touching({ site, path: folder });
  const key = JSON.stringify([site, folder.segments, wanted]);
  if (keep) {
    const kept = shared.answers.get(key);
    if (kept && stillShows(kept, children, shared.props)) return kept.xml;
  }
  const keys: string[] = [];
  const bags: Array<PropertyBag | undefined> = [];
  const parts: string[] = [];
  for (const child of children) {
    const target = { site, path: folder.child(child.name) };
    const propKey = PropertyStore.keyOf(site, target.path);
    keys.push(propKey);
    bags.push(shared.props.bagAt(propKey));
    parts.push(responseFor(shared, target, child, wanted));
  }
  const xml = Buffer.from(parts.join(''), 'utf8');
  if (keep) shared.answers.set(key, { entries: children.slice(), keys, bags, xml });
  else shared.answers.delete(key);
  return xml;
}

function stillShows(kept: MembersAnswer, children: readonly Entry[], props: PropertyStore): boolean {
  if (kept.entries.length !== children.length) return false;
  for (let i = 0; i < children.length; i++) {
    if (kept.entries[i] !== children[i] || props.bagAt(kept.keys[i]!) !== kept.bags[i]) return false;
  }
  return true;
}
