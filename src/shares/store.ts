// Share links, kept where the gateway keeps its other shared state (memory, or Redis when
// configured, so that a link works on every instance). A link names an account's folder or
// file on a site; it carries no FTP secret: the account's login is looked up when it is used.
import { randomBytes } from 'node:crypto';
import type { StateStore } from '../state/state.js';

const MAP = 'shares';

export type ShareKind = 'download' | 'dropbox';

export interface ShareRecord {
  /** 128 bits of randomness, base64url: the link cannot be guessed. */
  id: string;
  kind: ShareKind;
  site: string;
  /** The gateway account that made it (its root applies) and may list and revoke it. */
  owner: string;
  /** A path under the owner's root. */
  path: string;
  /** Whether `path` was a folder when the link was made. */
  folder: boolean;
  createdAt: number;
  expiresAt?: number;
  /** bcrypt hash of the link's password, if it has one. */
  passwordHash?: string;
  maxDownloads?: number;
  downloads: number;
}

export class ShareStore {
  constructor(private readonly state: StateStore) {}

  static newId(): string {
    return randomBytes(16).toString('base64url');
  }

  async get(id: string): Promise<ShareRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{22}$/.test(id)) return undefined;
    const text = (await this.state.load(MAP)).entries.get(id);
    return text === undefined ? undefined : (JSON.parse(text) as ShareRecord);
  }

  async put(record: ShareRecord): Promise<void> {
    await this.state.apply(MAP, new Map([[record.id, JSON.stringify(record)]]));
  }

  async remove(id: string): Promise<void> {
    await this.state.apply(MAP, new Map([[id, undefined]]));
  }

  async listByOwner(site: string, owner: string): Promise<ShareRecord[]> {
    const all = [...(await this.state.load(MAP)).entries.values()].map((t) => JSON.parse(t) as ShareRecord);
    return all.filter((r) => r.site === site && r.owner === owner).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Count one download, atomically across instances; false when the link has none left. */
  /** Count `amount` downloads (a fraction for a range: its share of the file); false when that would pass the limit. */
  async takeDownload(id: string, amount = 1): Promise<boolean> {
    return this.state.withMutex(`share:${id}`, async () => {
      const record = await this.get(id);
      if (!record) return false;
      if (record.maxDownloads !== undefined && record.downloads + amount > record.maxDownloads + 1e-9) return false;
      await this.put({ ...record, downloads: record.downloads + amount });
      return true;
    });
  }
}
