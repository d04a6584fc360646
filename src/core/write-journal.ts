// The journal of the gateway's own writes: for each file the gateway wrote, a generation that
// is new on every write. It goes into the file's ETag, so that two writes within the listing's
// time resolution (vsftpd's LIST: a minute) and of one size still give two validators. It lives
// in the state store (shared by instances through Redis, kept across restarts by SQLite), one
// map per folder so a listing reads only its own folder's entries.
import { randomBytes } from 'node:crypto';
import type { StateStore } from '../state/state.js';

/** The map of one folder, by site and the folder's full FTP path. */
function mapOf(site: string, folder: string): string {
  return `journal:${site}:${folder}`;
}

function split(ftpPath: string): [string, string] {
  const at = ftpPath.lastIndexOf('/');
  return [ftpPath.slice(0, at) || '/', ftpPath.slice(at + 1)];
}

export class WriteJournal {
  constructor(private readonly state: StateStore) {}

  /** Record a write: the file gets a generation nobody saw before (time + randomness, not a counter: no read-modify-write). */
  async bump(site: string, ftpPath: string): Promise<string> {
    const generation = Date.now().toString(36) + randomBytes(4).toString('hex');
    const [folder, name] = split(ftpPath);
    await this.state.apply(mapOf(site, folder), new Map([[name, generation]]));
    return generation;
  }

  /** The file is gone (deleted, moved away). */
  async forget(site: string, ftpPath: string): Promise<void> {
    const [folder, name] = split(ftpPath);
    await this.state.apply(mapOf(site, folder), new Map([[name, undefined]]));
  }

  /** Generations of a folder's files, by name. */
  async folder(site: string, folderPath: string): Promise<Map<string, string>> {
    return (await this.state.load(mapOf(site, folderPath))).entries;
  }
}
