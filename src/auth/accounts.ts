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
import { parse as parseYaml } from 'yaml';
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

const fileSchema = z.union([z.array(userSchema), z.object({ users: z.array(userSchema) }).strict()]);

export interface AccountRecord {
  grant: AccountGrant;
  hash: string;
}

/** Read and check a users file; every problem is a ConfigError naming the field. */
export function loadUsersFile(path: string): AccountRecord[] {
  let data: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError('usersFile', `cannot read ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`usersFile.${issue.path.join('.')}`, issue.message);
  }
  const users = Array.isArray(parsed.data) ? parsed.data : parsed.data.users;
  const names = new Set<string>();
  return users.map((u, i) => {
    const field = `usersFile.${i}`;
    if (names.has(u.name)) throw new ConfigError(`${field}.name`, `user "${u.name}" is defined twice`);
    names.add(u.name);
    let root: string;
    try {
      root = RemotePath.fromPlain(u.root).toString();
    } catch (err) {
      throw new ConfigError(`${field}.root`, err instanceof GatewayError ? err.detail : 'not a valid folder');
    }
    const password = u.ftpPasswordFile ? readSecretFile(u.ftpPasswordFile, `${field}.ftpPasswordFile`) : (u.ftpPassword ?? '');
    if (!noControl.test(password)) throw new ConfigError(`${field}.ftpPassword`, 'no CR, LF or NUL');
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
