// Readiness across sites: the gateway can serve while any site is reachable, or, when the
// operator marks sites `required`, while every required one is. One FTP server down must not
// take every gateway out of a load balancer. /readyz and /metrics share the checks.
import type { RemoteFs } from '../core/remote-fs.js';
import { GatewayError } from '../core/errors.js';

export interface Readiness {
  ready: boolean;
  /** Site name: "ok" or what failed. */
  sites: Record<string, string>;
  /** Sites the operator marked required (empty: any reachable site makes the gateway ready). */
  required: string[];
}

const FRESH_MS = 1000;

class SiteReadiness {
  private last?: { at: number; result: Promise<Readiness> };
  constructor(private readonly fs: RemoteFs) {}

  /** Probe every site at once; a check started less than `maxAgeMs` ago is shared. */
  check(maxAgeMs = FRESH_MS): Promise<Readiness> {
    const now = Date.now();
    if (this.last && now - this.last.at < maxAgeMs) return this.last.result;
    const result = this.run();
    this.last = { at: now, result };
    return result;
  }

  private async run(): Promise<Readiness> {
    const names = this.fs.listSites().map((s) => s.name);
    const sites: Record<string, string> = {};
    await Promise.all(
      names.map(async (name) => {
        try {
          await this.fs.probe(name);
          sites[name] = 'ok';
        } catch (err) {
          sites[name] = err instanceof GatewayError ? err.detail : String(err);
        }
      }),
    );
    const required = names.filter((n) => this.fs.site(n).required);
    const ok = (n: string) => sites[n] === 'ok';
    const ready = required.length > 0 ? required.every(ok) : names.some(ok);
    return { ready, sites, required };
  }
}

const bySite = new WeakMap<RemoteFs, SiteReadiness>();

/** The readiness check of this gateway (one per RemoteFs). */
export function readinessOf(fs: RemoteFs): { check(maxAgeMs?: number): Promise<Readiness> } {
  let r = bySite.get(fs);
  if (!r) bySite.set(fs, (r = new SiteReadiness(fs)));
  return r;
}
