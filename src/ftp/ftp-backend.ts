// The FTP back end of a site: the core's Backend (src/core/backend.ts) over a pool of logged-in
// sessions. Here live the FTP commands, the servers' quirks (names with "\", MDTM, IIS refusing
// to rename over a file, ftp-srv's SIZE of an empty file) and the mapping of FTP replies onto
// the core's errors; the core sees none of it.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { SiteConfig } from '../config/schema.js';
import { RenameOverRefused, type Backend, type BackendCapabilities, type BackendStats, type Call, type RemoteReadable, type StoreOptions } from '../core/backend.js';
import { GatewayError } from '../core/errors.js';
import type { ByteRange, ListedEntry } from '../core/types.js';
import { FtpReplyError } from './errors.js';
import type { ClientOf } from './fair-share.js';
import { SessionPool } from './pool.js';
import type { GatewayThrottle } from './throttle.js';
import { fromFtpError, type Operation } from './reply-errors.js';
import { credentialKey } from '../core/login-key.js';
import { FtpSession, type FtpLogger } from './session.js';

/** The FTP reply behind a GatewayError, when a server's refusal caused it. */
function replyOf(err: unknown): FtpReplyError | undefined {
  return err instanceof GatewayError && err.cause instanceof FtpReplyError ? err.cause : undefined;
}

function split(path: string): { folder: string; name: string } {
  const at = path.lastIndexOf('/');
  return { folder: at <= 0 ? '/' : path.slice(0, at), name: path.slice(at + 1) };
}

const join = (folder: string, name: string) => (folder.endsWith('/') ? folder + name : `${folder}/${name}`);

export class FtpBackend implements Backend {
  readonly capabilities: BackendCapabilities = { append: true, preciseTimes: true, renameOver: 'maybe', backslashInNames: 'learned' };
  private readonly pool: SessionPool;
  /** Learnt from the sessions (SYST, or a probe): "\" separates folders on this server. */
  private windows = false;
  /** Whether the server takes names with "\" (Pure-FTPd refuses them: 553), learnt once. */
  private backslash?: 'ok' | 'refused';
  /** Does the server answer MDTM? Unknown until first asked. */
  private mdtm?: boolean;
  /** Listings being fetched, by login and folder: a burst of requests for one folder shares one LIST (see list). */
  private readonly listings = new Map<string, { entries: Promise<ListedEntry[]>; changes: number }>();
  /** Bumped when a change through this site starts and when it ends: a listing begun before it is not shared after. */
  private changes = 0;

  constructor(
    private readonly site: SiteConfig,
    log: FtpLogger,
    clientOf?: ClientOf,
    gateway?: GatewayThrottle,
  ) {
    this.pool = new SessionPool(site, log, undefined, clientOf, gateway);
  }

  /** `transfer`: a STOR or APPE, held to the pool's transfer shares (pool.ts). */
  private async run<T>(call: Call, op: Operation, fn: (s: FtpSession) => Promise<T>, transfer = false): Promise<T> {
    if (op === 'write') this.changes++;
    try {
      return await this.pool.run(
        call.login,
        (s) => {
          this.windows = s.windows;
          return fn(s);
        },
        { retryOnStale: op === 'read', transfer },
      );
    } catch (err) {
      throw fromFtpError(err, op, call.what);
    } finally {
      if (op === 'write') this.changes++;
    }
  }

  /**
   * LIST (or MLSD) of a folder. Requests of one login for a folder whose LIST is already on its
   * way take that one's answer (each its own copy) instead of sending their own: when a cached
   * listing expires under 64 parallel GETs of one folder, nearly every request listed it again,
   * each with a session, a data connection and a parse of its own. Never shared across a change
   * made through this site (begun or ended since that LIST started): the answer then may predate it.
   */
  list(call: Call, path: string): Promise<ListedEntry[]> {
    const key = `${credentialKey(this.site.name, call.login)}\n${path}`;
    const running = this.listings.get(key);
    if (running && running.changes === this.changes) return running.entries.then((entries) => entries.map((e) => ({ ...e })));
    const flight = { entries: this.run(call, 'read', (s) => s.list(path)), changes: this.changes };
    this.listings.set(key, flight);
    const done = () => {
      if (this.listings.get(key) === flight) this.listings.delete(key);
    };
    flight.entries.then(done, done);
    return flight.entries;
  }

  /** MDTM, on a server that lists without MLSD (LIST may give only the minute, or the day). */
  async modifiedTime(call: Call, path: string): Promise<Date | undefined> {
    if (this.mdtm === false) return undefined;
    try {
      const time = await this.run(call, 'read', async (s) => (s.listsWithMlsd ? undefined : s.modifiedTime(path)));
      if (time === undefined) return undefined;
      this.mdtm = true;
      return Number.isNaN(time.getTime()) ? undefined : time;
    } catch (err) {
      if (err instanceof GatewayError && (err.code === 'not_implemented' || err.code === 'bad_gateway')) {
        this.mdtm = false;
        return undefined;
      }
      throw err;
    }
  }

  async size(call: Call, path: string): Promise<number | undefined> {
    try {
      return await this.run(call, 'read', (s) => s.size(path));
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'not_found') return undefined;
      // No SIZE, or an answer that is not a number (ftp-srv says "213 File status" for 0 bytes): list.
      if (!(err instanceof GatewayError && (err.code === 'not_implemented' || /numerical value/.test(err.detail)))) throw err;
      const { folder, name } = split(path);
      return (await this.list(call, folder)).find((e) => e.name === name && e.type === 'file')?.size;
    }
  }

  async read(call: Call, path: string, range?: ByteRange): Promise<RemoteReadable> {
    try {
      return await this.pool.read(call.login, path, range);
    } catch (err) {
      throw fromFtpError(err, 'read', call.what);
    }
  }

  store(call: Call, path: string, source: Readable, options: StoreOptions = {}): Promise<number> {
    return this.run(call, 'write', (s) => s.write(path, source), !options.nested);
  }

  append(call: Call, path: string, source: Readable): Promise<number> {
    return this.run(call, 'write', (s) => s.write(path, source, 'append'), true);
  }

  async rename(call: Call, from: string, to: string, options: { replace?: boolean } = {}): Promise<void> {
    try {
      await this.run(call, 'write', (s) => s.rename(from, to));
    } catch (err) {
      // Some servers (IIS among them) will not rename over an existing file.
      const reply = replyOf(err);
      if (options.replace && reply && reply.code >= 550) throw new RenameOverRefused((err as GatewayError).detail, { cause: reply, serverCode: reply.code });
      throw err;
    }
  }

  async mkdir(call: Call, path: string): Promise<void> {
    await this.run(call, 'write', (s) => s.send('MKD', path));
  }

  async removeFile(call: Call, path: string): Promise<void> {
    await this.run(call, 'write', (s) => s.send('DELE', path));
  }

  async removeFolder(call: Call, path: string): Promise<void> {
    await this.run(call, 'write', (s) => s.send('RMD', path));
  }

  async removeAll(call: Call, items: readonly { path: string; folder: boolean }[]): Promise<void> {
    await this.run(call, 'write', async (s) => {
      for (const { path, folder } of items) await s.send(folder ? 'RMD' : 'DELE', path);
    });
  }

  nameProblem(name: string): { listed: string; sent: string } | undefined {
    if (!name.includes('\\')) return undefined;
    if (this.windows) return { listed: 'a "\\" on a Windows server', sent: 'a name may not contain "\\" on this FTP server (Windows)' };
    if (this.backslash === 'refused') {
      return { listed: 'the FTP server refuses names with "\\"', sent: 'a name may not contain "\\" on this FTP server (it refuses such names)' };
    }
    return undefined;
  }

  /**
   * Some servers list names with "\" but refuse every command that names them (Pure-FTPd: "553
   * Prohibited file name"). Asked once per site, the first time such a name is listed, with a CWD
   * into a name that cannot exist (harmless: it changes nothing, and sessions use absolute paths).
   */
  async learnNames(call: Call, folder: string, names: readonly string[]): Promise<void> {
    if (this.backslash !== undefined || this.windows || !names.some((n) => n.includes('\\'))) return;
    const probe = join(folder, `.ftpgate-probe-${randomBytes(8).toString('hex')}\\x`);
    try {
      await this.run({ ...call, what: 'checking names with "\\"' }, 'read', (s) => s.send('CWD', probe));
      this.backslash = 'ok';
    } catch (err) {
      const reply = replyOf(err);
      if (reply) this.backslash = reply.code === 553 ? 'refused' : 'ok';
    }
  }

  /** Logs in with the site's own account, or only reads the greeting for pass-through sites. */
  async probe(): Promise<void> {
    const site = this.site;
    try {
      if (site.credentials === 'fixed') await this.pool.run({ user: site.user, password: site.password }, (s) => s.noop());
      else await FtpSession.greeting(site);
    } catch (err) {
      throw fromFtpError(err, 'read', `reaching site ${site.name}`);
    }
  }

  /** One NOOP on a session of that login (401 when refused). */
  async verifyLogin(call: Call): Promise<void> {
    await this.run(call, 'read', (s) => s.noop());
  }

  stats(): BackendStats {
    return this.pool.stats();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
