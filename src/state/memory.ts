// The in-memory StateStore: one process, nothing shared (the default without redisUrl).
import { StateUnavailableError, type MapSnapshot, type MutexOptions, type StateStore } from './state.js';

export class MemoryState implements StateStore {
  readonly kind = 'memory' as const;
  private readonly maps = new Map<string, { version: number; entries: Map<string, string> }>();
  private readonly mutexes = new Map<string, Promise<unknown>>();

  private map(name: string) {
    let m = this.maps.get(name);
    if (!m) this.maps.set(name, (m = { version: 0, entries: new Map() }));
    return m;
  }

  async version(map: string): Promise<string> {
    return String(this.map(map).version);
  }

  async load(map: string): Promise<MapSnapshot> {
    const m = this.map(map);
    return { version: String(m.version), entries: new Map(m.entries) };
  }

  async apply(map: string, changes: ReadonlyMap<string, string | undefined>): Promise<{ before: string; after: string }> {
    const m = this.map(map);
    for (const [key, value] of changes) {
      if (value === undefined) m.entries.delete(key);
      else m.entries.set(key, value);
    }
    const before = String(m.version);
    m.version++;
    return { before, after: String(m.version) };
  }

  async withMutex<T>(name: string, fn: () => Promise<T>, options: MutexOptions = {}): Promise<T> {
    const previous = this.mutexes.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    this.mutexes.set(name, tail);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        previous,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new StateUnavailableError(`mutex ${name} busy`)), options.waitMs ?? 10_000);
        }),
      ]);
    } catch (err) {
      release(); // let the ones queued behind us go once `previous` settles
      throw err;
    } finally {
      clearTimeout(timer);
    }
    try {
      return await fn();
    } finally {
      release();
      if (this.mutexes.get(name) === tail) this.mutexes.delete(name);
    }
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
