// The state the WebDAV front shares across requests: the core, and the lock and dead-property
// stores the gateway keeps because FTP has neither.
import type { RemoteFs } from '../core/remote-fs.js';
import { MemoryState } from '../state/memory.js';
import type { StateStore } from '../state/state.js';
import { AnswerCache, type KeptAnswer } from '../http/answer-cache.js';
import { LockStore } from './lock-store.js';
import { PropertyStore, type PropertyBag } from './property-store.js';

export interface DavShared {
  fs: RemoteFs;
  locks: LockStore;
  props: PropertyStore;
  /** Where locks and properties live: memory, or Redis shared by several instances. */
  state: StateStore;
  /** The largest body a PUT may carry (FTPGATE_UPLOAD_LIMIT_BYTES), as on every other way in. */
  uploadLimitBytes: number;
  /** The members' part of PROPFIND Depth 1 answers, reused while what they show is unchanged (methods/propfind.ts). */
  answers: AnswerCache<MembersAnswer>;
}

/** The members' <D:response> elements of one folder, for one kind of PROPFIND, one after the other (bytes). */
export interface MembersAnswer extends KeptAnswer {
  /** Each member's property-store key (PropertyStore.keyOf), and its bag of dead properties then. */
  keys: readonly string[];
  bags: ReadonlyArray<PropertyBag | undefined>;
  /** Where each member's response ends in bytes. */
  ends: Uint32Array;
  /** 1 for members no lock covered (a response with a lock in it shows a countdown: never reused). */
  reusable: Uint8Array;
}

export function createShared(fs: RemoteFs, state: StateStore = new MemoryState(), uploadLimitBytes = Infinity): DavShared {
  return { fs, locks: new LockStore(state), props: new PropertyStore(state), state, uploadLimitBytes, answers: new AnswerCache<MembersAnswer>() };
}
