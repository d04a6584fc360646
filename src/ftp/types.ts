type EntryType = 'file' | 'directory' | 'symlink';

/** One line of a folder listing, whatever format the server used. */
export interface FtpEntry {
  name: string;
  type: EntryType;
  size: number;
  modified?: Date;
}

/** An FTP login. Held in memory only; pools are keyed by a hash of it. */
export interface Credentials {
  user: string;
  password: string;
}

export interface ByteRange {
  start: number;
  /**
   * Last byte wanted, inclusive; undefined reads to the end of the file. When set, exactly
   * end - start + 1 bytes are delivered or the stream fails: a range stops the transfer
   * early, and a file that turned out shorter than its listed size is an error, not a
   * quietly short body.
   */
  end?: number;
}
