// What an FTP server offers, for `ftpgate check`: its greeting, its FEAT lines (before and
// after login), whether TLS works as configured, and whether the site's login is accepted.
// A connection of its own (not a pooled session), closed at the end; never throws.
import type { TLSSocket } from 'node:tls';
import { Client, FTPError } from 'basic-ftp';
import type { SiteConfig } from '../config/schema.js';
import { dataStrategy, describeDataConnection, type DataMemory } from './data-mode.js';
import { assertSafeArgument } from './session.js';
import { tlsOptions } from './tls-options.js';

const QUIET = { debug: () => {}, warn: () => {} };

export interface ProbeResult {
  /** Connected (and, for TLS sites, the TLS handshake succeeded). */
  reachable: boolean;
  greeting?: string;
  /** The server's FEAT lines, as sent (trimmed), before and after login merged; empty if FEAT is refused. */
  features: string[];
  mlsd: boolean;
  epsv: boolean;
  utf8: boolean;
  tls: {
    /** How this site is configured to connect. */
    mode: SiteConfig['tls'];
    /** The server lists AUTH TLS (explicit TLS is possible). */
    offered: boolean;
    /** The negotiated protocol when TLS is in use, e.g. TLSv1.3. */
    protocol?: string;
  };
  login: {
    /** false for pass-through sites without credentials to try. */
    tried: boolean;
    ok: boolean;
    /** The server's reply code to PASS (or USER), when there was one. */
    code?: number;
  };
  /**
   * How data connections work, found by listing the site's root after login the way its
   * sessions would ("passive (EPSV)", "active (EPRT)", ...); undefined when not reached.
   */
  dataConnection?: string;
  /** SYST, when answered. */
  system?: string;
  /** What went wrong, in a sentence (no credentials). */
  error?: string;
  ms: number;
}

/** FEAT's reply lines without the "211-" first and "211 End" last ones. */
export function parseFeatures(message: string): string[] {
  const lines = message.split(/\r?\n/);
  return lines
    .filter((line, i) => !(i === 0 && /^\d{3}[- ]/.test(line)) && !/^\d{3} /.test(line))
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function has(features: string[], name: string): boolean {
  return features.some((f) => f.toUpperCase() === name || f.toUpperCase().startsWith(name + ' '));
}

function describe(err: unknown): { message: string; code?: number } {
  if (err instanceof FTPError) {
    const text = err.message.trim();
    return { message: /^\d{3}\b/.test(text) ? text : `${err.code} ${text}`, code: err.code };
  }
  const e = err as NodeJS.ErrnoException;
  return { message: e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? err) };
}

async function feat(client: Client): Promise<string[]> {
  try {
    return parseFeatures((await client.send('FEAT')).message);
  } catch (err) {
    if (err instanceof FTPError) return []; // 500/502: FEAT not supported
    throw err;
  }
}

/**
 * Probe a site. `creds` overrides the site's own account (for pass-through sites, a login to
 * try); without either, a pass-through site is probed up to the login, not including it.
 */
export async function probeSite(site: SiteConfig, creds?: { user: string; password: string }): Promise<ProbeResult> {
  const started = Date.now();
  const result: ProbeResult = {
    reachable: false,
    features: [],
    mlsd: false,
    epsv: false,
    utf8: false,
    tls: { mode: site.tls, offered: false },
    login: { tried: false, ok: false },
    ms: 0,
  };
  const client = new Client(site.connectTimeoutMs);
  client.ftp.encoding = site.encoding;
  const secureOptions = tlsOptions(site);
  const tlsProtocol = () => (client.ftp.socket as Partial<TLSSocket>).getProtocol?.() ?? undefined;
  let stage = 'connect';
  try {
    const hello =
      site.tls === 'implicit' ? await client.connectImplicitTLS(site.host, site.port, secureOptions) : await client.connect(site.host, site.port);
    result.greeting = hello.message.trim();
    stage = 'FEAT';
    const before = await feat(client);
    result.features = before;
    if (site.tls === 'explicit') {
      stage = 'AUTH TLS';
      await client.useTLS(secureOptions);
    }
    result.reachable = true;
    if (site.tls !== 'none') result.tls.protocol = tlsProtocol() ?? undefined;
    const login = creds ?? (site.credentials === 'fixed' ? { user: site.user, password: site.password } : undefined);
    let after: string[] = [];
    if (login) {
      stage = 'login';
      result.login.tried = true;
      assertSafeArgument(login.user);
      assertSafeArgument(login.password);
      const res = await client.login(login.user, login.password);
      result.login.ok = true;
      result.login.code = res.code;
      stage = 'FEAT after login';
      after = await feat(client);
      try {
        result.system = (await client.send('SYST')).message.replace(/^\d{3}[- ]/, '').trim();
      } catch {
        // SYST is optional
      }
      stage = 'data connection';
      const memory: DataMemory = {};
      client.prepareTransfer = dataStrategy(site, memory, QUIET);
      await client.list(site.root);
      result.dataConnection = describeDataConnection(site.dataMode, memory);
    }
    result.features = [...new Set([...before, ...after])];
  } catch (err) {
    const d = describe(err);
    if (stage === 'login' && d.code !== undefined) result.login.code = d.code;
    result.error = `${stage}: ${d.message}`;
  } finally {
    client.close();
  }
  result.mlsd = has(result.features, 'MLST') || has(result.features, 'MLSD');
  result.epsv = has(result.features, 'EPSV');
  result.utf8 = has(result.features, 'UTF8');
  result.tls.offered = result.features.some((f) => /^AUTH\b.*\bTLS\b/i.test(f));
  result.ms = Date.now() - started;
  return result;
}
