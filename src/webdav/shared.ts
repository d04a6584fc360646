// The state the WebDAV front shares across requests: the core, and the lock and dead-property
// stores the gateway keeps because FTP has neither.
import type { RemoteFs } from '../core/remote-fs.js';
import { MemoryState } from '../state/memory.js';
import type { StateStore } from '../state/state.js';
import { AnswerCache } from './answer-cache.js';
import { LockStore } from './lock-store.js';
import { PropertyStore } from './property-store.js';

export interface DavShared {
  fs: RemoteFs;
  locks: LockStore;
  props: PropertyStore;
  /** Where locks and properties live: memory, or Redis shared by several instances. */
  state: StateStore;
  /** The largest body a PUT may carry (FTPGATE_UPLOAD_LIMIT_BYTES), as on every other way in. */
  uploadLimitBytes: number;
  /** The members' part of PROPFIND Depth 1 answers, reused while what they show is unchanged (methods/propfind.ts). */
  answers: AnswerCache;
}

export function createShared(fs: RemoteFs, state: StateStore = new MemoryState(), uploadLimitBytes = Infinity): DavShared {
  return { fs, locks: new LockStore(state), props: new PropertyStore(state), state, uploadLimitBytes, answers: new AnswerCache() };
}
