import type { SiteConfig } from '../config/schema.js';
import type { Credentials, FtpEntry } from '../ftp/types.js';

export type { ByteRange, Credentials, EntryType } from '../ftp/types.js';
export type Entry = FtpEntry;

/** Who is asking, on which site: resolved by a front, checked by the core. */
export interface Access {
  site: SiteConfig;
  creds: Credentials;
}

/** What a front may show about a site (no host, no account). */
export interface SiteSummary {
  name: string;
  readOnly: boolean;
  credentials: SiteConfig['credentials'];
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
