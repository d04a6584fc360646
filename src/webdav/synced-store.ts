// The one wrapper the WebDAV stores share: a synchronous local view of a StateStore map
// (memory, or Redis shared by every gateway instance), brought up to date by sync() before a
// request and written back by flush() before its response leaves (see state-sync.ts).
import type { StateStore } from '../state/state.js';
import { SyncedMap, type Codec } from '../state/synced-map.js';

export abstract class SyncedStore<T> {
  protected readonly map: SyncedMap<T>;

  constructor(
    readonly state: StateStore,
    name: string,
    codec: Codec<T>,
  ) {
    this.map = new SyncedMap(state, name, codec);
  }

  /** Bring the view up to date with the shared state (before each request). */
  sync(): Promise<void> {
    return this.map.sync();
  }

  /** Store the changes of this instance (before the response that reports them leaves). */
  flush(): Promise<void> {
    return this.map.flush();
  }

  /** Changes made here and not yet stored? */
  get dirty(): boolean {
    return this.map.dirty;
  }
}
