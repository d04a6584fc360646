// The embedded state store: maps and versions survive closing and reopening the file, a change
// is all or nothing, a lock folder left by a crashed process does not block the store, and two
// gateways never open one data folder.
import fs, { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import sqlite from 'node-sqlite3-wasm';
import { SqliteState, STATE_FILE } from '../../src/state/sqlite.js';
import { createStateStore } from '../../src/state/index.js';

describe('SqliteState', () => {
  const dirs: string[] = [];
  const newDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'ftpgate-sqlite-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps maps and versions across a reopen', async () => {
    const dir = newDir();
    const a = new SqliteState(dir);
    const { before, after } = await a.apply('m', new Map([['k1', 'v1'], ['k2', 'v2']]));
    expect([before, after]).toEqual(['0', '1']);
    await a.apply('m', new Map([['k2', undefined]]));
    await a.close();
    const b = new SqliteState(dir);
    const snap = await b.load('m');
    expect(snap.version).toBe('2');
    expect([...snap.entries]).toEqual([['k1', 'v1']]);
    expect(await b.get('m', 'k1')).toBe('v1');
    expect(await b.get('other', 'k1')).toBeUndefined();
    await b.close();
  });

  it('answers version() from memory after the first read: the WebDAV front asks it before every request', async () => {
    const dir = newDir();
    const a = new SqliteState(dir);
    await a.apply('m', new Map([['k', 'v']]));
    await a.close();
    const b = new SqliteState(dir);
    const statements = vi.spyOn(sqlite.Database.prototype, 'get');
    try {
      expect(await b.version('m')).toBe('1'); // read from the file once
      for (let i = 0; i < 5; i++) expect(await b.version('m')).toBe('1');
      expect(statements).toHaveBeenCalledTimes(1);
      await b.apply('m', new Map([['k', 'w']]));
      expect(await b.version('m')).toBe('2'); // a change made here moves it on
      expect((await b.load('m')).version).toBe('2');
    } finally {
      statements.mockRestore();
      await b.close();
    }
  });

  it('removes the lock folder of a crashed owner, and refuses a folder a running gateway owns', async () => {
    const dir = newDir();
    const a = new SqliteState(dir);
    await a.apply('m', new Map([['k', 'v']]));
    await a.close();
    // A crash leaves SQLite's lock folder and the owner's pid (a process that is gone).
    mkdirSync(join(dir, `${STATE_FILE}.lock`));
    writeFileSync(join(dir, 'owner.pid'), '2147483646\n');
    const b = new SqliteState(dir);
    await b.apply('m', new Map([['k', 'w']]));
    expect(await b.get('m', 'k')).toBe('w');
    await b.close();
    // A running process (our parent) owns it: refused, nothing touched.
    writeFileSync(join(dir, 'owner.pid'), `${process.ppid}\n`);
    expect(() => new SqliteState(dir)).toThrow(/in use by process/);
  });

  it('keeps every committed change when the process dies without closing (the WAL is replayed)', async () => {
    const dir = newDir();
    const a = new SqliteState(dir);
    for (let i = 0; i < 30; i++) await a.apply('m', new Map([[`k${i}`, `v${i}`]]));
    await a.apply('m', new Map([['k0', undefined]]));
    // What a killed process leaves on disk: the files as they are now, WAL and lock folder included.
    const crashed = newDir();
    cpSync(dir, crashed, { recursive: true });
    writeFileSync(join(crashed, 'owner.pid'), '2147483646\n');
    await a.close();
    const b = new SqliteState(crashed);
    const snap = await b.load('m');
    expect(snap.version).toBe('31');
    expect(snap.entries.size).toBe(29);
    expect(await b.get('m', 'k29')).toBe('v29');
    expect(await b.get('m', 'k0')).toBeUndefined();
    await b.close();
  });

  it('commits without an fsync, which would stall the event loop (WAL with synchronous=NORMAL)', async () => {
    const dir = newDir();
    const a = new SqliteState(dir);
    await a.apply('m', new Map([['warm', 'up']])); // the first write creates the WAL file
    const fsync = vi.spyOn(fs, 'fsyncSync');
    try {
      for (let i = 0; i < 50; i++) await a.apply('m', new Map([[`k${i}`, 'v']]));
      expect(fsync).not.toHaveBeenCalled();
    } finally {
      fsync.mockRestore();
      await a.close();
    }
  });

  it('is what createStateStore gives for a data folder, and memory for "none"', async () => {
    const dir = newDir();
    const s = await createStateStore({ dataDir: join(dir, 'nested') });
    expect(s.kind).toBe('sqlite');
    await s.close();
    const m = await createStateStore({ dataDir: 'none' });
    expect(m.kind).toBe('memory');
  });
});
