// The remote file system every front uses. It speaks in RemotePaths relative to a site's
// root and in GatewayErrors; it knows neither HTTP nor FTP: each site's storage is a Backend
// (core/backend.ts) that the wiring hands in. What is true of every back end is here: access
// and read-only checks, path rules, the listing cache, upload to a temporary name then rename,
// replace-aside, commit locks and the write journal, recursive copy/move/delete and walks.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { SiteConfig } from '../config/schema.js';
import { RenameOverRefused, type Backend, type BackendStats, type Call, type RemoteReadable } from './backend.js';
import { GatewayError } from './errors.js';
import { ListingCache } from './listing-cache.js';
import { credentialKey } from './login-key.js';
import { checkSegment, isReservedName, RemotePath, RESERVED_PREFIX, unsendable } from './paths.js';
import type { Access, ByteRange, Caller, CoreLogger, Entry, ListedEntry, Precondition, SiteSummary, WriteOptions, WriteResult } from './types.js';
import { resolveAccess } from './access-policy.js';
import { CommitGuard, type LockChecker, type LockScope } from './commit.js';
import { MemoryState } from '../state/memory.js';
import { StateUnavailableError, type StateStore } from '../state/state.js';

/** Uploads land under this name first and are renamed over their target when complete. */
const TEMP_PREFIX = '.ftpgate-upload-';
const TEMP_NAME = /^\.ftpgate-upload-[0-9a-f]{16}$/;
/** Resumable uploads (src/uploads/): the growing file and its JSON info, hidden alike. */
const TUS_TEMP_NAME = /^\.ftpgate-tus-[0-9a-f]{32}\.(?:part|json)$/;

function isTempName(name: string): boolean {
  return TEMP_NAME.test(name) || TUS_TEMP_NAME.test(name);
}

/** An overwritten target waits under this name until its replacement is in place. */
const ASIDE_PREFIX = '.ftpgate-aside-';
/** A copy is built under this name and renamed into place when complete. */
const COPY_PREFIX = '.ftpgate-copy-';
const randomName = (prefix: string) => prefix + randomBytes(8).toString('hex');

/** A name in a listing that the gateway cannot serve, and why: left out, never fatal. */
/** A listing as the core serves it (see viewOf). */
interface ListingView {
  servable: Entry[];
  skipped: SkippedName[];
  /** Precise modification times asked while this listing is cached (describe). */
  times: Map<string, Date>;
  /** The servable entries by name, made at the first lookup. */
  byName?: Map<string, Entry>;
}

export interface SkippedName {
  /** The folder it is in, and the name as listed. */
  folder: RemotePath;
  name: string;
  reason: string;
}

/** A name's entry in a listing view, through its by-name index (made at the first lookup). */
function entryIn(view: ListingView, name: string): { entry: Entry; view: ListingView } | undefined {
  view.byName ??= new Map(view.servable.map((e) => [e.name, e]));
  const entry = view.byName.get(name);
  return entry && { entry, view };
}

/** True when one absolute back-end path is the other or lies inside it. */
function nested(a: string, b: string): boolean {
  const inside = (x: string, y: string) => x === y || y === '/' || x.startsWith(y + '/');
  return inside(a, b) || inside(b, a);
}

export interface WalkLimits {
  maxEntries: number;
  maxBytes: number;
}

export interface WalkEntry {
  path: RemotePath;
  entry: Entry;
}

export interface WalkResult {
  entries: WalkEntry[];
  /** Names left out because the gateway cannot serve them (a zip notes them). */
  skipped: SkippedName[];
}

interface SiteRuntime {
  config: SiteConfig;
  backend: Backend;
  cache: ListingCache;
}

/** Builds the back end of one site (the wiring picks it by the site's URL scheme). */
export type BackendFactory = (site: SiteConfig) => Backend;

export class RemoteFs {
  private readonly sites = new Map<string, SiteRuntime>();
  /** Views of the listings the cache holds, keyed by the cached array (gone with it). */
  private readonly views = new WeakMap<readonly ListedEntry[], ListingView>();
  /** Commit locks, the write journal and the lock rules; in memory until the app gives its state store. */
  private guard = new CommitGuard(new MemoryState());

  constructor(
    sites: readonly SiteConfig[],
    private readonly log: CoreLogger,
    backendOf: BackendFactory,
  ) {
    for (const config of sites) {
      this.sites.set(config.name, {
        config,
        backend: backendOf(config),
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
   * The back-end login for a request, by the site's access policy (access-policy.ts): the site's own
   * account, the caller's (pass-through), or a gateway account's. `intent: 'write'` refuses a
   * read-only site or account here, before any back-end command.
   */
  access(siteName: string, supplied?: Caller, intent: 'read' | 'write' = 'read'): Access {
    const access = resolveAccess(this.site(siteName), supplied);
    // The login travels in USER and PASS: judged on its bytes in the site's encoding, like paths.
    const encoding = access.site.encoding;
    if (unsendable(access.creds.user, encoding) || unsendable(access.creds.password, encoding)) {
      throw new GatewayError('bad_request', `the user name or password holds a character that cannot be sent to this site (${encoding}: NUL, CR, LF or not representable)`);
    }
    if (intent === 'write') this.assertWritable(access);
    return access;
  }

  /** The site's back-end connections, for /metrics and tests. */
  poolStats(siteName: string): BackendStats {
    return this.runtime(siteName).backend.stats();
  }

  /** What a front may know of a site's back end: its declared capabilities. */
  capabilities(siteName: string): Backend['capabilities'] {
    return this.runtime(siteName).backend.capabilities;
  }

  private runtime(name: string): SiteRuntime {
    const runtime = this.sites.get(name);
    if (!runtime) throw new GatewayError('site_not_found', `no site named "${name}"`);
    return runtime;
  }

  private backend(access: Access): Backend {
    return this.runtime(access.site.name).backend;
  }

  private call(access: Access, what: string): Call {
    return { login: access.creds, what };
  }

  /**
   * Every path a front hands in, checked before any back-end command: each name must travel as one
   * command line in the site's encoding (latin1 writes U+010A as LF), hold no "\" on a Windows
   * server, and not be one of the gateway's own temporary names (400 to create one; to read or
   * delete one it does not exist, as in listings).
   */
  private admit(access: Access, path: RemotePath, intent: 'read' | 'create'): void {
    const backend = this.backend(access);
    for (const segment of path.segments) {
      const why = unsendable(segment, access.site.encoding);
      if (why) throw new GatewayError('bad_path', `a name in the path ${why}`);
      const refused = backend.nameProblem(segment);
      if (refused) throw new GatewayError('bad_path', refused.sent);
      if (isReservedName(segment)) {
        if (intent === 'create') throw new GatewayError('bad_path', `names starting with "${RESERVED_PREFIX}" are reserved for the gateway's temporary files`);
        throw new GatewayError('not_found', `${path} does not exist`);
      }
    }
  }

  /** Check a path a front is about to use (e.g. a resumable upload's target, before it starts). */
  checkTarget(access: Access, path: RemotePath): void {
    this.admit(access, path, 'create');
  }

  /** Why a listed name cannot be served (a RemotePath segment that one command line carries), or undefined. */
  private unservable(access: Access, name: string): string | undefined {
    try {
      checkSegment(name);
    } catch (err) {
      return err instanceof GatewayError ? err.detail : String(err);
    }
    return this.backend(access).nameProblem(name)?.listed ?? unsendable(name, access.site.encoding);
  }

  /** Listed names a back end may refuse later ("\\" on some FTP servers): let it find out once. */
  private async learnNames(access: Access, folder: RemotePath, entries: ListedEntry[]): Promise<void> {
    await this.backend(access).learnNames(this.call(access, `listing ${folder}`), folder.under(access.site.root), entries.map((e) => e.name));
  }

  /** Split a listing into what can be served and what cannot. */
  private sortOut(access: Access, folder: RemotePath, entries: readonly Entry[]): { servable: Entry[]; skipped: SkippedName[] } {
    const servable: Entry[] = [];
    const skipped: SkippedName[] = [];
    for (const e of entries) {
      const reason = this.unservable(access, e.name);
      if (reason) skipped.push({ folder, name: e.name, reason });
      else servable.push(e);
    }
    return { servable, skipped };
  }

  /** Authorization for every change, whichever front asks: refused before any back-end command. */
  assertWritable(access: Access): void {
    if (access.site.readOnly || access.readOnly) {
      const whose = access.account && !this.site(access.site.name).readOnly ? `account "${access.account}"` : `site "${access.site.name}"`;
      throw new GatewayError('read_only', `${whose} is read-only`);
    }
  }

  // ---- reading ----

  /** A folder's entries (cached briefly). `fresh` skips the cache. */
  async list(access: Access, path: RemotePath, fresh = false): Promise<Entry[]> {
    return (await this.listing(access, path, fresh)).servable.slice(); // the view is shared: callers may sort their copy
  }

  /** A folder's entries without the gateway's own temporary files, sorted into servable and not. */
  private async listing(access: Access, path: RemotePath, fresh = false): Promise<ListingView> {
    this.admit(access, path, 'read');
    const { cache } = this.runtime(access.site.name);
    const fullPath = path.under(access.site.root);
    const owner = credentialKey(access.site.name, access.creds);
    if (!fresh) {
      const hit = cache.get(owner, fullPath);
      if (hit) return this.viewOf(access, path, fullPath, hit);
    }
    let entries: ListedEntry[];
    try {
      entries = await this.backend(access).list(this.call(access, `listing ${path}`), fullPath);
    } catch (err) {
      // MLSD of a file is a 550 on some servers (Pure-FTPd, ProFTPD): a file is not a missing folder.
      if (path.isRoot || !(err instanceof GatewayError && err.code === 'not_found')) throw err;
      const self = (await this.listing(access, path.parent, fresh)).servable.find((e) => e.name === path.name);
      if (self?.type === 'file') throw new GatewayError('conflict', `${path} is a file, not a folder`);
      throw err;
    }
    // LIST of a file lists the file itself, and some servers (vsftpd) answer LIST of a
    // missing folder with an empty listing: ask the parent what this path really is.
    // (LIST of a file names the file, some servers with its whole path.)
    const only = entries.length === 1 ? entries[0]! : undefined;
    const maybeFile = only !== undefined && only.type !== 'directory' && only.name.split('/').pop() === path.name;
    if (!path.isRoot && (entries.length === 0 || maybeFile)) {
      const parent = (await this.listing(access, path.parent, fresh)).servable;
      const self = parent.find((e) => e.name === path.name);
      if (!self) throw new GatewayError('not_found', `${path} does not exist`);
      if (self.type === 'file') throw new GatewayError('conflict', `${path} is a file, not a folder`);
    }
    const visible = entries.filter((e) => !isReservedName(e.name));
    await this.learnNames(access, path, visible);
    cache.set(owner, fullPath, visible);
    const view = await this.viewOf(access, path, fullPath, visible);
    for (const s of view.skipped) {
      this.log.warn({ site: access.site.name, folder: path.toString(), name: s.name, reason: s.reason }, 'listing: a name the gateway cannot serve is left out');
    }
    return view;
  }

  /**
   * What fronts see of a listing: servable entries with the journal's generations, computed once
   * per listing the cache holds (a GET in a 2,000-file folder does not sort and look up the
   * whole folder again), and dropped with it when it expires or a change invalidates it.
   */
  private async viewOf(access: Access, folder: RemotePath, fullPath: string, listed: readonly ListedEntry[]): Promise<ListingView> {
    const known = this.views.get(listed);
    if (known) return known;
    const sorted = this.sortOut(access, folder, listed);
    const generations = await this.generationsOf(access, fullPath);
    const servable =
      generations === undefined || generations.size === 0
        ? sorted.servable
        : sorted.servable.map((e) => {
            const generation = e.type === 'file' ? generations.get(e.name) : undefined;
            return generation ? { ...e, generation } : e;
          });
    const view: ListingView = { servable, skipped: sorted.skipped, times: new Map() };
    if (generations !== undefined) this.views.set(listed, view); // without them, ask the journal again next time
    return view;
  }

  /** The journal's generations on a folder's files (for their ETags); undefined while the state store is away. */
  private async generationsOf(access: Access, folder: string): Promise<Map<string, string> | undefined> {
    try {
      return await this.guard.journal.folder(access.site.name, folder);
    } catch (err) {
      // The state store is away: a listing still works; ETags lose their generation meanwhile.
      if (err instanceof StateUnavailableError) return undefined;
      throw err;
    }
  }

  /**
   * One entry with the most precise time the server offers: MLSD's facts, or else MDTM for a
   * file (LIST may give only the minute or the day). For single-resource answers (GET, HEAD,
   * conditional requests, PROPFIND Depth 0); listings keep the listed time.
   */
  async describe(access: Access, path: RemotePath, fresh = false): Promise<Entry | undefined> {
    const found = await this.lookUp(access, path, fresh);
    if (!found?.view || found.entry.type !== 'file') return found?.entry;
    const { entry, view } = found;
    const backend = this.backend(access);
    if (!backend.capabilities.preciseTimes) return entry;
    // Asked once per cached listing: the time is as fresh as the size and listed time beside it.
    const known = view.times.get(entry.name);
    if (known) return { ...entry, modified: known };
    try {
      const time = await backend.modifiedTime(this.call(access, `time of ${path}`), path.under(access.site.root));
      if (time === undefined) return entry;
      view.times.set(entry.name, time);
      return { ...entry, modified: time };
    } catch (err) {
      if (!(err instanceof GatewayError && err.status < 500)) throw err;
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
    return (await this.lookUp(access, path, fresh))?.entry;
  }

  /** An entry and the listing view it was found in (none for the root). */
  private async lookUp(access: Access, path: RemotePath, fresh: boolean): Promise<{ entry: Entry; view?: ListingView } | undefined> {
    if (path.isRoot) return { entry: { name: '', type: 'directory', size: 0 } };
    if (path.segments.some(isReservedName)) return undefined; // never there, as far as fronts know
    this.admit(access, path, 'read');
    let view: ListingView;
    try {
      view = await this.listing(access, path.parent, fresh);
    } catch (err) {
      if (err instanceof GatewayError && (err.code === 'not_found' || err.code === 'conflict')) return undefined;
      throw err;
    }
    return entryIn(view, path.name);
  }

  /**
   * An entry as the cached listing of its folder names it, with no back-end command: undefined
   * when that listing is not cached, or does not name it (then only the back end can tell).
   * For fronts that would otherwise list the path itself to learn what it is (WebDAV).
   */
  async cachedEntry(access: Access, path: RemotePath): Promise<Entry | undefined> {
    if (path.isRoot || path.segments.some(isReservedName)) return undefined;
    this.admit(access, path, 'read');
    const folder = path.parent;
    const fullPath = folder.under(access.site.root);
    const listed = this.runtime(access.site.name).cache.get(credentialKey(access.site.name, access.creds), fullPath);
    if (!listed) return undefined;
    return entryIn(await this.viewOf(access, folder, fullPath, listed), path.name)?.entry;
  }

  /** Stream a file, or a byte range of it. */
  async read(access: Access, path: RemotePath, range?: ByteRange): Promise<RemoteReadable> {
    this.admit(access, path, 'read');
    return this.backend(access).read(this.call(access, `reading ${path}`), path.under(access.site.root), range);
  }

  // ---- changing ----

  /**
   * Upload a stream. It goes to a temporary name in the same folder and is renamed over the
   * target only after the server confirmed the whole transfer, so a failed or aborted upload
   * never destroys or half-writes an existing file.
   */
  async write(access: Access, path: RemotePath, source: Readable, options: WriteOptions = {}): Promise<WriteResult> {
    this.assertWritable(access);
    this.admit(access, path, 'create');
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
      bytes = await this.backend(access).store(this.call(access, `uploading ${path}`), temp.under(root), source);
      options.beforeCommit?.();
    } catch (err) {
      this.removeLater(access, temp);
      throw err;
    }
    try {
      const done = await this.commit(access, temp, path, options, existing ?? null);
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
  private async commit(
    access: Access,
    temp: RemotePath,
    target: RemotePath,
    options: WriteOptions,
    /** What the caller found at the target before the upload (null: nothing), when it looked. */
    before?: Entry | null,
  ): Promise<{ created: boolean; path: RemotePath }> {
    const root = access.site.root;
    // Only a condition (no overwrite, If-Match, a drop box's next name) needs a fresh look at the
    // target under the lock; a plain overwrite goes by what was there before the upload (it saves
    // a listing, a data connection, per upload).
    const conditional = options.overwrite === false || options.precondition !== undefined || options.nextName !== undefined;
    for (let attempt = 1; ; attempt++) {
      const here = target;
      let outcome: 'created' | 'replaced' | 'taken';
      try {
        outcome = await this.guard.withCommitLock(access.site.name, here.under(root), async () => {
          const current =
            !conditional && before !== undefined && attempt === 1
              ? (before ?? undefined)
              : options.precondition
                ? await this.describe(access, here, true)
                : await this.find(access, here, true);
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

  /**
   * Run `fn` holding the commit locks of these back-end paths of one site, taken in a fixed order so
   * that two requests over the same paths cannot wait for each other.
   */
  private async underCommitLocks<T>(site: string, fullPaths: string[], fn: () => Promise<T>): Promise<T> {
    const paths = [...new Set(fullPaths)].sort();
    const hold = (i: number): Promise<T> => (i === paths.length ? fn() : this.guard.withCommitLock(site, paths[i]!, () => hold(i + 1)));
    try {
      return await hold(0);
    } catch (err) {
      if (err instanceof StateUnavailableError) {
        throw new GatewayError('unavailable', 'cannot take a commit lock; try again shortly', { cause: err, retryAfter: 2 });
      }
      throw err;
    }
  }

  /** Check a precondition on the current target (fresh, with its precise time). */
  async checkPrecondition(access: Access, path: RemotePath, precondition: Precondition | undefined): Promise<void> {
    if (precondition) precondition(await this.describe(access, path, true));
  }

  /** Put a finished temporary file in its target's place. */
  private async renameOver(access: Access, temp: RemotePath, target: RemotePath, targetExists: boolean): Promise<void> {
    try {
      await this.renameRaw(access, temp, target, targetExists);
    } catch (err) {
      // Some back ends (IIS's FTP server) will not rename over an existing file: the old one
      // goes aside, and comes back if the new one cannot be put in its place.
      if (!(targetExists && err instanceof RenameOverRefused)) throw err;
      await this.replaceAside(access, target, { name: target.name, type: 'file', size: 0 }, () => this.renameRaw(access, temp, target));
    }
  }

  /** Remove a temporary file in the background, retrying while the server is away. */
  private removeLater(access: Access, temp: RemotePath, attempt = 0): void {
    this.backend(access).removeFile(this.call(access, 'cleanup'), temp.under(access.site.root)).then(
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
    this.admit(access, path, 'create');
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
        await this.backend(access).mkdir(this.call(access, `creating ${here}`), here.under(root));
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

  /**
   * Delete a file, or a folder with everything in it when `recursive`. A folder is walked and
   * checked first: when it holds a name the gateway cannot delete, nothing is deleted (409
   * naming it), rather than stopping half-way.
   */
  async remove(access: Access, path: RemotePath, options: { recursive?: boolean; precondition?: Precondition } = {}): Promise<void> {
    this.assertWritable(access);
    this.admit(access, path, 'read');
    if (path.isRoot) throw new GatewayError('forbidden', 'the site root cannot be deleted');
    const entry = await this.stat(access, path, true);
    if (entry.type === 'directory' && !options.recursive) {
      throw new GatewayError('conflict', `${path} is a folder: delete it with recursive=true`);
    }
    await this.assertUnlocked(access, path, { deep: true, membership: true });
    try {
      const removeIt = async (): Promise<void> => {
        if (entry.type === 'directory') await this.deleteTree(access, await this.treeOf(access, path));
        else await this.backend(access).removeFile(this.call(access, `deleting ${path}`), path.under(access.site.root));
      };
      if (options.precondition) {
        // Re-checked under the commit lock, so no upload is published between check and delete.
        await this.guard.withCommitLock(access.site.name, path.under(access.site.root), async () => {
          await this.checkPrecondition(access, path, options.precondition);
          await removeIt();
        });
      } else {
        await removeIt();
      }
      await this.guard.journal.forget(access.site.name, path.under(access.site.root)).catch(() => undefined);
    } finally {
      this.invalidate(access, path.parent);
      this.invalidate(access, path);
    }
  }

  /**
   * Every entry of a folder tree (the gateway's own temporary files included), children before
   * their folder, the folder last. Refuses, before anything is deleted, a tree holding a name
   * that cannot be sent to the server.
   */
  private async treeOf(access: Access, folder: RemotePath): Promise<{ path: RemotePath; isDir: boolean }[]> {
    const out: { path: RemotePath; isDir: boolean }[] = [];
    const visit = async (dir: RemotePath): Promise<void> => {
      const fullPath = dir.under(access.site.root);
      const children = await this.backend(access).list(this.call(access, `listing ${dir}`), fullPath);
      await this.learnNames(access, dir, children);
      for (const child of children) {
        const reason = this.unservable(access, child.name);
        if (reason) {
          throw new GatewayError('conflict', `${dir.isRoot ? '' : dir}/${child.name} cannot be deleted through the gateway (${reason}): nothing was deleted`);
        }
        const path = dir.child(child.name);
        if (child.type === 'directory') await visit(path);
        out.push({ path, isDir: child.type === 'directory' });
      }
    };
    await visit(folder);
    out.push({ path: folder, isDir: true });
    return out;
  }

  private async deleteTree(access: Access, tree: { path: RemotePath; isDir: boolean }[]): Promise<void> {
    const root = access.site.root;
    const items = tree.map(({ path, isDir }) => ({ path: path.under(root), folder: isDir }));
    await this.backend(access).removeAll(this.call(access, `deleting ${tree[tree.length - 1]?.path ?? ''}`), items);
  }

  /** Remove a temporary file or tree of ours; failures are logged, never thrown (it stays hidden). */
  private async discard(access: Access, path: RemotePath, isDir: boolean): Promise<void> {
    try {
      if (isDir) await this.deleteTree(access, await this.treeOf(access, path));
      else await this.backend(access).removeFile(this.call(access, 'cleanup'), path.under(access.site.root));
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'not_found') return;
      this.log.warn({ site: access.site.name, path: path.toString(), err: err instanceof Error ? err.message : String(err) }, 'a temporary file of the gateway could not be removed');
      if (!isDir) this.removeLater(access, path);
    } finally {
      this.invalidate(access, path.parent);
    }
  }

  private async renameRaw(access: Access, from: RemotePath, to: RemotePath, replace = false): Promise<void> {
    const root = access.site.root;
    await this.backend(access).rename(this.call(access, `renaming ${from}`), from.under(root), to.under(root), { replace });
  }

  /**
   * Replace an existing target without ever losing it: the old target is renamed aside under a
   * reserved name, `putInPlace` brings the new one in, and only then is the aside removed. When
   * `putInPlace` fails the aside is renamed back. A folder target is replaced the same way.
   */
  private async replaceAside(access: Access, target: RemotePath, existing: Entry, putInPlace: () => Promise<void>): Promise<void> {
    const aside = target.parent.child(randomName(ASIDE_PREFIX));
    try {
      await this.renameRaw(access, target, aside);
      try {
        await putInPlace();
      } catch (err) {
        try {
          await this.renameRaw(access, aside, target);
        } catch (restoreErr) {
          this.log.warn(
            { site: access.site.name, target: target.toString(), aside: aside.toString(), err: restoreErr instanceof Error ? restoreErr.message : String(restoreErr) },
            'the replaced target could not be put back: it is kept under its aside name',
          );
          throw new GatewayError('bad_gateway', `replacing ${target} failed and the old content could not be put back; it is kept as ${aside}`, { cause: err });
        }
        throw err;
      }
    } finally {
      this.invalidate(access, target.parent);
      this.invalidate(access, target);
    }
    await this.discard(access, aside, existing.type === 'directory');
  }

  /** A move or copy target: its parent is a folder; returns what is there now (refused unless `overwrite`). */
  private async targetOf(access: Access, to: RemotePath, overwrite: boolean): Promise<Entry | undefined> {
    if (to.isRoot) throw new GatewayError('conflict', 'the site root cannot be replaced');
    const parent = await this.find(access, to.parent, true);
    if (!parent || parent.type !== 'directory') throw new GatewayError('conflict', `folder ${to.parent} does not exist`);
    const existing = await this.find(access, to, true);
    if (existing && !overwrite) throw new GatewayError('target_exists', `${to} already exists`);
    return existing;
  }

  /**
   * A move or copy between a path and itself, one of its folders or something inside it would
   * destroy the source (replacing a folder that holds it) or never end: refused before any
   * command, whatever the overwrite flag.
   */
  private assertApart(source: Access, from: RemotePath, target: Access, to: RemotePath, verb: 'move' | 'copy'): void {
    if (source.site.name !== target.site.name) return;
    const a = from.under(source.site.root);
    const b = to.under(target.site.root);
    if (!nested(a, b)) return;
    const why = a === b ? 'is the source itself' : b.startsWith(a === '/' ? a : a + '/') ? 'lies inside the source' : 'is a folder that holds the source';
    throw new GatewayError('conflict', `cannot ${verb} ${from} to ${to}: the target ${why}`);
  }

  async move(access: Access, from: RemotePath, to: RemotePath, options: { overwrite?: boolean; precondition?: Precondition } = {}): Promise<{ replaced: boolean }> {
    this.assertWritable(access);
    this.admit(access, from, 'read');
    this.admit(access, to, 'create');
    if (from.isRoot) throw new GatewayError('forbidden', 'the site root cannot be moved');
    if (to.isRoot) throw new GatewayError('conflict', 'the site root cannot be replaced');
    this.assertApart(access, from, access, to, 'move');
    await this.stat(access, from, true);
    await this.assertUnlocked(access, from, { deep: true, membership: true });
    await this.assertUnlocked(access, to, { deep: true, membership: true });
    const root = access.site.root;
    let replaced = false;
    try {
      // Under both paths' commit locks, the source's validator and the target are looked at right
      // before the rename: no upload through the gateway is published to either meanwhile.
      await this.underCommitLocks(access.site.name, [from.under(root), to.under(root)], async () => {
        await this.checkPrecondition(access, from, options.precondition);
        const existing = await this.targetOf(access, to, options.overwrite ?? false);
        replaced = existing !== undefined;
        await this.guard.journal.bump(access.site.name, to.under(root)).catch(() => undefined);
        if (existing) await this.replaceAside(access, to, existing, () => this.renameRaw(access, from, to));
        else await this.renameRaw(access, from, to);
        await this.guard.journal.forget(access.site.name, from.under(root)).catch(() => undefined);
      });
    } finally {
      for (const p of [from.parent, from, to.parent, to]) this.invalidate(access, p);
    }
    return { replaced };
  }

  /**
   * Copy a file or folder tree, streamed through the gateway; `target` may be another site. The
   * copy is built under a temporary name and replaces the target only when complete, so a copy
   * that fails (source unreadable, server gone, quota) leaves the old target as it was.
   * `shallow` copies a folder alone (WebDAV COPY with Depth: 0).
   */
  async copy(
    source: Access,
    from: RemotePath,
    target: Access,
    to: RemotePath,
    options: { overwrite?: boolean; shallow?: boolean; precondition?: Precondition } = {},
  ): Promise<{ replaced: boolean }> {
    this.assertWritable(target);
    this.admit(source, from, 'read');
    this.admit(target, to, 'create');
    if (to.isRoot) throw new GatewayError('conflict', 'the site root cannot be replaced');
    this.assertApart(source, from, target, to, 'copy');
    const entry = await this.stat(source, from, true);
    await this.assertUnlocked(target, to, { deep: true, membership: true });
    await this.checkPrecondition(source, from, options.precondition);
    await this.targetOf(target, to, options.overwrite ?? false); // refused before anything is copied
    const temp = to.parent.child(randomName(COPY_PREFIX));
    const root = target.site.root;
    let replaced = false;
    try {
      await this.copyInto(source, from, entry, target, temp, options.shallow === true);
      // Under the target's commit lock: the source still matches its validator (else the copy may
      // hold a newer version than the one validated) and the target is looked at again.
      await this.underCommitLocks(target.site.name, [to.under(root)], async () => {
        await this.checkPrecondition(source, from, options.precondition);
        const existing = await this.targetOf(target, to, options.overwrite ?? false);
        replaced = existing !== undefined;
        await this.guard.journal.bump(target.site.name, to.under(root)).catch(() => undefined);
        if (existing) await this.replaceAside(target, to, existing, () => this.renameRaw(target, temp, to));
        else await this.renameRaw(target, temp, to);
      });
    } catch (err) {
      await this.discard(target, temp, entry.type === 'directory');
      throw err;
    } finally {
      this.invalidate(target, to.parent);
      this.invalidate(target, to);
    }
    return { replaced };
  }

  /** Copy `from` to `to` (a new name of ours), file by file through the gateway. */
  private async copyInto(source: Access, from: RemotePath, entry: Entry, target: Access, to: RemotePath, shallow: boolean): Promise<void> {
    const root = target.site.root;
    if (entry.type !== 'directory') {
      // Bounded by the listed size, like every download: a control connection lost after the
      // last byte (its 226 never arriving) is then still a complete copy, and a short one fails.
      const stream = await this.read(source, from, entry.size > 0 ? { start: 0, end: entry.size - 1 } : undefined);
      try {
        await this.backend(target).store(this.call(target, `copying ${from}`), to.under(root), stream, { nested: true });
      } finally {
        stream.destroy();
      }
      return;
    }
    await this.backend(target).mkdir(this.call(target, `creating ${to}`), to.under(root));
    if (shallow) return;
    const { servable, skipped } = await this.listing(source, from, true);
    const bad = skipped[0];
    if (bad) throw new GatewayError('conflict', `${from}/${bad.name} cannot be copied through the gateway (${bad.reason})`);
    for (const child of servable) await this.copyInto(source, from.child(child.name), child, target, to.child(child.name), false);
  }

  /**
   * Every entry under a folder (the folder itself excluded), parents before children, walked
   * through listings only. Stops with an error as soon as a limit is passed, so a caller can
   * refuse a too-large tree before it starts streaming anything. Names the gateway cannot serve
   * are left out and reported in `skipped`.
   */
  async walk(access: Access, folder: RemotePath, limits: WalkLimits): Promise<WalkResult> {
    const root = await this.stat(access, folder);
    if (root.type !== 'directory') throw new GatewayError('conflict', `${folder} is not a folder`);
    const found: WalkEntry[] = [];
    const skipped: SkippedName[] = [];
    let bytes = 0;
    const pending: RemotePath[] = [folder];
    for (let dir = pending.shift(); dir; dir = pending.shift()) {
      const listing = await this.listing(access, dir);
      skipped.push(...listing.skipped);
      for (const entry of listing.servable) {
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
    return { entries: found, skipped };
  }

  // ---- hidden temporary files, addressed directly (resumable uploads, src/uploads/) ----

  private assertHidden(path: RemotePath): void {
    if (!isTempName(path.name)) throw new GatewayError('bad_path', `${path} is not a temporary upload file`);
  }

  /** The hidden temporary files of a folder, from a fresh listing (sweeps of unfinished uploads). */
  async hiddenEntries(access: Access, folder: RemotePath): Promise<Entry[]> {
    const fullPath = folder.under(access.site.root);
    const entries = await this.backend(access).list(this.call(access, `listing ${folder}`), fullPath);
    return entries.filter((e) => e.type === 'file' && isTempName(e.name));
  }

  /** A hidden file's size as the server reports it, or undefined when it does not exist. */
  async sizeOf(access: Access, path: RemotePath): Promise<number | undefined> {
    this.assertHidden(path);
    return this.backend(access).size(this.call(access, `size of ${path}`), path.under(access.site.root));
  }

  /** Stream a hidden file (a resumable upload's info); fronts cannot read it through read(). */
  async readHidden(access: Access, path: RemotePath): Promise<RemoteReadable> {
    this.assertHidden(path);
    return this.backend(access).read(this.call(access, `reading ${path}`), path.under(access.site.root));
  }

  /** Store a stream to a hidden file as is (no temporary name, no rename); the bytes sent. */
  async storeHidden(access: Access, path: RemotePath, source: Readable): Promise<number> {
    this.assertWritable(access);
    this.assertHidden(path);
    return this.backend(access).store(this.call(access, `storing ${path}`), path.under(access.site.root), source);
  }

  /** Append a stream to a hidden file (created when missing); the bytes sent. Needs the back end's `append`. */
  async append(access: Access, path: RemotePath, source: Readable): Promise<number> {
    this.assertWritable(access);
    this.assertHidden(path);
    const backend = this.backend(access);
    if (!backend.capabilities.append) throw new GatewayError('not_implemented', `site "${access.site.name}" cannot append to a file`);
    return backend.append(this.call(access, `appending to ${path}`), path.under(access.site.root), source);
  }

  /** Delete a hidden file; fine when it is gone already. */
  async removeHidden(access: Access, path: RemotePath): Promise<void> {
    this.assertWritable(access);
    this.assertHidden(path);
    try {
      await this.backend(access).removeFile(this.call(access, `deleting ${path}`), path.under(access.site.root));
    } catch (err) {
      if (!(err instanceof GatewayError && err.code === 'not_found')) throw err;
    }
  }

  /** Rename a finished hidden file over its target, as write() does with its temporary file. */
  async commitHidden(access: Access, temp: RemotePath, target: RemotePath, options: { overwrite?: boolean } = {}): Promise<{ created: boolean }> {
    this.assertWritable(access);
    this.assertHidden(temp);
    this.admit(access, target, 'create');
    if (target.isRoot) throw new GatewayError('conflict', `cannot write over ${target}`);
    const { created } = await this.commit(access, temp, target, { overwrite: options.overwrite });
    return { created };
  }

  /** Can we reach the site? With its own login where it has one (the back end decides how). */
  async probe(siteName: string): Promise<void> {
    await this.runtime(siteName).backend.probe();
  }

  /** Does this access's back-end login work? (401 when refused.) */
  async verifyLogin(access: Access): Promise<void> {
    await this.backend(access).verifyLogin(this.call(access, `logging in to site ${access.site.name}`));
  }

  invalidate(access: Access, path: RemotePath): void {
    this.runtime(access.site.name).cache.invalidate(path.under(access.site.root));
  }

  async close(): Promise<void> {
    await Promise.all([...this.sites.values()].map((s) => s.backend.close()));
  }
}
