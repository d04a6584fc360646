// Browser sign-ins, kept in this process's memory only: the cookie carries a random
// 256-bit id, never a credential. One id may hold logins for several sites.
import { randomBytes } from 'node:crypto';
import type { Credentials } from '../../core/types.js';

export interface StoreOptions {
  /** A session unused this long is forgotten. */
  idleMs?: number;
  /** A session older than this is forgotten, used or not. */
  maxAgeMs?: number;
  /** Oldest sessions are dropped beyond this many, so memory stays bounded. */
  maxSessions?: number;
}

interface Session {
  sites: Map<string, Credentials>;
  created: number;
  lastSeen: number;
}

const ID_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly idleMs: number;
  private readonly maxAgeMs: number;
  private readonly maxSessions: number;

  constructor(options: StoreOptions = {}, private readonly now: () => number = Date.now) {
    this.idleMs = options.idleMs ?? 8 * 3600_000;
    this.maxAgeMs = options.maxAgeMs ?? 24 * 3600_000;
    this.maxSessions = options.maxSessions ?? 10_000;
  }

  /** The live session with this id, touched; undefined when unknown or expired. */
  private get(id: string | undefined): Session | undefined {
    if (!id || !ID_FORMAT.test(id)) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const t = this.now();
    if (t - session.lastSeen > this.idleMs || t - session.created > this.maxAgeMs) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeen = t;
    // Re-insert so the Map's order is least recently used first.
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return session;
  }

  credentials(id: string | undefined, site: string): Credentials | undefined {
    return this.get(id)?.sites.get(site);
  }

  /** Who is signed in where, without passwords. */
  describe(id: string | undefined): Record<string, { user: string }> {
    const out: Record<string, { user: string }> = {};
    for (const [site, creds] of this.get(id)?.sites ?? []) out[site] = { user: creds.user };
    return out;
  }

  /**
   * Record a login. A fresh id is issued on every sign-in (no session fixation); the
   * sites already signed into under the old id move over. Returns the id to set.
   */
  signIn(oldId: string | undefined, site: string, creds: Credentials): string {
    const previous = this.get(oldId);
    if (previous && oldId) this.sessions.delete(oldId);
    const id = randomBytes(32).toString('base64url');
    const t = this.now();
    const sites = new Map(previous?.sites ?? []);
    sites.set(site, { user: creds.user, password: creds.password });
    this.sessions.set(id, { sites, created: previous?.created ?? t, lastSeen: t });
    while (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
    return id;
  }

  /** Forget one site's login, or all of them. Returns whether the session still holds any. */
  signOut(id: string | undefined, site?: string): boolean {
    const session = this.get(id);
    if (!session || !id) return false;
    if (site === undefined) session.sites.clear();
    else session.sites.delete(site);
    if (session.sites.size === 0) this.sessions.delete(id);
    return session.sites.size > 0;
  }
}
