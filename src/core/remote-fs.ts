// The remote file system every front uses. It speaks in RemotePaths relative to a site's
// root and in GatewayErrors; it knows sessions and pools, not HTTP.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { TransferStream } from '../ftp/session.js';
import type { SiteConfig } from '../config/schema.js';
import { FtpReplyError } from '../ftp/errors.js';
import { SessionPool, type PoolStats } from '../ftp/pool.js';
import { gatewayThrottle, type Limits } from '../ftp/throttle.js';
import { credentialKey, FtpSession, type FtpLogger } from '../ftp/session.js';
import { GatewayError, fromFtpError, type Operation } from './errors.js';
import { ListingCache } from './listing-cache.js';
import { RemotePath } from './paths.js';
import type { Access, ByteRange, Caller, Credentials, Entry, SiteSummary, WriteOptions, WriteResult } from './types.js';
import { resolveAccess } from '../auth/policy.js';

/** Uploads land under this name first and are renamed over their target when complete. */
const TEMP_PREFIX = '.ftpgate-upload-';
const TEMP_NAME = /^\.ftpgate-upload-[0-9a-f]{16}$/;
/** Resumable uploads (src/uploads/): the growing file and its JSON info, hidden alike. */
const TUS_TEMP_NAME = /^\.ftpgate-tus-[0-9a-f]{32}\.(?:part|json)$/;

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name) || TUS_TEMP_NAME.test(name);
}

export interface WalkLimits {
  maxEntries: number;
  maxBytes: number;
}

export interface WalkEntry {
  path: RemotePath;
  entry: Entry;
}

interface SiteRuntime {
  config: SiteConfig;
  pool: SessionPool;
  cache: ListingCache;
}

export class RemoteFs {
  private readonly sites = new Map<string, SiteRuntime>();

  constructor(
    sites: readonly SiteConfig[],
    private readonly log: FtpLogger,
    /** Bandwidth limits for the whole gateway (bytes per second), shared by every transfer. */
    gatewayLimits: Limits = {},
  ) {
    gatewayThrottle.setLimits(gatewayLimits);
    for (const config of sites) {
      this.sites.set(config.name, {
        config,
        pool: new SessionPool(config, log),
        cache: new ListingCache(config.listingCacheTtlMs),
      });
    }
  }

  listSites(): SiteSummary[] {
    return [...this.sites.values()].map(({ config: c }) => ({
      name: c.name,
      readOnly: c.readOnly,
      credentials: c.credentials,
      auth: c.auth,
      tls: c.tls,
      encoding: c.encoding,
    }));
  }

  site(name: string): SiteConfig {
    const runtime = this.sites.get(name);
    if (!runtime) throw new GatewayError('site_not_found', `no site named "${name}"`);
    return runtime.config;
  }

  /**
   * The FTP login for a request, by the site's access policy (src/auth/policy.ts): the site's own
   * account, the caller's (pass-through), or a gateway account's. `intent: 'write'` refuses a
   * read-only site or account here, before any FTP command.
   */
  access(siteName: string, supplied?: Caller, intent: 'read' | 'write' = 'read'): Access {
    const access = resolveAccess(this.site(siteName), supplied);
    if (intent === 'write') this.assertWritable(access);
    return access;
  }

  poolStats(siteName: string): PoolStats {
    return this.runtime(siteName).pool.stats();
  }

  private runtime(name: string): SiteRuntime {
    const runtime = this.sites.get(name);
    if (!runtime) throw new GatewayError('site_not_found', `no site named "${name}"`);
    return runtime;
  }

  private async withSession<T>(access: Access, op: Operation, what: string, fn: (s: FtpSession) => Promise<T>): Promise<T> {
    try {
      return await this.runtime(access.site.name).pool.run(access.creds, fn, { retryOnStale: op === 'read' });
    } catch (err) {
      throw fromFtpError(err, op, what);
    }
  }

  /** Authorization for every change, whichever front asks: refused before any FTP command. */
  assertWritable(access: Access): void {
    if (access.site.readOnly || access.readOnly) {
      const whose = access.account && !this.site(access.site.name).readOnly ? `account "${access.account}"` : `site "${access.site.name}"`;
      throw new GatewayError('read_only', `${whose} is read-only`);
    }
  }

  // ---- reading ----

  /** A folder's entries (cached briefly). `fresh` skips the cache. */
  async list(access: Access, path: RemotePath, fresh = false): Promise<Entry[]> {
    const { cache } = this.runtime(access.site.name);
    const ftpPath = path.under(access.site.root);
    const owner = credentialKey(access.site.name, access.creds);
    if (!fresh) {
      const hit = cache.get(owner, ftpPath);
      if (hit) return hit;
    }
    let entries: Entry[];
    try {
      entries = await this.withSession(access, 'read', `listing ${path}`, (s) => s.list(ftpPath));
    } catch (err) {
      // MLSD of a file is a 550 on some servers (Pure-FTPd, ProFTPD): a file is not a missing folder.
      if (path.isRoot || !(err instanceof GatewayError && err.code === 'not_found')) throw err;
      const self = (await this.list(access, path.parent, fresh)).find((e) => e.name === path.name);
      if (self?.type === 'file') throw new GatewayError('conflict', `${path} is a file, not a folder`);
      throw err;
    }
    // LIST of a file lists the file itself, and some servers (vsftpd) answer LIST of a
    // missing folder with an empty listing: ask the parent what this path really is.
    // (LIST of a file names the file, some servers with its whole path.)
    const only = entries.length === 1 ? entries[0]! : undefined;
    const maybeFile = only !== undefined && only.type !== 'directory' && only.name.split('/').pop() === path.name;
    if (!path.isRoot && (entries.length === 0 || maybeFile)) {
      const parent = await this.list(access, path.parent, fresh);
      const self = parent.find((e) => e.name === path.name);
      if (!self) throw new GatewayError('not_found', `${path} does not exist`);
      if (self.type === 'file') throw new GatewayError('conflict', `${path} is a file, not a folder`);
    }
    const visible = entries.filter((e) => !isTempName(e.name));
    cache.set(owner, ftpPath, visible);
    return visible;
  }

  /** An entry's type, size and date, from its parent's listing. */
  async stat(access: Access, path: RemotePath, fresh = false): Promise<Entry> {
    const found = await this.find(access, path, fresh);
    if (!found) throw new GatewayError('not_found', `${path} does not exist`);
    return found;
  }

  /** Like stat, but undefined when the entry (or its parent) does not exist. */
  async find(access: Access, path: RemotePath, fresh = false): Promise<Entry | undefined> {
    if (path.isRoot) return { name: '', type: 'directory', size: 0 };
    let siblings: Entry[];
    try {
      siblings = await this.list(access, path.parent, fresh);
    } catch (err) {
      if (err instanceof GatewayError && (err.code === 'not_found' || err.code === 'conflict')) return undefined;
      throw err;
    }
    return siblings.find((e) => e.name === path.name);
  }

  /** Stream a file, or a byte range of it (served by FTP REST). */
  async read(access: Access, path: RemotePath, range?: ByteRange): Promise<TransferStream> {
    try {
      return await this.runtime(access.site.name).pool.read(access.creds, path.under(access.site.root), range);
    } catch (err) {
      throw fromFtpError(err, 'read', `reading ${path}`);
    }
  }

  // ---- changing ----

  /**
   * Upload a stream. It goes to a temporary name in the same folder and is renamed over the
   * target only after the server confirmed the whole transfer, so a failed or aborted upload
   * never destroys or half-writes an existing file.
   */
  async write(access: Access, path: RemotePath, source: Readable, options: WriteOptions = {}): Promise<WriteResult> {
    this.assertWritable(access);
    if (path.isRoot) throw new GatewayError('conflict', 'cannot write over the site root');
    const parent = await this.find(access, path.parent, true);
    if (!parent || parent.type !== 'directory') throw new GatewayError('conflict', `folder ${path.parent} does not exist`);
    const existing = await this.find(access, path);
    if (existing?.type === 'directory') throw new GatewayError('conflict', `${path} is a folder`);
    if (existing && options.overwrite === false) throw new GatewayError('target_exists', `${path} already exists`);

    const root = access.site.root;
    const temp = path.parent.child(TEMP_PREFIX + randomBytes(8).toString('hex'));
    let bytes: number;
    try {
      bytes = await this.withSession(access, 'write', `uploading ${path}`, (s) => s.write(temp.under(root), source));
      options.beforeCommit?.();
    } catch (err) {
      this.removeLater(access, temp);
      throw fromFtpError(err, 'write', `uploading ${path}`);
    }
    try {
      await this.renameOver(access, temp, path, existing !== undefined);
    } catch (err) {
      this.removeLater(access, temp);
      throw err;
    } finally {
      this.invalidate(access, path.parent);
    }
    return { created: !existing, bytes };
  }

  /** Put a finished temporary file in its target's place. */
  private async renameOver(access: Access, temp: RemotePath, target: RemotePath, targetExists: boolean): Promise<void> {
    const root = access.site.root;
    await this.withSession(access, 'write', `replacing ${target}`, async (s) => {
      try {
        await s.rename(temp.under(root), target.under(root));
      } catch (err) {
        // Some servers (IIS among them) will not rename over an existing file.
        if (!(targetExists && err instanceof FtpReplyError && err.code >= 550)) throw err;
        await s.send('DELE', target.under(root));
        await s.rename(temp.under(root), target.under(root));
      }
    });
  }

  /** Remove a temporary file in the background, retrying while the server is away. */
  private removeLater(access: Access, temp: RemotePath, attempt = 0): void {
    this.withSession(access, 'write', 'cleanup', (s) => s.send('DELE', temp.under(access.site.root))).then(
      () => this.invalidate(access, temp.parent),
      (err: unknown) => {
        const gone = err instanceof GatewayError && err.code === 'not_found';
        if (gone || attempt >= 6) return;
        const timer = setTimeout(() => this.removeLater(access, temp, attempt + 1), 1000 * 2 ** attempt);
        timer.unref();
      },
    );
  }

  /** Create a folder and any missing parents. */
  async mkdir(access: Access, path: RemotePath): Promise<{ created: boolean }> {
    this.assertWritable(access);
    const existing = await this.find(access, path, true);
    if (existing) {
      if (existing.type === 'directory') return { created: false };
      throw new GatewayError('conflict', `${path} exists and is a file`);
    }
    const root = access.site.root;
    let current = RemotePath.root;
    for (const segment of path.segments) {
      current = current.child(segment);
      const here = current;
      try {
        await this.withSession(access, 'write', `creating ${here}`, (s) => s.send('MKD', here.under(root)));
      } catch (err) {
        // "Already exists" comes back as a 550 too; only a real folder there is fine.
        const found = await this.find(access, here, true);
        if (found?.type !== 'directory') {
          if (found) throw new GatewayError('conflict', `${here} exists and is a file`);
          throw err;
        }
      } finally {
        this.invalidate(access, here.parent);
      }
    }
    return { created: true };
  }

  /** Delete a file, or a folder with everything in it when `recursive`. */
  async remove(access: Access, path: RemotePath, options: { recursive?: boolean } = {}): Promise<void> {
    this.assertWritable(access);
    if (path.isRoot) throw new GatewayError('forbidden', 'the site root cannot be deleted');
    const entry = await this.stat(access, path, true);
    if (entry.type === 'directory' && !options.recursive) {
      throw new GatewayError('conflict', `${path} is a folder: delete it with recursive=true`);
    }
    try {
      await this.removeEntry(access, path, entry.type === 'directory');
    } finally {
      this.invalidate(access, path.parent);
      this.invalidate(access, path);
    }
  }

  private async removeEntry(access: Access, path: RemotePath, isDir: boolean): Promise<void> {
    const ftpPath = path.under(access.site.root);
    if (!isDir) {
      await this.withSession(access, 'write', `deleting ${path}`, (s) => s.send('DELE', ftpPath));
      return;
    }
    const children = await this.withSession(access, 'read', `listing ${path}`, (s) => s.list(ftpPath));
    for (const child of children) await this.removeEntry(access, path.child(child.name), child.type === 'directory');
    await this.withSession(access, 'write', `deleting ${path}`, (s) => s.send('RMD', ftpPath));
  }

  /** Prepare a target for move/copy: its parent exists, and it is absent or may be replaced. */
  private async prepareTarget(access: Access, to: RemotePath, overwrite: boolean): Promise<void> {
    if (to.isRoot) throw new GatewayError('conflict', 'the site root cannot be replaced');
    const parent = await this.find(access, to.parent, true);
    if (!parent || parent.type !== 'directory') throw new GatewayError('conflict', `folder ${to.parent} does not exist`);
    const existing = await this.find(access, to, true);
    if (!existing) return;
    if (!overwrite) throw new GatewayError('target_exists', `${to} already exists`);
    await this.remove(access, to, { recursive: true });
  }

  async move(access: Access, from: RemotePath, to: RemotePath, options: { overwrite?: boolean } = {}): Promise<{ replaced: boolean }> {
    this.assertWritable(access);
    if (from.isRoot) throw new GatewayError('forbidden', 'the site root cannot be moved');
    await this.stat(access, from, true);
    if (to.within(from)) throw new GatewayError('conflict', `cannot move ${from} into itself`);
    const replaced = (await this.find(access, to, true)) !== undefined;
    await this.prepareTarget(access, to, options.overwrite ?? false);
    const root = access.site.root;
    try {
      await this.withSession(access, 'write', `moving ${from}`, (s) => s.rename(from.under(root), to.under(root)));
    } finally {
      for (const p of [from.parent, from, to.parent, to]) this.invalidate(access, p);
    }
    return { replaced };
  }

  /** Copy a file or folder tree, streamed through the gateway; `target` may be another site. */
  async copy(
    source: Access,
    from: RemotePath,
    target: Access,
    to: RemotePath,
    options: { overwrite?: boolean } = {},
  ): Promise<{ replaced: boolean }> {
    this.assertWritable(target);
    const entry = await this.stat(source, from, true);
    if (source.site.name === target.site.name && to.within(from)) {
      throw new GatewayError('conflict', `cannot copy ${from} into itself`);
    }
    const replaced = (await this.find(target, to, true)) !== undefined;
    await this.prepareTarget(target, to, options.overwrite ?? false);
    await this.copyEntry(source, from, entry, target, to);
    return { replaced };
  }

  private async copyEntry(source: Access, from: RemotePath, entry: Entry, target: Access, to: RemotePath): Promise<void> {
    if (entry.type !== 'directory') {
      // Bounded by the listed size, like every download: a control connection lost after the
      // last byte (its 226 never arriving) is then still a complete copy, and a short one fails.
      const stream = await this.read(source, from, entry.size > 0 ? { start: 0, end: entry.size - 1 } : undefined);
      try {
        await this.write(target, to, stream);
      } finally {
        stream.destroy();
      }
      return;
    }
    await this.mkdir(target, to);
    for (const child of await this.list(source, from, true)) {
      await this.copyEntry(source, from.child(child.name), child, target, to.child(child.name));
    }
  }

  /**
   * Every entry under a folder (the folder itself excluded), parents before children, walked
   * through listings only. Stops with an error as soon as a limit is passed, so a caller can
   * refuse a too-large tree before it starts streaming anything.
   */
  async walk(access: Access, folder: RemotePath, limits: WalkLimits): Promise<WalkEntry[]> {
    const root = await this.stat(access, folder);
    if (root.type !== 'directory') throw new GatewayError('conflict', `${folder} is not a folder`);
    const found: WalkEntry[] = [];
    let bytes = 0;
    const pending: RemotePath[] = [folder];
    for (let dir = pending.shift(); dir; dir = pending.shift()) {
      for (const entry of await this.list(access, dir)) {
        const path = dir.child(entry.name);
        found.push({ path, entry });
        if (entry.type === 'directory') pending.push(path);
        else bytes += entry.size;
        if (found.length > limits.maxEntries) {
          throw new GatewayError('too_large', `${folder} holds more than ${limits.maxEntries} entries`);
        }
        if (bytes > limits.maxBytes) throw new GatewayError('too_large', `${folder} holds more than ${limits.maxBytes} bytes`);
      }
    }
    return found;
  }

  // ---- hidden temporary files, addressed directly (resumable uploads, src/uploads/) ----

  private assertHidden(path: RemotePath): void {
    if (!isTempName(path.name)) throw new GatewayError('bad_path', `${path} is not a temporary upload file`);
  }

  /** The hidden temporary files of a folder, from a fresh listing (sweeps of unfinished uploads). */
  async hiddenEntries(access: Access, folder: RemotePath): Promise<Entry[]> {
    const ftpPath = folder.under(access.site.root);
    const entries = await this.withSession(access, 'read', `listing ${folder}`, (s) => s.list(ftpPath));
    return entries.filter((e) => e.type === 'file' && isTempName(e.name));
  }

  /** A hidden file's size as the server reports it (SIZE), or undefined when it does not exist. */
  async sizeOf(access: Access, path: RemotePath): Promise<number | undefined> {
    this.assertHidden(path);
    try {
      return await this.withSession(access, 'read', `size of ${path}`, (s) => s.size(path.under(access.site.root)));
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'not_found') return undefined;
      // No SIZE, or an answer that is not a number (ftp-srv says "213 File status" for 0 bytes): list.
      if (!(err instanceof GatewayError && (err.code === 'not_implemented' || /numerical value/.test(err.detail)))) throw err;
      return (await this.hiddenEntries(access, path.parent)).find((e) => e.name === path.name)?.size;
    }
  }

  /** STOR a stream to a hidden file as is (no temporary name, no rename); the bytes sent. */
  async storeHidden(access: Access, path: RemotePath, source: Readable): Promise<number> {
    this.assertWritable(access);
    this.assertHidden(path);
    return this.withSession(access, 'write', `storing ${path}`, (s) => s.write(path.under(access.site.root), source));
  }

  /** APPE a stream to a hidden file (the server creates it when missing); the bytes sent. */
  async append(access: Access, path: RemotePath, source: Readable): Promise<number> {
    this.assertWritable(access);
    this.assertHidden(path);
    return this.withSession(access, 'write', `appending to ${path}`, (s) => s.append(path.under(access.site.root), source));
  }

  /** DELE a hidden file; fine when it is gone already. */
  async removeHidden(access: Access, path: RemotePath): Promise<void> {
    this.assertWritable(access);
    this.assertHidden(path);
    try {
      await this.withSession(access, 'write', `deleting ${path}`, (s) => s.send('DELE', path.under(access.site.root)));
    } catch (err) {
      if (!(err instanceof GatewayError && err.code === 'not_found')) throw err;
    }
  }

  /** Rename a finished hidden file over its target, as write() does with its temporary file. */
  async commitHidden(access: Access, temp: RemotePath, target: RemotePath, options: { overwrite?: boolean } = {}): Promise<{ created: boolean }> {
    this.assertWritable(access);
    this.assertHidden(temp);
    if (target.isRoot || isTempName(target.name)) throw new GatewayError('conflict', `cannot write over ${target}`);
    const existing = await this.find(access, target, true);
    if (existing?.type === 'directory') throw new GatewayError('conflict', `${target} is a folder`);
    if (existing && options.overwrite === false) throw new GatewayError('target_exists', `${target} already exists`);
    try {
      await this.renameOver(access, temp, target, existing !== undefined);
    } finally {
      this.invalidate(access, target.parent);
    }
    return { created: !existing };
  }

  /** Can we reach the site? Logs in with its own account, or only reads the greeting for pass-through sites. */
  async probe(siteName: string): Promise<void> {
    const site = this.site(siteName);
    try {
      if (site.credentials === 'fixed') {
        await this.runtime(siteName).pool.run({ user: site.user, password: site.password }, (s) => s.noop());
      } else {
        await FtpSession.greeting(site);
      }
    } catch (err) {
      throw fromFtpError(err, 'read', `reaching site ${siteName}`);
    }
  }

  invalidate(access: Access, path: RemotePath): void {
    this.runtime(access.site.name).cache.invalidate(path.under(access.site.root));
  }

  async close(): Promise<void> {
    await Promise.all([...this.sites.values()].map((s) => s.pool.close()));
  }
}
