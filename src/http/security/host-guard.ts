// DNS rebinding defence: a page of attacker.example whose name is made to resolve to the
// gateway's address would otherwise read every site through the victim's browser, as if it
// were the gateway's own page. Requests are answered only when their Host names the gateway as
// it is known: `publicUrl` and `allowedHosts`, the listen address, and, on loopback, localhost
// and the loopback addresses; listening on every interface, also any IP address (a literal
// address cannot be rebound). Anything else is 421 Misdirected Request.
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../../config/schema.js';
import { GatewayError } from '../../core/errors.js';
import { isLoopback } from './warnings.js';

/** Liveness and readiness probes come by IP or service name and reveal nothing of the sites. */
const EXEMPT = new Set(['/healthz', '/readyz']);

function isWildcard(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1');
  return h === '' || h === '0.0.0.0' || h === '::' || h === '0:0:0:0:0:0:0:0';
}

/** The host name of a Host header value, lower-cased, without port, brackets or a final dot. */
function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  const v6 = /^\[([^\]]*)\](?::\d*)?$/.exec(h);
  if (v6) return v6[1]!;
  return h.replace(/:\d*$/, '').replace(/\.$/, '');
}

export interface HostPolicy {
  any: boolean;
  names: Set<string>;
  /** Any literal IP address (listening on every interface). */
  addresses: boolean;
  /** 127.0.0.0/8, ::1 and localhost (listening on loopback). */
  loopback: boolean;
}

export function hostPolicy(config: GatewayConfig): HostPolicy {
  const names = new Set<string>(config.allowedHosts.map(hostnameOf));
  if (config.publicUrl) names.add(hostnameOf(new URL(config.publicUrl).host));
  const listen = config.listen.host;
  if (!isWildcard(listen)) names.add(hostnameOf(listen.includes(':') && !listen.startsWith('[') ? `[${listen}]` : listen));
  return { any: names.has('*'), names, addresses: isWildcard(listen), loopback: isLoopback(listen) || isWildcard(listen) };
}

export function hostAllowed(policy: HostPolicy, hostHeader: string | undefined): boolean {
  if (policy.any || hostHeader === undefined) return true; // HTTP/1.0 without Host: nothing to rebind
  const name = hostnameOf(hostHeader);
  if (policy.names.has(name)) return true;
  if (policy.loopback && isLoopback(name)) return true;
  return policy.addresses && isIP(name) !== 0;
}

export function installHostGuard(app: FastifyInstance, config: GatewayConfig): void {
  const policy = hostPolicy(config);
  // A callback hook, not an async one: no promise per request for a check that never waits.
  app.addHook('onRequest', (request, _reply, done) => {
    // request.host: the Host header, or X-Forwarded-Host from a trusted proxy.
    if (EXEMPT.has((request.raw.url ?? '/').split('?')[0]!) || hostAllowed(policy, request.host || undefined)) {
      done();
      return;
    }
    done(
      new GatewayError(
        'misdirected',
        'this gateway does not answer to that host name; its operator can add it to allowedHosts (or publicUrl)',
      ),
    );
  });
}
