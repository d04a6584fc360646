// A users file that cannot be used stops start-up with exit 2 and a message naming the file, the
// line and the field (issue 15: an htpasswd file or a wrong key gave "invalid setting usersFile.:
// Invalid input" and exit 1).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUsersFile } from '../../src/auth/accounts.js';
import { ensureBuilt } from '../ops/built-cli.js';

const run = promisify(execFile);
const HASH = '$2b$04$' + 'a'.repeat(53);

describe('users file errors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ftpgate-usersfile-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  const messageOf = (path: string) => {
    try {
      loadUsersFile(path);
    } catch (err) {
      return (err as Error).message;
    }
    return 'no error';
  };

  it('an htpasswd file is named as such, with its line', async () => {
    const path = await file('users.htpasswd', `# team\nalice:${HASH.replace('$2b$', '$2y$')}\n`);
    expect(messageOf(path)).toMatch(new RegExp(`^invalid setting usersFile: ${path} line 2: this is an htpasswd line`));
  });

  it('a wrong key names the file, the line and the field', async () => {
    const yaml = await file('users.yaml', `users:\n  - name: alice\n    password: secret\n    sites: [files]\n    ftpUser: team\n`);
    expect(messageOf(yaml)).toBe(`invalid setting usersFile: ${yaml} line 3, field users[0].password: unknown field "password"; expected name, passwordHash, sites, ftpUser, ftpPassword, ftpPasswordFile, root, readOnly`);
    const json = await file('users.json', JSON.stringify({ users: [{ name: 'a', passwordHash: HASH, sites: ['x'], ftpUser: 'u' }, { name: 'b', passwordHash: 'plain', sites: ['x'], ftpUser: 'u' }] }, null, 2));
    expect(messageOf(json)).toMatch(new RegExp(`^invalid setting usersFile: ${json} line 13, field users\\[1\\]\\.passwordHash: a bcrypt hash`));
    const missing = await file('missing.yaml', `users:\n  - name: alice\n    passwordHash: "${HASH}"\n    ftpUser: team\n`);
    expect(messageOf(missing)).toBe(`invalid setting usersFile: ${missing} line 2, field users[0]: missing field "sites"`);
  });

  it('the command exits 2 with that message', async () => {
    const cli = await ensureBuilt();
    const path = await file('cli.htpasswd', `alice:${HASH}\n`);
    const result = await run(process.execPath, [cli, '--site', 'acc=ftp://127.0.0.1:1/?auth=accounts', '--users-file', path, '--listen', '127.0.0.1:0'], {
      env: { PATH: process.env.PATH },
      timeout: 30_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code, stderr: e.stderr ?? '' }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path} line 1: this is an htpasswd line`);
  });
});
