// The in-memory StateStore: one process, nothing shared, lost on restart (tests, or --data-dir none).
import { LocalMutexes } from './mutex.js';
import type { MapSnapshot, MutexOptions, StateStore } from './state.js';

export class MemoryState implements StateStore {
  readonly kind = 'memory' as const;
  private readonly maps = new Map<string, { version: number; entries: Map<string, string> }>();
  private readonly mutexes = new LocalMutexes();

  private map(name: string) {
    let m = this.maps.get(name);
    if (!m) this.maps.set(name, (m = { version: 0, entries: new Map() }));
    return m;
  }

  async version(map: string): Promise<string> {
    return String(this.maps.get(map)?.version ?? 0);
  }

  async get(map: string, key: string): Promise<string | undefined> {
    return this.maps.get(map)?.entries.get(key);
  }

  async load(map: string): Promise<MapSnapshot> {
    const m = this.maps.get(map);
    if (!m) return { version: '0', entries: new Map() }; // not created by a read: journal maps are many
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
    return this.mutexes.run(name, fn, options);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
