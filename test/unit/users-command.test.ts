// `ftpgate users add NAME` writes an entry the gateway's own loader accepts, with a bcrypt hash
// of the given password (never the password), and keeps the file intact on a mistake.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUsersFile } from '../../src/auth/accounts.js';
import { usersCommand } from '../../src/auth/users-command.js';
import { ensureBuilt } from '../ops/built-cli.js';

async function* lines(...values: string[]) {
  yield* values;
}
const sink = () => {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s), text: () => chunks.join('') };
};

describe('ftpgate users add', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'ftpgate-users-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('adds an account with a bcrypt hash that the gateway loads and verifies', async () => {
    const file = join(dir, 'users.yaml');
    const out = sink();
    const code = await usersCommand(['add', 'alice', '--users-file', file, '--sites', 'files,home', '--ftp-user', 'team', '--root', '/alice', '--read-only'], out, sink(), lines('s3cret pw', 'ftp-pw'));
    expect(code).toBe(0);
    expect(out.text()).toContain('added user "alice"');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('s3cret pw');
    const [record] = loadUsersFile(file);
    expect(record!.grant).toEqual({ name: 'alice', sites: ['files', 'home'], ftp: { user: 'team', password: 'ftp-pw' }, root: '/alice', readOnly: true });
    expect(await bcrypt.compare('s3cret pw', record!.hash)).toBe(true);

    // A second account is appended; the same name again is refused unless --replace.
    expect(await usersCommand(['add', 'bob', '--users-file', file, '--sites', '*', '--ftp-user', 'team'], sink(), sink(), lines('bob-pw', ''))).toBe(0);
    const err = sink();
    expect(await usersCommand(['add', 'alice', '--users-file', file, '--sites', '*', '--ftp-user', 'x'], sink(), err, lines('other', ''))).toBe(2);
    expect(err.text()).toContain('exists already');
    expect(loadUsersFile(file).map((r) => r.grant.name)).toEqual(['alice', 'bob']);
    expect(await usersCommand(['add', 'alice', '--users-file', file, '--sites', '*', '--ftp-user', 'x', '--replace'], sink(), sink(), lines('new-pw', ''))).toBe(0);
    expect(await bcrypt.compare('new-pw', loadUsersFile(file)[0]!.hash)).toBe(true);
  });

  it('refuses bad input with a message and leaves the file as it was', async () => {
    const file = join(dir, 'keep.json');
    await writeFile(file, JSON.stringify({ users: [] }));
    const cases: string[][] = [
      ['add', 'a:b', '--users-file', file, '--sites', 'x', '--ftp-user', 'u'],
      ['add', 'carol', '--users-file', file, '--ftp-user', 'u'],
      ['add', 'carol', '--users-file', file, '--sites', 'x'],
      ['add', 'carol', '--users-file', file, '--sites', 'x', '--ftp-user', 'u', '--root', '/../up'],
      ['remove', 'carol', '--users-file', file],
    ];
    for (const argv of cases) {
      const err = sink();
      expect(await usersCommand(argv, sink(), err, lines('pw', 'ftp')), argv.join(' ')).toBe(2);
      expect(err.text()).toMatch(/ftpgate users: \S/);
    }
    expect(await usersCommand(['add', 'carol', '--users-file', file, '--sites', 'x', '--ftp-user', 'u'], sink(), sink(), lines('', ''))).toBe(2);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ users: [] });
  });

  it('runs as the built command: `ftpgate users add` (loaded only when that command is given)', async () => {
    const cli = await ensureBuilt();
    const file = join(dir, 'cli.yaml');
    const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, [cli, 'users', 'add', 'dora', '--users-file', file, '--sites', 'x', '--ftp-user', 'team'], { timeout: 30_000 }, (error, stdout) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
      );
      child.stdin!.end('dora-pw\nftp-pw\n');
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('added user "dora"');
    const [record] = loadUsersFile(file);
    expect(await bcrypt.compare('dora-pw', record!.hash)).toBe(true);
  });
});
