// The seam between the core and a site's storage. A back end (FTP in src/ftp/, the in-memory
// one in core/memory-backend.ts) implements `Backend` in the core's own types and errors:
// paths are absolute back-end paths ("/a/b", already under the site's root and checked by the
// core), every failure is a GatewayError of the one catalogue. What a back end can do beyond the
// basics it declares in `capabilities`, so the core asks instead of guessing. Everything true of
// every back end (access, path rules, the listing cache, temporary names, replace-aside, commit
// locks, recursive copy/move/delete) stays in the core (remote-fs.ts).
import type { Readable } from 'node:stream';
import { GatewayError } from './errors.js';
import type { ByteRange, Credentials, ListedEntry } from './types.js';

/** A download as fronts receive it: a Readable that counts the bytes delivered so far. */
export interface RemoteReadable extends Readable {
  /** Bytes delivered so far (within the asked range). */
  readonly bytes: number;
}

/**
 * Marks a consumer that takes a download's chunks as they are, as http.ServerResponse does:
 * `write(chunk, release)` keeps the chunk until it calls `release` (the chunk's memory may then be
 * reused), false means "wait for 'drain'", `end()` follows the last chunk. A RemoteReadable piped
 * into such a consumer may hand it the back end's own read buffers instead of copies of them.
 */
export const TAKES_CHUNKS = Symbol.for('ftpgate.takesChunks');

/** Who asks, and what the core is doing (the words a timeout's message starts with, "listing /a"). */
export interface Call {
  login: Credentials;
  what: string;
}

export interface BackendCapabilities {
  /** `append` adds to a file (resumable uploads need it). */
  append: boolean;
  /** `modifiedTime` may give a file's time more precisely than its listing does. */
  preciseTimes: boolean;
  /**
   * Does `rename` replace an existing target? 'maybe': it depends on the server (IIS refuses),
   * and the back end throws RenameOverRefused when it does not; the core then puts the old
   * target aside first.
   */
  renameOver: 'yes' | 'maybe';
  /** Names may hold "\" (false: some servers of the kind may refuse them; see `nameProblem`). */
  backslashInNames: boolean | 'learned';
}

/** What /metrics and the tests see of a back end's connections (zeros where it has none). */
export interface BackendStats {
  open: number;
  idle: number;
  waiting: number;
  /** Connections this site may have now. */
  limit: number;
  /** The server's connection cap as learned from its refusals, if any. */
  learnedLimit?: number;
  /** Connections lent out for transfers. */
  transfers: number;
}

export interface StoreOptions {
  /** The caller already holds a read of this back end (a copy streaming through): not held to a transfer share. */
  nested?: boolean;
}

export interface Backend {
  readonly capabilities: BackendCapabilities;

  /** A folder's entries (the gateway's own hidden files included). not_found for a missing folder where the back end knows. */
  list(call: Call, path: string): Promise<ListedEntry[]>;
  /** A file's modification time when more precise than its listing's; undefined when there is none better. */
  modifiedTime(call: Call, path: string): Promise<Date | undefined>;
  /** A file's size, or undefined when it does not exist. */
  size(call: Call, path: string): Promise<number | undefined>;
  /** Open a read at `range.start`: resolves once the first byte (or the end of an empty file) is there, so a refusal is still an error. */
  read(call: Call, path: string, range?: ByteRange): Promise<RemoteReadable>;
  /** Write a stream to a file, replacing it; the bytes stored. */
  store(call: Call, path: string, source: Readable, options?: StoreOptions): Promise<number>;
  /** Add a stream to the end of a file (created when missing); the bytes stored. Only with capabilities.append. */
  append(call: Call, path: string, source: Readable): Promise<number>;
  /** Rename; over an existing target too, or RenameOverRefused (capabilities.renameOver 'maybe'). */
  rename(call: Call, from: string, to: string, options?: { replace?: boolean }): Promise<void>;
  mkdir(call: Call, path: string): Promise<void>;
  removeFile(call: Call, path: string): Promise<void>;
  /** Remove an empty folder. */
  removeFolder(call: Call, path: string): Promise<void>;
  /** Remove these, in order (files and empty folders), at once where the back end can (one FTP session). */
  removeAll(call: Call, items: readonly { path: string; folder: boolean }[]): Promise<void>;

  /** Why the back end cannot take this name as far as it knows now ("\" on some servers), or undefined. */
  nameProblem(name: string): { listed: string; sent: string } | undefined;
  /** Listed names the back end may not take back: learn, once, whether it does (see nameProblem). */
  learnNames(call: Call, folder: string, names: readonly string[]): Promise<void>;

  /** Can the site be reached (its own login where it has one)? Throws GatewayError when not. */
  probe(): Promise<void>;
  /** Does this login work? 401 when refused. */
  verifyLogin(call: Call): Promise<void>;
  stats(): BackendStats;
  close(): Promise<void>;
}

/**
 * The back end would not rename over an existing target (IIS's FTP server): the core moves the
 * old target aside, renames, and removes it only then.
 */
export class RenameOverRefused extends GatewayError {
  constructor(detail: string, options: { cause?: unknown; serverCode?: number } = {}) {
    super('conflict', detail, options);
    this.name = 'RenameOverRefused';
  }
}
