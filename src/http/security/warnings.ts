// What an operator is told at start-up about settings that weaken security.
import { isIP } from 'node:net';
import type { GatewayConfig } from '../../config/schema.js';

/** 127.0.0.0/8, ::1 and "localhost": reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

export function securityWarnings(config: GatewayConfig): string[] {
  const warnings: string[] = [];
  const h = config.listen.host.replace(/^\[(.*)\]$/, '$1');
  if ((h === '0.0.0.0' || h === '::' || h === '') && !config.publicUrl && config.allowedHosts.length === 0) {
    warnings.push(
      `listening on every interface (${config.listen.host}) without publicUrl or allowedHosts: only requests to an IP ` +
        'address or localhost are answered, any host name gets 421 (DNS rebinding defence); set FTPGATE_PUBLIC_URL or FTPGATE_ALLOWED_HOSTS.',
    );
  }
  const exposed = !isLoopback(config.listen.host);
  const tls = Boolean(config.tlsCert && config.tlsKey);
  for (const site of config.sites) {
    if (site.tls !== 'none' && !site.rejectUnauthorized) {
      warnings.push(
        `site "${site.name}": the FTPS certificate of ${site.host} is NOT checked (insecure=true); ` +
          'anyone on the path can read and change its traffic. Give its CA with ?ca=FILE instead.',
      );
    }
    if (!exposed) continue;
    if (site.credentials === 'pass-through' && !tls && config.trustProxy === false) {
      const what = site.auth === 'accounts' ? 'gateway passwords' : 'FTP passwords';
      warnings.push(
        `site "${site.name}": ${what} would travel over plain HTTP on ${config.listen.host}; ` +
          'serve HTTPS (--tls-cert/--tls-key) or put a TLS proxy in front (--trust-proxy).',
      );
    }
    if (site.auth === 'fixed' && !site.readOnly) {
      warnings.push(
        `site "${site.name}": anyone who reaches ${config.listen.host}:${config.listen.port} may change its files ` +
          '(fixed account, no sign-in, writable); use auth=accounts, auth=public or readOnly=true.',
      );
    }
  }
  return warnings;
}
