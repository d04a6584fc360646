// The state the WebDAV front shares across requests, and how a request finds its own.
import type { RemoteFs } from '../core/remote-fs.js';
import { MemoryState } from '../state/memory.js';
import type { StateStore } from '../state/state.js';
import { LockStore } from './lock-store.js';
import { PropertyStore } from './property-store.js';
import type { RequestState } from './request-state.js';

export interface DavShared {
  fs: RemoteFs;
  locks: LockStore;
  props: PropertyStore;
  /** Where locks and properties live: memory, or Redis shared by several instances. */
  state: StateStore;
}

export function createShared(fs: RemoteFs, state: StateStore = new MemoryState()): DavShared {
  return { fs, locks: new LockStore(state), props: new PropertyStore(state), state };
}

/** Request objects handed to webdav-server, and the state of the request each stands for. */
const states = new WeakMap<object, RequestState>();

export function attachState(request: object, state: RequestState): void {
  states.set(request, state);
}

/** The state behind an engine context (undefined for the engine's own internal contexts). */
export function stateOfContext(ctx: unknown): RequestState | undefined {
  const request = (ctx as { request?: object } | undefined)?.request;
  return request ? states.get(request) : undefined;
}
