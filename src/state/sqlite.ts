// The embedded StateStore: the maps in one SQLite file under the data folder, so WebDAV locks,
// dead properties, share links and the write journal survive a restart. SQLite is the
// WebAssembly build node-sqlite3-wasm (no compiler, no native binary: `npm ci --ignore-scripts`
// in the Docker image installs it as is). Each change is one transaction in rollback-journal
// mode with synchronous=FULL: a crash mid-write leaves the old or the new map, never half.
//
// One gateway process owns a data folder: its mutexes are in-process (several instances share
// state through Redis instead). The VFS of node-sqlite3-wasm locks with a "<file>.lock" folder
// that a crashed process leaves behind; since a transaction here lasts milliseconds, one older
// than STALE_LOCK_MS is a leftover and is removed.
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import { LocalMutexes } from './mutex.js';
import { StateUnavailableError, type MapSnapshot, type MutexOptions, type StateStore } from './state.js';

const STALE_LOCK_MS = 30_000;
export const STATE_FILE = 'state.sqlite';

type Db = InstanceType<typeof sqlite.Database>;

function removeStaleLock(file: string): void {
  const lock = `${file}.lock`;
  try {
    if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmdirSync(lock);
  } catch {
    // no lock folder: nothing to do
  }
}

export class SqliteState implements StateStore {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  private readonly db: Db;
  private readonly mutexes = new LocalMutexes();

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.file = join(dataDir, STATE_FILE);
    removeStaleLock(this.file);
    this.db = new sqlite.Database(this.file);
    this.db.exec('PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;');
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

  private versionOf(map: string): number {
    const row = this.db.get('SELECT version FROM versions WHERE map = ?', [map]);
    return row ? Number(row.version) : 0;
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
    if (this.db.isOpen) this.db.close();
  }
}
