// The embedded StateStore: the maps in one SQLite file under the data folder, so WebDAV locks,
// dead properties, share links and the write journal survive a restart. SQLite is the
// WebAssembly build node-sqlite3-wasm (no compiler, no native binary: `npm ci --ignore-scripts`
// in the Docker image installs it as is). Each change is one transaction in WAL mode with
// synchronous=NORMAL: a crash mid-write leaves the old or the new map, never half, and a commit
// costs no fsync. The bindings are synchronous, so every fsync stalled the whole event loop, and
// on ext4 an fsync also flushes the FTP server's dirty upload data when it shares the disk: the
// bench's 100 MiB PUT spent 3.2 s of 13 s in fsync under rollback-journal, synchronous=FULL (one
// journal bump per upload). What WAL with NORMAL gives up is the last commits before a power cut
// (not a process crash): a write generation or a lock from those seconds may be lost, never a file.
// The WAL is synced and folded back only at checkpoints (every 1,000 pages, SQLite's default).
//
// One gateway process owns a data folder (several instances share state through Redis): it
// holds SQLite's lock for its whole life (locking_mode=EXCLUSIVE: no lock and no re-read of the
// file per statement), and its mutexes are in-process. The VFS of node-sqlite3-wasm locks with
// a "<file>.lock" folder, which a crashed process leaves behind: owner.pid says whose it is, and
// a lock whose owner is no longer running is removed at start-up.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import './wasm-tiering.js'; // first: the flag must be set before node-sqlite3-wasm compiles SQLite
import sqlite from 'node-sqlite3-wasm';
import { LocalMutexes } from './mutex.js';
import { StateUnavailableError, type MapSnapshot, type MutexOptions, type StateStore } from './state.js';

export const STATE_FILE = 'state.sqlite';
const OWNER_FILE = 'owner.pid';

type Db = InstanceType<typeof sqlite.Database>;

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the data folder for this process: refuse one in use by a running gateway, clear a crashed one's lock. */
function takeFolder(dataDir: string, file: string): void {
  const ownerFile = join(dataDir, OWNER_FILE);
  let owner: number | undefined;
  try {
    owner = Number(readFileSync(ownerFile, 'utf8').trim()) || undefined;
  } catch {
    // no owner recorded
  }
  if (owner !== undefined && owner !== process.pid && running(owner)) {
    throw new Error(`the data folder ${dataDir} is in use by process ${owner}; give each instance its own, or share state through Redis`);
  }
  rmSync(`${file}.lock`, { recursive: true, force: true }); // left by a process that is gone
  writeFileSync(ownerFile, `${process.pid}\n`, { mode: 0o600 });
}

export class SqliteState implements StateStore {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  private readonly db: Db;
  private readonly mutexes = new LocalMutexes();
  /** Each map's version as stored (see versionOf). */
  private readonly versions = new Map<string, number>();

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.file = join(dataDir, STATE_FILE);
    takeFolder(dataDir, this.file);
    this.db = new sqlite.Database(this.file);
    // EXCLUSIVE first: this VFS has no shared memory, which WAL needs unless the lock is exclusive.
    this.db.exec('PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS entries (map TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (map, key));' +
        'CREATE TABLE IF NOT EXISTS versions (map TEXT PRIMARY KEY, version INTEGER NOT NULL);',
    );
  }

  private call<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (this.db.inTransaction) {
        try {
          this.db.exec('ROLLBACK');
        } catch {
          // the transaction is gone already
        }
      }
      throw new StateUnavailableError(`state file ${this.file}: ${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * A map's version. This process alone writes the file (locking_mode=EXCLUSIVE), so a version
   * changes only through apply() here: read once, then kept, and the WebDAV front's sync() before
   * every request (two maps) costs no SQL statement.
   */
  private versionOf(map: string): number {
    let version = this.versions.get(map);
    if (version === undefined) {
      const row = this.db.get('SELECT version FROM versions WHERE map = ?', [map]);
      version = row ? Number(row.version) : 0;
      this.versions.set(map, version);
    }
    return version;
  }

  async version(map: string): Promise<string> {
    return this.call('read', () => String(this.versionOf(map)));
  }

  async get(map: string, key: string): Promise<string | undefined> {
    return this.call('read', () => {
      const row = this.db.get('SELECT value FROM entries WHERE map = ? AND key = ?', [map, key]);
      return row ? String(row.value) : undefined;
    });
  }

  async load(map: string): Promise<MapSnapshot> {
    return this.call('read', () => {
      // Synchronous: nothing can change the file between these two reads in this process.
      const version = String(this.versionOf(map));
      const entries = new Map<string, string>();
      for (const row of this.db.all('SELECT key, value FROM entries WHERE map = ?', [map])) {
        entries.set(String(row.key), String(row.value));
      }
      return { version, entries };
    });
  }

  async apply(map: string, changes: ReadonlyMap<string, string | undefined>): Promise<{ before: string; after: string }> {
    return this.call('write', () => {
      this.db.exec('BEGIN IMMEDIATE');
      const before = this.versionOf(map);
      for (const [key, value] of changes) {
        if (value === undefined) this.db.run('DELETE FROM entries WHERE map = ? AND key = ?', [map, key]);
        else this.db.run('INSERT INTO entries (map, key, value) VALUES (?, ?, ?) ON CONFLICT (map, key) DO UPDATE SET value = excluded.value', [map, key, value]);
      }
      this.db.run('INSERT INTO versions (map, version) VALUES (?, ?) ON CONFLICT (map) DO UPDATE SET version = excluded.version', [map, before + 1]);
      this.db.exec('COMMIT');
      this.versions.set(map, before + 1);
      return { before: String(before), after: String(before + 1) };
    });
  }

  withMutex<T>(name: string, fn: () => Promise<T>, options: MutexOptions = {}): Promise<T> {
    return this.mutexes.run(name, fn, options);
  }

  async ping(): Promise<void> {
    this.call('ping', () => this.db.get('SELECT 1'));
  }

  async close(): Promise<void> {
    if (!this.db.isOpen) return;
    this.db.close();
    rmSync(join(this.dataDir, OWNER_FILE), { force: true });
  }
}
