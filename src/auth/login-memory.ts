// What the gateway learnt from recent FTP logins of pass-through sites, keyed by a digest of
// site, user name and password made with a per-process key (the password itself is never
// kept). A login that failed is refused again without asking the FTP server, so a guesser
// repeating a password does not feed the server's own lock-out; a login that worked is not
// checked again for a while, so a signed-in client costs no extra FTP command per request.
import { digest } from './constant-time.js';

export type LoginOutcome = 'ok' | 'failed';

export interface LoginMemoryOptions {
  /** How long a failed login is answered from memory. */
  failedMs?: number;
  /** How long a login that worked is trusted without another check. */
  okMs?: number;
  /** Bound on the logins remembered; the oldest are forgotten first. */
  maxKeys?: number;
  now?: () => number;
}

export class LoginMemory {
  private readonly entries = new Map<string, { outcome: LoginOutcome; until: number }>();
  private readonly failedMs: number;
  private readonly okMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: LoginMemoryOptions = {}) {
    this.failedMs = options.failedMs ?? 60_000;
    this.okMs = options.okMs ?? 5 * 60_000;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  private static key(site: string, user: string, password: string): string {
    // NUL cannot occur in a site name or a user name: the parts cannot run into each other.
    return digest(`${site}\0${user}\0${password}`).toString('base64');
  }

  get(site: string, user: string, password: string): LoginOutcome | undefined {
    const key = LoginMemory.key(site, user, password);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.until) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.outcome;
  }

  remember(site: string, user: string, password: string, outcome: LoginOutcome): void {
    const key = LoginMemory.key(site, user, password);
    this.entries.delete(key);
    this.entries.set(key, { outcome, until: this.now() + (outcome === 'ok' ? this.okMs : this.failedMs) });
    while (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
  }
}
