// Dead properties (PROPPATCH) kept by the gateway, since FTP cannot store them.
// They follow their resource on MOVE and COPY and go with it on DELETE.
//
// Like the lock store, this answers synchronously from a local view of a StateStore map
// (synced-store.ts).
import { RemotePath } from '../core/paths.js';
import { MemoryState } from '../state/memory.js';
import type { StateStore } from '../state/state.js';
import { targetWithin, type DavTarget } from './dav-path.js';
import { SyncedStore } from './synced-store.js';

/** One property: its name and its whole element as standalone XML. */
export interface StoredProperty {
  ns: string;
  local: string;
  xml: string;
}

/** Properties of one resource, by Clark name ({ns}local). */
export type PropertyBag = Map<string, StoredProperty>;

interface Entry {
  site: string;
  path: RemotePath;
  bag: PropertyBag;
}

const MAP = 'dav:props';

/** Where a resource's properties are kept in the map (see PropertyStore.keyOf). */
function keyOf(site: string, path: RemotePath): string {
  return `${site}\n${path.toString()}`;
}

const codec = {
  encode: (e: Entry) => JSON.stringify({ site: e.site, path: e.path.segments, props: [...e.bag] }),
  decode: (text: string): Entry | undefined => {
    try {
      const s = JSON.parse(text) as { site: string; path: string[]; props: Array<[string, StoredProperty]> };
      return { site: s.site, path: RemotePath.of(s.path), bag: new Map(s.props) };
    } catch {
      return undefined;
    }
  },
};

export class PropertyStore extends SyncedStore<Entry> {
  constructor(state: StateStore = new MemoryState()) {
    super(state, MAP, codec);
  }

  /**
   * The bag of a resource. With `create`, an empty bag is made for it (it is stored once
   * `replace` puts properties in it); a bag is to be changed through `replace` only.
   */
  bag(target: DavTarget, create: boolean): PropertyBag | undefined {
    if (target.site === undefined) return undefined;
    const entry = this.map.get(keyOf(target.site, target.path));
    if (entry) return entry.bag;
    return create ? new Map() : undefined;
  }

  /** The key of a resource's bag, for bagAt: made once by callers that look many up again and again. */
  static keyOf(site: string, path: RemotePath): string {
    return keyOf(site, path);
  }

  /**
   * The bag under a key from keyOf, or undefined. A bag is never changed in place: `replace`
   * and a reload from the shared state put a new one, so an unchanged bag is the same object.
   */
  bagAt(key: string): PropertyBag | undefined {
    return this.map.get(key)?.bag;
  }

  /** Replace a resource's properties at once (an empty bag removes the entry). */
  replace(target: DavTarget, bag: PropertyBag): void {
    if (target.site === undefined) return;
    const key = keyOf(target.site, target.path);
    if (bag.size === 0) {
      this.map.delete(key);
      return;
    }
    this.map.set(key, { site: target.site, path: target.path, bag: new Map(bag) });
  }

  private entriesWithin(target: DavTarget): Entry[] {
    if (target.site === undefined) return [];
    return [...this.map.values()].filter((e) => e.site === target.site && targetWithin({ site: e.site, path: e.path }, target));
  }

  /** Forget the properties of a resource and everything below it. */
  drop(target: DavTarget): void {
    for (const e of this.entriesWithin(target)) this.map.delete(keyOf(e.site, e.path));
  }

  /** Copy (or, with `move`, carry) the properties of a tree to another place, maybe another site. */
  transfer(from: DavTarget, to: DavTarget, options: { move: boolean; deep: boolean }): void {
    const entries = this.entriesWithin(from).filter((e) => options.deep || e.path.segments.length === from.path.segments.length);
    this.drop(to);
    if (options.move) this.drop(from);
    for (const e of entries) {
      const rel = e.path.segments.slice(from.path.segments.length);
      this.replace({ site: to.site, path: RemotePath.of([...to.path.segments, ...rel]) }, new Map(e.bag));
    }
  }
}
