// The state the WebDAV front shares across requests, and how a request finds its own.
import type { RemoteFs } from '../core/remote-fs.js';
import { LockStore } from './lock-store.js';
import { PropertyStore } from './property-store.js';
import type { RequestState } from './request-state.js';

export interface DavShared {
  fs: RemoteFs;
  locks: LockStore;
  props: PropertyStore;
}

export function createShared(fs: RemoteFs): DavShared {
  return { fs, locks: new LockStore(), props: new PropertyStore() };
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
