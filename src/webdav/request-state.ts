// What one WebDAV request knows: who asks (for pass-through sites), and a memo of the
// listings it has already fetched, so that its many questions about the same resources
// (existence, type, size, dates, etag) cost one FTP listing per folder.
import { GatewayError } from '../core/errors.js';
import type { RemoteFs } from '../core/remote-fs.js';
import type { RemotePath } from '../core/paths.js';
import type { Access, Entry } from '../core/types.js';
import type { CallerOn } from './auth.js';

export class RequestState {
  private readonly listings = new Map<string, Promise<Entry[]>>();

  constructor(
    readonly fs: RemoteFs,
    /** Who asks, on each site (src/webdav/auth.ts). */
    private readonly callerOn: CallerOn,
  ) {}

  /** The lock tokens the request submitted (its If header): the core's lock check needs them too. */
  lockTokens: ReadonlySet<string> = new Set();

  access(site: string): Access {
    const access = this.fs.access(site, this.callerOn(site));
    return { ...access, lockTokens: this.lockTokens };
  }

  private key(site: string, path: RemotePath): string {
    return `${site}\n${path.toString()}`;
  }

  /** A folder's entries, fetched at most once per request. */
  list(site: string, path: RemotePath): Promise<Entry[]> {
    const key = this.key(site, path);
    let hit = this.listings.get(key);
    if (!hit) {
      hit = this.fs.list(this.access(site), path);
      hit.catch(() => this.listings.delete(key));
      this.listings.set(key, hit);
    }
    return hit;
  }

  /**
   * An entry, or undefined when it does not exist. Asks the parent's listing when this request
   * already has it, or when the core has it cached and it names a file there (a GET's usual
   * case: listing a file itself would cost a data connection, and then ask the parent anyway);
   * otherwise lists the path itself, which for a folder (the usual PROPFIND target) is the
   * listing the request needs next anyway.
   */
  async find(site: string, path: RemotePath): Promise<Entry | undefined> {
    if (path.isRoot) return { name: '', type: 'directory', size: 0 };
    const parentKnown = this.listings.has(this.key(site, path.parent));
    if (!parentKnown) {
      const cached = await this.fs.cachedEntry(this.access(site), path);
      if (cached?.type === 'file') return cached;
      try {
        await this.list(site, path);
        return { name: path.name, type: 'directory', size: 0 };
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        if (err.code === 'not_found') return undefined;
        if (err.code !== 'conflict') throw err; // conflict: a file, described by its parent
      }
    }
    try {
      return (await this.list(site, path.parent)).find((e) => e.name === path.name);
    } catch (err) {
      if (err instanceof GatewayError && (err.code === 'not_found' || err.code === 'conflict')) return undefined;
      throw err;
    }
  }

  /** Like find, with a file's most precise time (MDTM where the listing has minutes): for single-resource answers. */
  async describe(site: string, path: RemotePath): Promise<Entry | undefined> {
    const entry = await this.find(site, path);
    if (entry?.type !== 'file') return entry;
    return (await this.fs.describe(this.access(site), path)) ?? entry;
  }

  /** After a change: forget everything (changes are rare next to reads). */
  forget(): void {
    this.listings.clear();
  }
}
