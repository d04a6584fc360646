// PROPFIND, answered by the gateway: live properties from one FTP listing (the folder's own,
// for Depth 1), dead properties from the property store, locks from the lock store.
// Depth infinity is refused before we get here (403 propfind-finite-depth).
import type { ServerResponse } from 'node:http';
import mime from 'mime-types';
import { GatewayError } from '../../core/errors.js';
import type { RemotePath } from '../../core/paths.js';
import type { Entry } from '../../core/types.js';
import { etagOf } from '../../http/conditional.js';
import { sameEntry, stillShows } from '../../http/answer-cache.js';
import { PropertyStore, type PropertyBag } from '../property-store.js';
import type { DavShared, MembersAnswer } from '../shared.js';
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

function responseFor(shared: DavShared, target: DavTarget, entry: Entry, wanted: Wanted): string {
  return buildResponse(shared, target, entry, wanted, shared.props.bag(target, false) ?? new Map());
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
 * request (shared.answers), and given again, whole or member by member, as long as nothing
 * a member's response shows can have changed:
 * - its listing entry has the same fields with the same values (a listing that is still
 *   cached hands out the very same objects; one listed again after it expired, equal ones;
 *   after a write through the gateway the file's size, time or journal generation differs);
 * - its dead properties are the same bag (bags are replaced, never changed in place; a
 *   reload from the shared state makes new ones);
 * - no lock covers it, now nor when it was built (lockdiscovery shows a timeout that counts
 *   down: such responses are built each time).
 * Everything else in a response (href, name, content type) comes from the folder's path, the
 * entry and the request's property names, which are the key.
 */
function membersOf(shared: DavShared, site: string, folder: RemotePath, children: readonly Entry[], wanted: Wanted): Buffer {
  const key = JSON.stringify([site, folder.segments, wanted]);
  const kept = shared.answers.get(key);
  const locked = shared.locks.touching({ site, path: folder });
  if (kept && !locked && wholeStillShows(kept, children, shared.props)) return kept.bytes;

  const byName = kept && new Map(kept.entries.map((e, i) => [e.name, i]));
  const n = children.length;
  const keys: string[] = [];
  const bags: Array<PropertyBag | undefined> = [];
  const ends = new Uint32Array(n);
  const reusable = new Uint8Array(n);
  const pieces: Buffer[] = [];
  let length = 0;
  for (let i = 0; i < n; i++) {
    const child = children[i]!;
    const target = { site, path: folder.child(child.name) };
    const propKey = PropertyStore.keyOf(site, target.path);
    const bag = shared.props.bagAt(propKey);
    const covered = locked && shared.locks.covering(target).length > 0;
    const j = byName?.get(child.name);
    let piece: Buffer;
    if (kept && j !== undefined && !covered && kept.reusable[j] === 1 && kept.bags[j] === bag && sameEntry(kept.entries[j]!, child)) {
      piece = kept.bytes.subarray(j === 0 ? 0 : kept.ends[j - 1], kept.ends[j]);
    } else {
      piece = Buffer.from(responseFor(shared, target, child, wanted), 'utf8');
    }
    keys.push(propKey);
    bags.push(bag);
    reusable[i] = covered ? 0 : 1;
    pieces.push(piece);
    length += piece.length;
    ends[i] = length;
  }
  const xml = Buffer.concat(pieces, length);
  shared.answers.set(key, { entries: children.slice(), keys, bags, ends, reusable, bytes: xml });
  return xml;
}

/** May the kept answer go out whole? (No lock touches the folder: the caller checked.) */
function wholeStillShows(kept: MembersAnswer, children: readonly Entry[], props: PropertyStore): boolean {
  return stillShows(kept, children, (i) => kept.reusable[i] === 1 && props.bagAt(kept.keys[i]!) === kept.bags[i]);
}
