// Dead properties (PROPPATCH) kept by the gateway, in memory, since FTP cannot store them.
// They follow their resource on MOVE and COPY and go with it on DELETE.
import { RemotePath } from '../core/paths.js';
import { targetWithin, type DavTarget } from './dav-path.js';

/** One property: its name and its whole element as standalone XML. */
export interface StoredProperty {
  ns: string;
  local: string;
  xml: string;
}

/** Properties of one resource, by Clark name ({ns}local). */
export type PropertyBag = Map<string, StoredProperty>;

export class PropertyStore {
  /** site -> path -> bag */
  private readonly sites = new Map<string, Map<string, { path: RemotePath; bag: PropertyBag }>>();

  /** The bag of a resource; created on demand when `create`. */
  bag(target: DavTarget, create: boolean): PropertyBag | undefined {
    if (target.site === undefined) return undefined;
    let site = this.sites.get(target.site);
    if (!site) {
      if (!create) return undefined;
      site = new Map();
      this.sites.set(target.site, site);
    }
    const key = target.path.toString();
    let entry = site.get(key);
    if (!entry) {
      if (!create) return undefined;
      entry = { path: target.path, bag: new Map() };
      site.set(key, entry);
    }
    return entry.bag;
  }

  /** Replace a resource's properties at once (an empty bag removes the entry). */
  replace(target: DavTarget, bag: PropertyBag): void {
    if (target.site === undefined) return;
    if (bag.size === 0) {
      this.sites.get(target.site)?.delete(target.path.toString());
      return;
    }
    const own = this.bag(target, true)!;
    own.clear();
    for (const [k, v] of bag) own.set(k, v);
  }

  private entriesWithin(target: DavTarget): Array<{ path: RemotePath; bag: PropertyBag }> {
    if (target.site === undefined) return [];
    const site = this.sites.get(target.site);
    if (!site) return [];
    return [...site.values()].filter((e) => targetWithin({ site: target.site, path: e.path }, target));
  }

  /** Forget the properties of a resource and everything below it. */
  drop(target: DavTarget): void {
    const site = target.site === undefined ? undefined : this.sites.get(target.site);
    if (!site) return;
    for (const e of this.entriesWithin(target)) site.delete(e.path.toString());
  }

  /** Copy (or, with `move`, carry) the properties of a tree to another place, maybe another site. */
  transfer(from: DavTarget, to: DavTarget, options: { move: boolean; deep: boolean }): void {
    const entries = this.entriesWithin(from).filter((e) => options.deep || e.path.segments.length === from.path.segments.length);
    this.drop(to);
    for (const e of entries) {
      const rel = e.path.segments.slice(from.path.segments.length);
      this.replace({ site: to.site, path: RemotePath.of([...to.path.segments, ...rel]) }, new Map(e.bag));
    }
    if (options.move) this.drop(from);
  }
}
