// What stands between a finished upload and the rename that publishes it. Commits to one path
// are serialised by a commit lock in the state store (Redis when configured, so instances
// agree); under it the target is looked at again, right before RNFR/RNTO: a promise of no
// overwrite, an If-Match or a WebDAV lock taken meanwhile is honoured there, not only before
// the upload started. The journal records the write so the file's ETag changes.
import type { StateStore } from '../state/state.js';
import type { RemotePath } from './paths.js';
import { WriteJournal } from './write-journal.js';

/** Hold a path's commit lock at most this long (Redis frees it after a crash), and wait for it this long. */
const COMMIT_LOCK = { ttlMs: 60_000, waitMs: 30_000 };

/** Which WebDAV locks a change must respect: the resource, its parent when it adds or removes it, everything below when deep. */
export interface LockScope {
  deep?: boolean;
  membership?: boolean;
}

/**
 * The gateway's lock rules, asked by the core for every change (the WebDAV lock store is the
 * source of truth: src/webdav/lock-checker.ts). Throws GatewayError 'locked' when a lock whose
 * token is not among `tokens` binds the change.
 */
export interface LockChecker {
  assertUnlocked(site: string, path: RemotePath, tokens: ReadonlySet<string>, scope: LockScope): Promise<void>;
}

export class CommitGuard {
  readonly journal: WriteJournal;

  constructor(
    readonly state: StateStore,
    readonly locks?: LockChecker,
  ) {
    this.journal = new WriteJournal(state);
  }

  /** Run `fn` holding the commit lock of one full FTP path of a site. */
  withCommitLock<T>(site: string, ftpPath: string, fn: () => Promise<T>): Promise<T> {
    return this.state.withMutex(`commit:${site}:${ftpPath}`, fn, COMMIT_LOCK);
  }
}
