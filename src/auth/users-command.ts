// `ftpgate users add NAME`: write a gateway account with a bcrypt hash into the users file
// (src/auth/accounts.ts reads it), so nobody has to hash passwords by hand. The password comes
// from a prompt without echo, or from the first line of standard input when it is piped.
import { readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadUsersFile } from './accounts.js';

const USERS_HELP = `Usage: ftpgate users add NAME --sites SITE[,SITE...] --ftp-user USER [options]

Adds (or with --replace, replaces) a gateway account in the users file, with a bcrypt hash of a
password asked for without echo (or read from the first line of standard input when piped).

  --users-file FILE          the users file (YAML, or JSON when it ends in .json) [FTPGATE_USERS_FILE]
  --sites A,B                the sites (with auth: accounts) the account may use; "*" for all
  --ftp-user USER            the FTP login that serves the account's requests
  --ftp-password-file FILE   where that FTP login's password is (else it is asked for too)
  --root /FOLDER             the account's folder, under the site's root (default: the whole site)
  --read-only                the account may not change anything
  --replace                  replace an account of the same name
`;

type Out = { write(text: string): unknown };

/** Ask on a terminal without echo, or take the next line of piped input. */
async function secret(prompt: string, lines: AsyncIterator<string> | undefined, err: Out): Promise<string> {
  if (lines) {
    const next = await lines.next();
    return next.done ? '' : next.value;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  err.write(prompt);
  muted._writeToOutput = () => {};
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  err.write('\n');
  return answer;
}

export async function usersCommand(argv: string[], out: Out = process.stdout, err: Out = process.stderr, stdinLines?: AsyncIterable<string>): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'users-file': { type: 'string' },
        sites: { type: 'string' },
        'ftp-user': { type: 'string' },
        'ftp-password-file': { type: 'string' },
        root: { type: 'string' },
        'read-only': { type: 'boolean' },
        replace: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    err.write(`ftpgate users: ${(e as Error).message}\n\n${USERS_HELP}`);
    return 2;
  }
  const { values: o, positionals } = parsed;
  if (o.help) return void out.write(USERS_HELP), 0;
  const [verb, name] = positionals;
  const file = o['users-file'] ?? process.env.FTPGATE_USERS_FILE;
  const fail = (message: string) => (err.write(`ftpgate users: ${message}\n`), 2);
  if (verb !== 'add' || !name || positionals.length !== 2) return fail(`expected "users add NAME"\n\n${USERS_HELP}`);
  if (!file) return fail('--users-file (or FTPGATE_USERS_FILE) is needed');
  if (/[\r\n\0:]/.test(name)) return fail('a user name may not contain ":", CR, LF or NUL');
  if (!o.sites) return fail('--sites is needed (the sites this account may use, or "*")');
  if (!o['ftp-user']) return fail('--ftp-user is needed (the FTP login that serves this account)');

  const json = file.endsWith('.json');
  let users: Record<string, unknown>[] = [];
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    const data = (json ? JSON.parse(text) : parseYaml(text)) as unknown;
    users = Array.isArray(data) ? data : ((data as { users?: Record<string, unknown>[] } | null)?.users ?? []);
  }
  const taken = users.findIndex((u) => u.name === name);
  if (taken >= 0 && !o.replace) return fail(`user "${name}" exists already in ${file} (use --replace)`);

  const iterator = stdinLines ? stdinLines[Symbol.asyncIterator]() : process.stdin.isTTY ? undefined : createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const password = await secret(`Password for ${name}: `, iterator, err);
  if (!password) return fail('the password may not be empty');
  if (!iterator && (await secret('Again: ', iterator, err)) !== password) return fail('the passwords differ');
  const entry: Record<string, unknown> = {
    name,
    passwordHash: await bcrypt.hash(password, 12),
    sites: o.sites.split(',').map((s) => s.trim()).filter(Boolean),
    ftpUser: o['ftp-user'],
  };
  if (o['ftp-password-file']) entry.ftpPasswordFile = o['ftp-password-file'];
  else entry.ftpPassword = await secret(`FTP password of ${o['ftp-user']}: `, iterator, err);
  if (o.root) entry.root = o.root;
  if (o['read-only']) entry.readOnly = true;
  if (taken >= 0) users[taken] = entry;
  else users.push(entry);

  // Written next to the file, checked by the same loader the gateway uses, then renamed over it:
  // a mistake leaves the old file as it was.
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, json ? JSON.stringify({ users }, null, 2) + '\n' : toYaml({ users }), { mode: 0o600 });
  try {
    loadUsersFile(temp);
  } catch (e) {
    const { rmSync } = await import('node:fs');
    rmSync(temp, { force: true });
    return fail(`the file would not load: ${(e as Error).message}`);
  }
  renameSync(temp, file);
  out.write(`${taken >= 0 ? 'replaced' : 'added'} user "${name}" in ${file}\n`);
  return 0;
}
