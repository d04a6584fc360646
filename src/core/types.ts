import type { SiteConfig } from '../config/schema.js';
import type { Credentials, FtpEntry } from '../ftp/types.js';

export type { ByteRange, Credentials, EntryType } from '../ftp/types.js';
export type Entry = FtpEntry;

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
  /** false: refuse when the target exists (If-None-Match: *). */
  overwrite?: boolean;
  /** Last check before the upload replaces its target; throwing abandons the upload. */
  beforeCommit?: () => void;
}

export interface WriteResult {
  created: boolean;
  bytes: number;
}
