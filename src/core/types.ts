import type { SiteConfig } from '../config/schema.js';
import type { RemotePath } from './paths.js';

type EntryType = 'file' | 'directory' | 'symlink';

/** One entry of a folder listing, as a back end reports it. */
export interface ListedEntry {
  name: string;
  type: EntryType;
  size: number;
  modified?: Date;
}

/** A back-end login. Held in memory only; pools and caches are keyed by a hash of it. */
export interface Credentials {
  user: string;
  password: string;
}

export interface ByteRange {
  start: number;
  /**
   * Last byte wanted, inclusive; undefined reads to the end of the file. When set, exactly
   * end - start + 1 bytes are delivered or the stream fails: a file that turned out shorter
   * than its listed size is an error, not a quietly short body.
   */
  end?: number;
}

export interface Entry extends ListedEntry {
  /** The gateway's own write generation of this file (src/core/write-journal.ts), part of its ETag. */
  generation?: string;
}

/**
 * A condition on the current state of a target (If-Match, If-Unmodified-Since), checked before
 * a change and again under the commit lock right before it: throws GatewayError
 * 'precondition_failed' to refuse it. `current` is undefined when the target does not exist.
 */
export type Precondition = (current: Entry | undefined) => void;

/**
 * Who is asking, on which site: resolved by a front, checked by the core. For a gateway account
 * `site` is the site as the account sees it: its root is the account's folder, and it is
 * read-only when the account is.
 */
export interface Access {
  site: SiteConfig;
  /** The FTP login that serves the request. */
  creds: Credentials;
  /** Writes are refused (403) before any FTP command: the site or the account is read-only. */
  readOnly?: boolean;
  /** The gateway account behind the request, for auth = accounts. */
  account?: string;
  /** WebDAV lock tokens the request submitted (If header, Lock-Token): changes to locked resources need them. */
  lockTokens?: ReadonlySet<string>;
}

/** A gateway account, as loaded from the users file (src/auth/accounts.ts). */
export interface AccountGrant {
  name: string;
  /** Site names, or '*' for every site with auth = accounts. */
  sites: readonly string[];
  ftp: Credentials;
  /** A folder under the site root (plain path such as "/team/alice"); "/" for the whole site. */
  root: string;
  readOnly: boolean;
}

/**
 * What a front supplies to RemoteFs.access: HTTP credentials, and, once a front has verified
 * them against the users file, the account they belong to.
 */
export interface Caller extends Credentials {
  account?: AccountGrant;
}

/** What a front may show about a site (no host, no account). */
export interface SiteSummary {
  name: string;
  readOnly: boolean;
  credentials: SiteConfig['credentials'];
  /** Who may use the site: fixed, pass-through, accounts (gateway accounts can make share links), public. */
  auth: SiteConfig['auth'];
  tls: SiteConfig['tls'];
  encoding: SiteConfig['encoding'];
}

export interface WriteOptions {
  /** false: refuse when the target exists (If-None-Match: *), checked again under the commit lock. */
  overwrite?: boolean;
  /** Last check before the upload replaces its target; throwing abandons the upload. */
  beforeCommit?: () => void;
  /** If-Match / If-Unmodified-Since on the target. */
  precondition?: Precondition;
  /**
   * With overwrite false: when the target was taken meanwhile, another name to commit to
   * (drop boxes: "a (1).txt"); undefined gives up with 412.
   */
  nextName?: (taken: RemotePath, attempt: number) => RemotePath | undefined;
}

export interface WriteResult {
  created: boolean;
  bytes: number;
  /** Where the file landed (the target, or the name nextName gave). */
  path: RemotePath;
}

/** Where the core and its back ends log (pino's child loggers fit). */
export interface CoreLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}
