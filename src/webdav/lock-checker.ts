// WebDAV locks bind every front: the core asks this checker before every change (REST PUT,
// DELETE, move, copy, multipart, tus, share links, and WebDAV itself). The lock store stays
// the source of truth: this is a read-only view of the same state-store map, brought up to
// date before each check, so a lock taken through any instance is seen here.
import { GatewayError } from '../core/errors.js';
import type { LockChecker, LockScope } from '../core/commit.js';
import type { RemotePath } from '../core/paths.js';
import type { StateStore } from '../state/state.js';
import { hrefOf } from './dav-path.js';
import { LockStore, type DavLock } from './lock-store.js';

export class DavLockChecker implements LockChecker {
  private readonly view: LockStore;

  constructor(state: StateStore) {
    this.view = new LockStore(state);
  }

  async assertUnlocked(site: string, path: RemotePath, tokens: ReadonlySet<string>, scope: LockScope): Promise<void> {
    await this.view.sync();
    const target = { site, path };
    const locks = new Set<DavLock>(this.view.covering(target));
    if (scope.deep) for (const l of this.view.within(target)) locks.add(l);
    if (scope.membership && !path.isRoot) for (const l of this.view.covering({ site, path: path.parent })) locks.add(l);
    const missing = [...locks].filter((l) => !tokens.has(l.token));
    if (missing.length > 0) {
      const roots = [...new Set(missing.map((l) => hrefOf(l.root)))];
      throw new GatewayError('locked', `${roots.join(', ')} is locked: submit its lock token (If: (<token>) or Lock-Token)`);
    }
  }
}
