// `ftpgate check`: check every configured site with its back end's checker (src/ftp/check.ts:
// what the FTP server offers, whether the site's login works) and write the report. Exit code 0
// when every site is reachable and every login tried succeeded, 1 otherwise.
import type { GatewayConfig, SiteConfig } from '../config/schema.js';

/** What the report needs of each site's result. */
export interface CheckReport {
  site: string;
  ok: boolean;
}

/** The back end's check (src/ftp/check.ts for FTP sites), handed in by the wiring. */
export interface SiteChecker<R extends CheckReport = CheckReport> {
  checkSites(sites: readonly SiteConfig[]): Promise<R[]>;
  formatReport(report: R, site: SiteConfig): string;
}

/** Run the check and write its report; returns the exit code. */
export async function runCheck<R extends CheckReport>(config: GatewayConfig, out: NodeJS.WritableStream, checker: SiteChecker<R>, options: { json?: boolean } = {}): Promise<number> {
  if (config.sites.length === 0) {
    out.write('ftpgate check: no site configured (use --site NAME=URL, FTPGATE_SITE_<NAME> or --config)\n');
    return 1;
  }
  const reports = await checker.checkSites(config.sites);
  const ok = reports.every((r) => r.ok);
  if (options.json) {
    out.write(JSON.stringify({ ok, sites: reports }, null, 2) + '\n');
  } else {
    const byName = new Map(config.sites.map((s) => [s.name, s]));
    out.write(reports.map((r) => checker.formatReport(r, byName.get(r.site)!)).join('\n\n') + '\n');
    out.write(`\n${reports.filter((r) => r.ok).length}/${reports.length} sites OK\n`);
  }
  return ok ? 0 : 1;
}
