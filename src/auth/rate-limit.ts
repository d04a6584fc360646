// Failed logins, counted per client address and per user name. Past the limit, a login is not
// even tried (429 with Retry-After): the gateway cannot be used to guess passwords, nor to
// push an FTP server's own failure count until it locks an account out.
export interface LimiterOptions {
  /** Failures allowed from one client address in a window. */
  perAddress: number;
  /** Failures allowed for one user name in a window, from anywhere. */
  perUser: number;
  windowMs: number;
  /** Bound on the keys remembered; the oldest are forgotten first. */
  maxKeys?: number;
  now?: () => number;
}

interface Window {
  count: number;
  resetAt: number;
}

class Counter {
  private readonly windows = new Map<string, Window>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
    private readonly now: () => number,
  ) {}

  /** Milliseconds until this key may try again; 0 when it may now. */
  wait(key: string): number {
    const w = this.windows.get(key);
    if (!w) return 0;
    const t = this.now();
    if (t >= w.resetAt) {
      this.windows.delete(key);
      return 0;
    }
    return w.count >= this.max ? w.resetAt - t : 0;
  }

  fail(key: string): void {
    const t = this.now();
    const w = this.windows.get(key);
    if (w && t < w.resetAt) {
      w.count++;
      return;
    }
    this.windows.delete(key);
    this.windows.set(key, { count: 1, resetAt: t + this.windowMs });
    while (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value as string);
  }

  clear(key: string): void {
    this.windows.delete(key);
  }
}

export class LoginLimiter {
  private readonly byAddress: Counter;
  private readonly byUser: Counter;

  constructor(options: LimiterOptions) {
    const now = options.now ?? Date.now;
    const maxKeys = options.maxKeys ?? 100_000;
    this.byAddress = new Counter(options.perAddress, options.windowMs, maxKeys, now);
    this.byUser = new Counter(options.perUser, options.windowMs, maxKeys, now);
  }

  private static userKey(user: string): string {
    return user.normalize('NFC').toLowerCase();
  }

  /** Seconds to wait before this address may try this user name; 0 when it may try now. */
  retryAfter(address: string, user: string): number {
    const ms = Math.max(this.byAddress.wait(address), this.byUser.wait(LoginLimiter.userKey(user)));
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  fail(address: string, user: string): void {
    this.byAddress.fail(address);
    this.byUser.fail(LoginLimiter.userKey(user));
  }

  /** A login that worked: that user name's count starts over (the address's does not). */
  succeed(user: string): void {
    this.byUser.clear(LoginLimiter.userKey(user));
  }
}
