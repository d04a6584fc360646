// Gateway accounts: a users file (YAML or JSON) of names with bcrypt hashes, each mapped to
// sites, the FTP account that serves it, an optional folder as its root, and read-only or not.
//
//   users:
//     - name: alice
//       passwordHash: "$2b$12$..."        # htpasswd -nbBC 12 alice 'secret', or bcryptjs
//       sites: [files]                     # or ["*"]: every site with auth: accounts
//       ftpUser: team
//       ftpPasswordFile: /run/secrets/ftp  # or ftpPassword
//       root: /alice                       # optional, under the site root
//       readOnly: true                     # optional
import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { isMap, isScalar, LineCounter, parse as parseYaml, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { readSecretFile } from '../config/load.js';
import { ConfigError } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';
import { RemotePath } from '../core/paths.js';
import type { AccountGrant } from '../core/types.js';
import { digest, matchesDigest } from './constant-time.js';

const noControl = /^[^\r\n\0]*$/;
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

const userSchema = z
  .object({
    name: z.string().min(1).max(256).regex(/^[^\r\n\0:]*$/, 'no ":", CR, LF or NUL'),
    passwordHash: z.string().refine((h) => !h.startsWith('$argon2'), 'argon2 hashes are not supported yet: use bcrypt').pipe(
      z.string().regex(BCRYPT, 'a bcrypt hash ($2b$...)'),
    ),
    sites: z.array(z.string().min(1)).min(1),
    ftpUser: z.string().min(1).max(256).regex(noControl, 'no CR, LF or NUL'),
    ftpPassword: z.string().max(256).regex(noControl, 'no CR, LF or NUL').optional(),
    ftpPasswordFile: z.string().min(1).optional(),
    root: z.string().max(4096).default('/'),
    readOnly: z.boolean().default(false),
  })
  .strict();

const USER_KEYS = Object.keys(userSchema.shape).join(', ');

/** An htpasswd line ("name:hash"), which is not a users file: said so, rather than "invalid input". */
const HTPASSWD_LINE = /^[^\s:#]+:(\$2[aby]?\$|\$apr1\$|\$[156]\$|\{SHA\})/;

/** Where in the file a problem is: "FILE line N, field users[0].sites". */
class UsersFileText {
  private readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();
  constructor(
    readonly path: string,
    text: string,
  ) {
    // JSON is YAML too: one parser gives positions for both.
    this.doc = parseDocument(text, { lineCounter: this.lines });
  }

  /** The 1-based line of the value at `path` (or of the key `key` inside it); 1 when unknown. */
  lineOf(path: ReadonlyArray<PropertyKey>, key?: string): number {
    let node = this.doc.getIn(path as unknown[], true) as unknown;
    if (key !== undefined && isMap(node)) node = node.items.find((p) => isScalar(p.key) && p.key.value === key)?.key ?? node;
    const offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
    return offset === undefined ? 1 : this.lines.linePos(offset).line;
  }

  error(path: ReadonlyArray<PropertyKey>, message: string, key?: string): ConfigError {
    const at = [...path, ...(key !== undefined ? [key] : [])];
    const field = at.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
    return new ConfigError('usersFile', `${this.path} line ${this.lineOf(path, key)}${field ? `, field ${field}` : ''}: ${message}`);
  }
}

export interface AccountRecord {
  grant: AccountGrant;
  hash: string;
}

/** Read and check a users file; every problem is a ConfigError naming the file, the line and the field. */
export function loadUsersFile(path: string): AccountRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('usersFile', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const where = new UsersFileText(path, text);
  const htpasswd = text.split(/\r?\n/).findIndex((l) => HTPASSWD_LINE.test(l));
  if (htpasswd >= 0) {
    throw new ConfigError(
      'usersFile',
      `${path} line ${htpasswd + 1}: this is an htpasswd line ("name:hash"), not a users file. A users file is YAML or JSON: ` +
        '"users:" then, for each account, name, passwordHash (a bcrypt hash; the part of an htpasswd line after ":" will do), sites, ftpUser and ftpPassword or ftpPasswordFile (see the README)',
    );
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError('usersFile', `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  const listed = Array.isArray(data);
  if (!listed && (data === null || typeof data !== 'object')) {
    throw where.error([], 'expected "users:" with a list of accounts (or a list of accounts)');
  }
  const parsed = (listed ? z.array(userSchema) : z.object({ users: z.array(userSchema) }).strict()).safeParse(data);
  if (!parsed.success) {
    // An unknown key first: a misspelt field also shows up as a missing one, and the misspelling is the news.
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const inUser = listed ? issue.path.length === 1 : issue.path.length === 2;
      throw where.error(issue.path, `unknown field "${issue.keys[0]}"; expected ${inUser ? USER_KEYS : 'users'}`, issue.keys[0]);
    }
    const value = where.lineOf(issue.path) !== 1 || issue.path.length === 0 ? issue.path : issue.path.slice(0, -1);
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    throw missing
      ? where.error(value, `missing field "${String(issue.path[issue.path.length - 1])}"`)
      : where.error(issue.path, issue.message);
  }
  const users = Array.isArray(parsed.data) ? parsed.data : parsed.data.users;
  const base = listed ? [] : ['users'];
  const names = new Set<string>();
  return users.map((u, i) => {
    const at = [...base, i];
    if (names.has(u.name)) throw where.error([...at, 'name'], `user "${u.name}" is defined twice`);
    names.add(u.name);
    let root: string;
    try {
      root = RemotePath.fromPlain(u.root).toString();
    } catch (err) {
      throw where.error([...at, 'root'], err instanceof GatewayError ? err.detail : 'not a valid folder');
    }
    let password: string;
    try {
      password = u.ftpPasswordFile ? readSecretFile(u.ftpPasswordFile, 'ftpPasswordFile') : (u.ftpPassword ?? '');
    } catch (err) {
      throw where.error([...at, 'ftpPasswordFile'], (err as Error).message.replace(/^invalid setting ftpPasswordFile: /, ''));
    }
    if (!noControl.test(password)) throw where.error([...at, 'ftpPassword'], 'no CR, LF or NUL');
    return {
      grant: { name: u.name, sites: u.sites, ftp: { user: u.ftpUser, password }, root, readOnly: u.readOnly },
      hash: u.passwordHash,
    };
  });
}

interface Verified {
  hash: string;
  secret: Buffer;
  at: number;
}

export interface StoreOptions {
  /** A verified password is remembered this long (as a keyed digest), sparing bcrypt on every request. */
  cacheMs?: number;
  now?: () => number;
}

export class AccountStore {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly verified = new Map<string, Verified>();
  /** Compared against when the name is unknown, so that unknown names take as long as wrong passwords. */
  private readonly dummyHash: string;
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(records: readonly AccountRecord[], options: StoreOptions = {}) {
    for (const r of records) this.accounts.set(r.grant.name, r);
    // As costly as the accounts' own hashes, so that an unknown name answers as slowly.
    const cost = Math.max(4, ...records.map((r) => Number(BCRYPT.exec(r.hash)?.[1] ?? 10)));
    this.dummyHash = bcrypt.hashSync(digest('dummy').toString('hex'), Math.min(cost, 14));
    this.cacheMs = options.cacheMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  static fromFile(path: string, options?: StoreOptions): AccountStore {
    return new AccountStore(loadUsersFile(path), options);
  }

  get size(): number {
    return this.accounts.size;
  }

  /** An account by name, with no password check (for share links its owner made earlier). */
  grant(name: string): AccountGrant | undefined {
    return this.accounts.get(name)?.grant;
  }

  /** The account when the password matches its hash; undefined otherwise, in the same time either way. */
  async verify(name: string, password: string): Promise<AccountGrant | undefined> {
    const record = this.accounts.get(name);
    const cached = this.verified.get(name);
    if (record && cached && cached.hash === record.hash && this.now() - cached.at < this.cacheMs && matchesDigest(cached.secret, password)) {
      return record.grant;
    }
    const ok = await bcrypt.compare(password, record?.hash ?? this.dummyHash);
    if (!record || !ok) return undefined;
    this.verified.set(name, { hash: record.hash, secret: digest(password), at: this.now() });
    return record.grant;
  }
}
