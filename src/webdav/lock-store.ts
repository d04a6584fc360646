// Locks kept by the gateway: FTP has no locks. They are tied to URLs (site + path), enforced
// by token for every user (holding a lock is not enough: its token must be submitted,
// RFC 4918 section 6), and expire on their timeout.
//
// The store answers synchronously from a local view of a StateStore map (memory, or Redis
// shared by every gateway instance): sync() brings the view up to date before a request, and
// changes are recorded and written back by flush() before the request's response leaves
// (see state-sync.ts), so a lock taken through one instance binds all of them.
import { randomUUID } from 'node:crypto';
import { RemotePath } from '../core/paths.js';
import { MemoryState } from '../state/memory.js';
import type { StateStore } from '../state/state.js';
import { targetWithin, type DavTarget } from './dav-path.js';
import { SyncedStore } from './synced-store.js';

export type LockScope = 'exclusive' | 'shared';

export interface DavLock {
  token: string;
  root: DavTarget;
  scope: LockScope;
  depth: 0 | 'infinity';
  /** The client's <owner> element, as XML, echoed back verbatim. */
  ownerXml: string;
  timeoutSeconds: number;
  expiresAt: number;
}

const DEFAULT_LOCK_SECONDS = 3600;
const MAX_LOCK_SECONDS = 7 * 24 * 3600;

/** RFC 4918 section 10.7: "Second-N" or "Infinite", several allowed; we take the first we understand. */
export function parseTimeout(header: string | undefined): number {
  if (!header) return DEFAULT_LOCK_SECONDS;
  for (const part of header.split(',')) {
    const t = part.trim();
    if (/^infinite$/i.test(t)) return MAX_LOCK_SECONDS;
    const m = /^second-(\d+)$/i.exec(t);
    if (m) return Math.max(1, Math.min(Number(m[1]), MAX_LOCK_SECONDS));
  }
  return DEFAULT_LOCK_SECONDS;
}

const MAP = 'dav:locks';

interface StoredLock extends Omit<DavLock, 'root'> {
  root: { site?: string; path: string[] };
}

function encode(lock: DavLock): string {
  const stored: StoredLock = { ...lock, root: { site: lock.root.site, path: [...lock.root.path.segments] } };
  return JSON.stringify(stored);
}

function decode(text: string): DavLock | undefined {
  try {
    const s = JSON.parse(text) as StoredLock;
    const root: DavTarget = { path: RemotePath.of(s.root.path) };
    if (s.root.site !== undefined) root.site = s.root.site;
    return { ...s, root };
  } catch {
    return undefined; // unreadable: ignored (and it expires with nobody able to use it)
  }
}

export class LockStore extends SyncedStore<DavLock> {
  constructor(state: StateStore = new MemoryState()) {
    super(state, MAP, { encode, decode });
  }

  private live(): DavLock[] {
    const now = Date.now();
    const out: DavLock[] = [];
    for (const lock of [...this.map.values()]) {
      if (lock.expiresAt <= now) this.map.delete(lock.token);
      else out.push(lock);
    }
    return out;
  }

  get(token: string): DavLock | undefined {
    const lock = this.map.get(token);
    if (lock && lock.expiresAt <= Date.now()) {
      this.map.delete(token);
      return undefined;
    }
    return lock;
  }

  /** Locks that apply to a resource: rooted on it, or on an ancestor with Depth infinity. */
  covering(target: DavTarget): DavLock[] {
    return this.live().filter((l) => {
      if (!targetWithin(target, l.root)) return false;
      return l.depth === 'infinity' || l.root.path.segments.length === target.path.segments.length;
    });
  }

  /** Locks rooted on the resource or anywhere below it. */
  within(target: DavTarget): DavLock[] {
    return this.live().filter((l) => targetWithin(l.root, target));
  }

  /** Is any lock rooted on the resource, below it, or on one of its ancestors (whatever its depth)? */
  touching(target: DavTarget): boolean {
    return this.live().some((l) => targetWithin(l.root, target) || targetWithin(target, l.root));
  }

  /** Would a new lock of this scope and depth on this target conflict with existing ones? */
  conflicts(target: DavTarget, scope: LockScope, depth: 0 | 'infinity'): DavLock[] {
    const candidates = new Set([...this.covering(target), ...(depth === 'infinity' ? this.within(target) : [])]);
    return [...candidates].filter((l) => scope === 'exclusive' || l.scope === 'exclusive');
  }

  create(root: DavTarget, scope: LockScope, depth: 0 | 'infinity', ownerXml: string, timeoutSeconds: number): DavLock {
    const lock: DavLock = {
      token: `urn:uuid:${randomUUID()}`,
      root,
      scope,
      depth,
      ownerXml,
      timeoutSeconds,
      expiresAt: Date.now() + timeoutSeconds * 1000,
    };
    this.map.set(lock.token, lock);
    return lock;
  }

  refresh(lock: DavLock, timeoutSeconds: number): void {
    lock.timeoutSeconds = timeoutSeconds;
    lock.expiresAt = Date.now() + timeoutSeconds * 1000;
    this.map.set(lock.token, lock);
  }

  remove(token: string): boolean {
    return this.map.delete(token);
  }

  /** The resource and everything below it is gone (DELETE, MOVE source): so are their locks. */
  dropWithin(target: DavTarget): void {
    for (const lock of this.within(target)) this.map.delete(lock.token);
  }

  /** Seconds left, for Timeout: headers and lockdiscovery. */
  static secondsLeft(lock: DavLock): number {
    return Math.max(0, Math.round((lock.expiresAt - Date.now()) / 1000));
  }
}
