// A local, synchronous view of one StateStore map, for stores whose callers cannot wait
// (the WebDAV lock and property stores): sync() reloads it when the map changed elsewhere,
// changes made here are applied to the view at once and written back by flush().
import type { StateStore } from './state.js';

export interface Codec<T> {
  encode(value: T): string;
  /** undefined: unreadable, left out of the view. */
  decode(text: string): T | undefined;
}

/** A local view of a StateStore map, with the changes made here not yet written back. */
export class SyncedMap<T> {
  private view = new Map<string, T>();
  private version: string | undefined;
  private readonly pending = new Map<string, T | undefined>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly state: StateStore,
    private readonly name: string,
    private readonly codec: Codec<T>,
  ) {}

  get(key: string): T | undefined {
    return this.view.get(key);
  }

  values(): IterableIterator<T> {
    return this.view.values();
  }

  entries(): IterableIterator<[string, T]> {
    return this.view.entries();
  }

  set(key: string, value: T): void {
    this.view.set(key, value);
    this.pending.set(key, value);
  }

  delete(key: string): boolean {
    const had = this.view.delete(key);
    if (had) this.pending.set(key, undefined);
    return had;
  }

  /** Changes made here and not yet stored? */
  get dirty(): boolean {
    return this.pending.size > 0;
  }

  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Reload the view if the map changed elsewhere; changes not yet stored stay on top. */
  sync(): Promise<void> {
    return this.serial(async () => {
      if (this.version !== undefined && (await this.state.version(this.name)) === this.version) return;
      const snapshot = await this.state.load(this.name);
      const view = new Map<string, T>();
      for (const [key, text] of snapshot.entries) {
        const value = this.codec.decode(text);
        if (value !== undefined) view.set(key, value);
      }
      for (const [key, value] of this.pending) {
        if (value === undefined) view.delete(key);
        else view.set(key, value);
      }
      this.view = view;
      this.version = snapshot.version;
    });
  }

  /** Store the changes made here. On failure they stay pending and the error is thrown. */
  flush(): Promise<void> {
    return this.serial(async () => {
      if (this.pending.size === 0) return;
      const taken = new Map(this.pending);
      this.pending.clear();
      const changes = new Map<string, string | undefined>();
      for (const [key, value] of taken) changes.set(key, value === undefined ? undefined : this.codec.encode(value));
      try {
        const { before, after } = await this.state.apply(this.name, changes);
        // Nobody else wrote in between: the view is exactly the stored map, no reload needed.
        if (before === this.version) this.version = after;
      } catch (err) {
        // Keep them for the next flush, unless changed again meanwhile.
        for (const [key, value] of taken) if (!this.pending.has(key)) this.pending.set(key, value);
        throw err;
      }
    });
  }
}

