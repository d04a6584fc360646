// `ftpgate check` for FTP sites: connect to each and report what its server offers (FEAT,
// MLSD, EPSV, TLS, UTF8), whether the site's login works, and how many sessions it lets in.
// src/ops/check.ts runs it (the wiring hands it in) and writes the report.
import type { SiteConfig } from '../config/schema.js';
import { toFtpError } from './errors.js';
import { isCapRefusal } from './pool.js';
import { probeSite, type ProbeResult } from './probe.js';
import { FtpSession } from './session.js';

export interface SiteReport {
  site: string;
  /** host:port and TLS mode: no user, no password. */
  server: string;
  ok: boolean;
  probe: ProbeResult;
  /**
   * Sessions the server accepted at once, tried up to poolSize (fixed-login sites whose login
   * works): below poolSize, the gateway's pool learns this cap from the 421s and keeps to it.
   */
  sessions?: { tried: number; accepted: number };
}

const QUIET = { debug: () => {}, warn: () => {} };

/** Open up to poolSize sessions at once and count how many the server lets in. */
async function probeSessions(site: SiteConfig): Promise<{ tried: number; accepted: number }> {
  const creds = { user: site.user, password: site.password };
  const opened = await Promise.allSettled(Array.from({ length: site.poolSize }, () => FtpSession.open(site, creds, {}, QUIET, [])));
  const sessions = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  await Promise.all(sessions.map((s) => s.quit()));
  const refused = opened.filter((r) => r.status === 'rejected' && isCapRefusal(toFtpError(r.reason))).length;
  // Failures other than "too many connections" (a timeout) say nothing about a cap.
  return { tried: site.poolSize, accepted: site.poolSize - refused };
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function verdict(site: SiteConfig, probe: ProbeResult): boolean {
  if (!probe.reachable || probe.error) return false;
  return site.credentials === 'pass-through' && !probe.login.tried ? true : probe.login.ok;
}

export function formatReport(r: SiteReport, site: SiteConfig): string {
  const p = r.probe;
  const lines = [`site ${r.site}: ${r.server}${site.root !== '/' ? ` root ${site.root}` : ''} (${p.ms} ms)`];
  if (p.greeting) lines.push(`  greeting  ${p.greeting.split(/\r?\n/)[0]}`);
  if (p.system) lines.push(`  system    ${p.system}`);
  lines.push(`  FEAT      ${p.features.length > 0 ? p.features.join(' | ') : p.reachable ? '(none: FEAT refused or empty)' : '(not reached)'}`);
  lines.push(`  MLSD      ${yesNo(p.mlsd)}${p.mlsd ? '' : ' (listings through LIST)'}`);
  lines.push(`  EPSV      ${yesNo(p.epsv)}`);
  lines.push(`  UTF8      ${yesNo(p.utf8)}${site.encoding === 'latin1' ? ' (site set to latin1)' : ''}`);
  const tls =
    site.tls === 'none'
      ? `not used${p.tls.offered ? ' (the server offers AUTH TLS: consider ftps://)' : ''}`
      : `${site.tls}${p.tls.protocol ? `, ${p.tls.protocol}` : ''}${p.reachable ? ', handshake ok' : ''}`;
  lines.push(`  TLS       ${tls}`);
  const login = p.login.tried
    ? p.login.ok
      ? `ok${p.login.code ? ` (${p.login.code})` : ''}`
      : `FAILED${p.login.code ? ` (${p.login.code})` : ''}`
    : site.credentials === 'pass-through'
      ? 'not tried: pass-through site, users log in with their own accounts'
      : 'not reached';
  lines.push(`  login     ${login}`);
  if (p.dataConnection) lines.push(`  data      ${p.dataConnection}${site.dataMode === 'auto' ? ' (dataMode auto)' : ''}`);
  if (r.sessions) {
    const { tried, accepted } = r.sessions;
    lines.push(
      accepted >= tried
        ? `  sessions  ${accepted} at once (poolSize ${tried})`
        : `  sessions  the server accepted ${accepted} of poolSize ${tried} at once (421 past that): the pool keeps to ${accepted} and queues`,
    );
  }
  if (p.error) lines.push(`  error     ${p.error}`);
  lines.push(`  result    ${r.ok ? 'OK' : 'FAILED'}`);
  return lines.join('\n');
}

export async function checkSites(sites: readonly SiteConfig[]): Promise<SiteReport[]> {
  return Promise.all(
    sites.map(async (site) => {
      const probe = await probeSite(site);
      const report: SiteReport = { site: site.name, server: `${site.host}:${site.port} tls=${site.tls}`, ok: verdict(site, probe), probe };
      if (site.credentials === 'fixed' && probe.login.ok) report.sessions = await probeSessions(site);
      return report;
    }),
  );
}
