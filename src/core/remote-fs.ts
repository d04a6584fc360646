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
import type { Access, ByteRange, Caller, Credentials, Entry, Precondition, SiteSummary, WriteOptions, WriteResult } from './types.js';
import { resolveAccess } from '../auth/policy.js';
import { CommitGuard, type LockChecker, type LockScope } from './commit.js';
import { MemoryState } from '../state/memory.js';
import { StateUnavailableError, type StateStore } from '../state/state.js';

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
  /** Does the server answer MDTM? Unknown until first asked; remembered per site. */
  mdtm?: boolean;
}

export class RemoteFs {
  private readonly sites = new Map<string, SiteRuntime>();
  /** Commit locks, the write journal and the lock rules; in memory until the app gives its state store. */
  private guard = new CommitGuard(new MemoryState());

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

  /** Keep commit locks and the write journal in this store, and ask `locks` before every change. */
  useState(state: StateStore, locks?: LockChecker): void {
    this.guard = new CommitGuard(state, locks);
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
      if (hit) return this.withGenerations(access, ftpPath, hit);
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
    return this.withGenerations(access, ftpPath, visible);
  }

  /** The journal's generations on a folder's files (for their ETags). */
  private async withGenerations(access: Access, folder: string, entries: Entry[]): Promise<Entry[]> {
    let generations: Map<string, string>;
    try {
      generations = await this.guard.journal.folder(access.site.name, folder);
    } catch (err) {
      // The state store is away: a listing still works; ETags lose their generation meanwhile.
      if (err instanceof StateUnavailableError) return entries;
      throw err;
    }
    if (generations.size === 0) return entries;
    return entries.map((e) => {
      const generation = e.type === 'file' ? generations.get(e.name) : undefined;
      return generation ? { ...e, generation } : e;
    });
  }

  /**
   * One entry with the most precise time the server offers: MLSD's facts, or else MDTM for a
   * file (LIST may give only the minute or the day). For single-resource answers (GET, HEAD,
   * conditional requests, PROPFIND Depth 0); listings keep the listed time.
   */
  async describe(access: Access, path: RemotePath, fresh = false): Promise<Entry | undefined> {
    const entry = await this.find(access, path, fresh);
    if (!entry || entry.type !== 'file') return entry;
    const runtime = this.runtime(access.site.name);
    if (runtime.mdtm === false) return entry;
    const ftpPath = path.under(access.site.root);
    try {
      const time = await this.withSession(access, 'read', `time of ${path}`, async (s) => (s.listsWithMlsd ? undefined : s.modifiedTime(ftpPath)));
      if (time === undefined) return entry;
      runtime.mdtm = true;
      return Number.isNaN(time.getTime()) ? entry : { ...entry, modified: time };
    } catch (err) {
      if (err instanceof GatewayError && (err.code === 'not_implemented' || err.code === 'bad_gateway')) runtime.mdtm = false;
      else if (!(err instanceof GatewayError && err.status < 500)) throw err;
      return entry; // gone meanwhile, or refused for this file: the listed time
    }
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
    // Refused before a byte is sent; checked again under the commit lock before the rename.
    await this.assertUnlocked(access, path, { membership: !existing });
    if (options.precondition) options.precondition(await this.describe(access, path, true));

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
      const done = await this.commit(access, temp, path, options);
      return { ...done, bytes };
    } catch (err) {
      this.removeLater(access, temp);
      throw err;
    }
  }

  /**
   * Rename a finished temporary file over its target, holding the target's commit lock: the
   * target is looked at afresh right before the rename, so a promise of no overwrite, an
   * If-Match and a WebDAV lock hold against every other writer of the gateway. A target taken
   * meanwhile is a 412, or, when `nextName` gives one, a commit under another name.
   */
  private async commit(access: Access, temp: RemotePath, target: RemotePath, options: WriteOptions): Promise<{ created: boolean; path: RemotePath }> {
    const root = access.site.root;
    for (let attempt = 1; ; attempt++) {
      const here = target;
      let outcome: 'created' | 'replaced' | 'taken';
      try {
        outcome = await this.guard.withCommitLock(access.site.name, here.under(root), async () => {
          const current = options.precondition ? await this.describe(access, here, true) : await this.find(access, here, true);
          if (current?.type === 'directory') throw new GatewayError('conflict', `${here} is a folder`);
          if (current && options.overwrite === false) return 'taken';
          options.precondition?.(current);
          await this.assertUnlocked(access, here, { membership: !current });
          // Before the rename: should the rename fail, the ETag changed for nothing, never the reverse.
          await this.guard.journal.bump(access.site.name, here.under(root));
          try {
            await this.renameOver(access, temp, here, current !== undefined);
          } finally {
            this.invalidate(access, here.parent);
          }
          return current ? 'replaced' : 'created';
        });
      } catch (err) {
        if (err instanceof StateUnavailableError) {
          throw new GatewayError('unavailable', `cannot take the commit lock of ${here}; try again shortly`, { cause: err, retryAfter: 2 });
        }
        throw err;
      }
      if (outcome !== 'taken') return { created: outcome === 'created', path: here };
      const next = options.nextName?.(here, attempt);
      if (!next) throw new GatewayError('target_exists', `${here} already exists`);
      target = next;
    }
  }

  /** 423 when a WebDAV lock binds this change and the request did not submit its token. */
  private async assertUnlocked(access: Access, path: RemotePath, scope: LockScope): Promise<void> {
    const locks = this.guard.locks;
    if (!locks) return;
    try {
      await locks.assertUnlocked(access.site.name, path, access.lockTokens ?? new Set(), scope);
    } catch (err) {
      if (err instanceof StateUnavailableError) throw new GatewayError('unavailable', 'lock state unavailable; try again shortly', { cause: err, retryAfter: 2 });
      throw err;
    }
  }

  /** Check a precondition on the current target (fresh, with its precise time). */
  async checkPrecondition(access: Access, path: RemotePath, precondition: Precondition | undefined): Promise<void> {
    if (precondition) precondition(await this.describe(access, path, true));
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
  async remove(access: Access, path: RemotePath, options: { recursive?: boolean; precondition?: Precondition } = {}): Promise<void> {
    this.assertWritable(access);
    if (path.isRoot) throw new GatewayError('forbidden', 'the site root cannot be deleted');
    const entry = await this.stat(access, path, true);
    if (entry.type === 'directory' && !options.recursive) {
      throw new GatewayError('conflict', `${path} is a folder: delete it with recursive=true`);
    }
    await this.assertUnlocked(access, path, { deep: true, membership: true });
    try {
      if (options.precondition) {
        // Re-checked under the commit lock, so no upload is published between check and delete.
        await this.guard.withCommitLock(access.site.name, path.under(access.site.root), async () => {
          await this.checkPrecondition(access, path, options.precondition);
          await this.removeEntry(access, path, entry.type === 'directory');
        });
      } else {
        await this.removeEntry(access, path, entry.type === 'directory');
      }
      await this.guard.journal.forget(access.site.name, path.under(access.site.root)).catch(() => undefined);
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

  async move(access: Access, from: RemotePath, to: RemotePath, options: { overwrite?: boolean; precondition?: Precondition } = {}): Promise<{ replaced: boolean }> {
    this.assertWritable(access);
    if (from.isRoot) throw new GatewayError('forbidden', 'the site root cannot be moved');
    await this.stat(access, from, true);
    await this.assertUnlocked(access, from, { deep: true, membership: true });
    await this.assertUnlocked(access, to, { deep: true, membership: true });
    await this.checkPrecondition(access, from, options.precondition);
    if (to.within(from)) throw new GatewayError('conflict', `cannot move ${from} into itself`);
    const replaced = (await this.find(access, to, true)) !== undefined;
    await this.prepareTarget(access, to, options.overwrite ?? false);
    const root = access.site.root;
    try {
      await this.guard.journal.bump(access.site.name, to.under(root)).catch(() => undefined);
      await this.withSession(access, 'write', `moving ${from}`, (s) => s.rename(from.under(root), to.under(root)));
      await this.guard.journal.forget(access.site.name, from.under(root)).catch(() => undefined);
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
    options: { overwrite?: boolean; precondition?: Precondition } = {},
  ): Promise<{ replaced: boolean }> {
    this.assertWritable(target);
    const entry = await this.stat(source, from, true);
    await this.assertUnlocked(target, to, { deep: true, membership: true });
    await this.checkPrecondition(source, from, options.precondition);
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
      const stream = await this.read(source, from);
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
    const { created } = await this.commit(access, temp, target, { overwrite: options.overwrite });
    return { created };
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
