// PROPPATCH, answered by the gateway: instructions applied in document order and all or
// nothing (RFC 4918 section 9.2). Properties in DAV: are live, computed from FTP, and
// protected; every other property is dead and kept in the gateway's property store.
import type { ServerResponse } from 'node:http';
import { GatewayError } from '../../core/errors.js';
import type { DavShared } from '../shared.js';
import { hrefOf, type DavTarget } from '../dav-path.js';
import type { StoredProperty } from '../property-store.js';
import type { RequestState } from '../request-state.js';
import { DavError, sendXml } from '../respond.js';
import { clark, DAV, elementsOf, emptyElement, escapeXml, isDav, parseXml, serialize } from '../xml.js';

export interface ProppatchRequest {
  shared: DavShared;
  state: RequestState;
  target: DavTarget;
  res: ServerResponse;
  body: Buffer;
}

export async function handleProppatch({ shared, state, target, res, body }: ProppatchRequest): Promise<void> {
  let root;
  try {
    root = parseXml(body.toString('utf8'));
  } catch {
    throw new DavError(400);
  }
  if (!isDav(root, 'propertyupdate')) throw new DavError(400);
  if (target.site === undefined) throw new DavError(403);
  let isDir = true;
  if (!target.path.isRoot) {
    const entry = await state.find(target.site, target.path);
    if (!entry) throw new GatewayError('not_found', `${target.path} does not exist`);
    isDir = entry.type === 'directory';
  }

  const bag = new Map<string, StoredProperty>(shared.props.bag(target, false) ?? []);
  const results: Array<{ name: string; ok: boolean }> = [];
  for (const instruction of elementsOf(root)) {
    const set = isDav(instruction, 'set');
    if (!set && !isDav(instruction, 'remove')) continue;
    for (const prop of elementsOf(instruction).filter((e) => isDav(e, 'prop'))) {
      for (const el of elementsOf(prop)) {
        const name = emptyElement(el.ns, el.local);
        if (el.ns === DAV) {
          results.push({ name, ok: false });
          continue;
        }
        if (set) bag.set(clark(el.ns, el.local), { ns: el.ns, local: el.local, xml: serialize(el) });
        else bag.delete(clark(el.ns, el.local));
        results.push({ name, ok: true });
      }
    }
  }
  const failed = results.some((r) => !r.ok);
  if (!failed) shared.props.replace(target, bag);

  const groups = new Map<string, string[]>();
  for (const r of results) {
    const status = r.ok ? (failed ? '424 Failed Dependency' : '200 OK') : '403 Forbidden';
    groups.set(status, [...(groups.get(status) ?? []), r.name]);
  }
  const propstats = [...groups]
    .map(([status, names]) => `<D:propstat><D:prop>${names.join('')}</D:prop><D:status>HTTP/1.1 ${status}</D:status></D:propstat>`)
    .join('');
  const xml =
    `<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:"><D:response>` +
    `<D:href>${escapeXml(hrefOf(target, isDir))}</D:href>${propstats}</D:response></D:multistatus>`;
  sendXml(res, 207, xml);
}
