// LOCK and UNLOCK over the gateway's own lock store (locks are tied to tokens, not users).
// A LOCK on an unmapped URL creates an empty file (RFC 4918 section 7.3).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { DavShared } from '../shared.js';
import { hrefOf, type DavTarget } from '../dav-path.js';
import type { Preconditions } from '../lock-guard.js';
import { LockStore, parseTimeout, type DavLock, type LockScope } from '../lock-store.js';
import type { RequestState } from '../request-state.js';
import { DavError, sendStatus, sendXml } from '../respond.js';
import { elementsOf, errorBody, escapeXml, isDav, parseXml, serialize } from '../xml.js';

export function activeLockXml(lock: DavLock, collection = false): string {
  return (
    '<D:activelock>' +
    `<D:locktype><D:write/></D:locktype><D:lockscope><D:${lock.scope}/></D:lockscope>` +
    `<D:depth>${lock.depth === 0 ? '0' : 'infinity'}</D:depth>` +
    lock.ownerXml +
    `<D:timeout>Second-${LockStore.secondsLeft(lock)}</D:timeout>` +
    `<D:locktoken><D:href>${escapeXml(lock.token)}</D:href></D:locktoken>` +
    `<D:lockroot><D:href>${escapeXml(hrefOf(lock.root, collection))}</D:href></D:lockroot>` +
    '</D:activelock>'
  );
}

function lockDiscovery(lock: DavLock, collection: boolean): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLockXml(lock, collection)}</D:lockdiscovery></D:prop>`;
}

interface LockInfo {
  scope: LockScope;
  ownerXml: string;
}

function parseLockInfo(body: Buffer): LockInfo {
  const text = body.toString('utf8');
  let scope: LockScope | undefined;
  let write = false;
  let owner = '';
  try {
    const root = parseXml(text);
    if (!isDav(root, 'lockinfo')) throw new Error('not a lockinfo');
    for (const child of elementsOf(root)) {
      const inner = elementsOf(child)[0];
      if (isDav(child, 'lockscope') && inner) scope = isDav(inner, 'exclusive') ? 'exclusive' : isDav(inner, 'shared') ? 'shared' : undefined;
      if (isDav(child, 'locktype') && inner) write = isDav(inner, 'write');
      // Echoed back as sent, namespaces made explicit so it means the same inside our answers.
      if (isDav(child, 'owner')) owner = serialize(child);
    }
  } catch {
    throw new DavError(400);
  }
  if (!scope || !write) throw new DavError(400);
  return { scope, ownerXml: owner };
}

export interface LockRequest {
  shared: DavShared;
  state: RequestState;
  target: DavTarget;
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  pre: Preconditions;
}

export async function handleLock({ shared, state, target, req, res, body, pre }: LockRequest): Promise<void> {
  if (target.site === undefined) throw new DavError(403);
  const timeout = parseTimeout(req.headers.timeout as string | undefined);

  if (body.length === 0) {
    // A refresh: the lock is named by the If header and must apply to this resource.
    if (!pre.lists) throw new DavError(400);
    const lock = [...pre.submitted].map((t) => shared.locks.get(t)).find((l) => l && shared.locks.covering(target).includes(l));
    if (!lock) throw new DavError(412, errorBody('lock-token-matches-request-uri'));
    shared.locks.refresh(lock, timeout);
    const entry = await state.find(target.site, target.path);
    sendXml(res, 200, lockDiscovery(lock, entry?.type === 'directory'));
    return;
  }

  const info = parseLockInfo(body);
  const depthHeader = String(req.headers.depth ?? 'infinity').toLowerCase();
  if (depthHeader !== '0' && depthHeader !== 'infinity') throw new DavError(400);
  const depth = depthHeader === '0' ? 0 : 'infinity';

  const conflicts = shared.locks.conflicts(target, info.scope, depth);
  if (conflicts.length > 0) {
    throw new DavError(423, errorBody('no-conflicting-lock', [...new Set(conflicts.map((l) => hrefOf(l.root)))]));
  }

  let entry = await state.find(target.site, target.path);
  let status = 200;
  if (!entry) {
    await shared.fs.write(state.access(target.site), target.path, Readable.from([]), { overwrite: false });
    state.forget();
    entry = { name: target.path.name, type: 'file', size: 0 };
    status = 201;
  }
  const lock = shared.locks.create(target, info.scope, depth, info.ownerXml, timeout);
  sendXml(res, status, lockDiscovery(lock, entry.type === 'directory'), { 'lock-token': `<${lock.token}>` });
}

export function handleUnlock({ shared, target, req, res }: Omit<LockRequest, 'body' | 'pre' | 'state'>): void {
  const header = req.headers['lock-token'];
  const token = typeof header === 'string' ? /^\s*<([^>]+)>\s*$/.exec(header)?.[1] : undefined;
  if (!token) throw new DavError(400);
  const lock = shared.locks.get(token);
  if (!lock || !shared.locks.covering(target).includes(lock)) {
    throw new DavError(409, errorBody('lock-token-matches-request-uri'));
  }
  shared.locks.remove(token);
  sendStatus(res, 204);
}
