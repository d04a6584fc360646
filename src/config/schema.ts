// The validated shape of ftpgate's settings. Every source (file, environment, flags)
// is merged into raw objects first and checked here once, so an error names its field.
import { z } from 'zod';

const boolish = z.preprocess((v) => {
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off'].includes(s)) return false;
  }
  return v;
}, z.boolean());

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);
const millis = z.coerce.number().int().min(0).max(24 * 3600 * 1000);
/**
 * Bytes per second, as a number or with a binary unit ("512KiB", "10MiB", "1GiB", "/s" optional);
 * at least 1 KiB/s so that a limit cannot stall a transfer into its timeouts.
 */
const bytesPerSecond = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(KiB|MiB|GiB)?(?:\/s)?\s*$/i.exec(v);
  if (!m) return v;
  const unit = { kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'kib'] ?? 1;
  return Math.round(Number(m[1]) * unit);
}, z.coerce.number().int().min(1024).max(1024 ** 4));

/** A list from a config file (array) or an environment variable (comma-separated). */
const nameList = (pattern: RegExp, message: string) =>
  z
    .preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter((x) => x !== '') : v),
      z.array(z.string().regex(pattern, message)),
    )
    .default([]);

const SITE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export const siteSchema = z
  .object({
    name: z.string().regex(SITE_NAME, 'letters, digits, "_", "-" and "." only, 1 to 63 characters'),
    /** Which back end serves the site (src/app/backends.ts): an FTP server, or memory (tests, trials: gone at exit). */
    backend: z.enum(['ftp', 'memory']).default('ftp'),
    host: z.string().min(1).max(253).regex(/^[^\s/@]+$/, 'a host name or address'),
    port: z.coerce.number().int().min(1).max(65535).default(21),
    tls: z.enum(['none', 'explicit', 'implicit']).default('none'),
    caFile: z.string().min(1).optional(),
    /** Certificate checks stay on unless turned off explicitly. */
    rejectUnauthorized: boolish.default(true),
    /**
     * Whether a request brings its own login: `pass-through` (HTTP Basic or a browser sign-in) or
     * `fixed` (none; the site's account). Derived from `auth` when that is set.
     */
    credentials: z.enum(['fixed', 'pass-through']).default('fixed'),
    /**
     * Who may use the site: `fixed` (anyone who reaches the gateway, with the site's account),
     * `pass-through` (the HTTP credentials are the FTP login), `accounts` (gateway accounts from
     * the users file), `public` (anyone, with the site's account, read-only). Default: `credentials`.
     */
    auth: z.enum(['fixed', 'pass-through', 'accounts', 'public']).optional(),
    /** The FTP password read from this file (Docker/Kubernetes secrets); wins over `password`. */
    passwordFile: z.string().min(1).optional(),
    user: z.string().max(256).regex(/^[^\r\n\0]*$/, 'no CR, LF or NUL').default('anonymous'),
    password: z.string().max(256).regex(/^[^\r\n\0]*$/, 'no CR, LF or NUL').default(''),
    root: z
      .string()
      .regex(/^\/[^\r\n\0]*$/, 'an absolute path starting with "/"')
      .default('/'),
    readOnly: boolish.default(false),
    /** /readyz answers ready only while every required site is reachable (none required: any site). */
    required: boolish.default(false),
    poolSize: positiveInt(256).default(8),
    idleTimeoutMs: millis.default(60_000),
    /** A session idle longer than this is checked with NOOP before it is lent out. */
    checkAfterMs: millis.default(10_000),
    connectTimeoutMs: millis.default(10_000),
    commandTimeoutMs: millis.default(30_000),
    queueTimeoutMs: millis.default(15_000),
    /** The share of the pool one client (address and user) may hold for transfers; one session always stays for short commands. */
    clientShare: z.coerce.number().gt(0).max(1).default(0.5),
    /** Sessions of a fixed-login site kept logged in ahead of need (at start and after idle). */
    minIdle: z.coerce.number().int().min(0).max(256).default(1),
    /** After the server's connection cap was learned (421 at the door), try one more session this long later. */
    capRetryMs: millis.default(5 * 60_000),
    /**
     * Stalled transfers are cut: a body or response moving slower than `minTransferRate` bytes per
     * second over `minTransferRateWindowMs`, or not at all for `transferIdleTimeoutMs` (0: off).
     * Uploads get 408, downloads a closed connection. Time the gateway itself waits is not counted.
     */
    minTransferRate: z.preprocess((v) => (v === '0' ? 0 : v), z.union([z.literal(0), bytesPerSecond])).default(1024),
    minTransferRateWindowMs: z.coerce.number().int().min(100).max(3600 * 1000).default(30_000),
    transferIdleTimeoutMs: millis.default(30_000),
    listingCacheTtlMs: millis.default(3_000),
    /**
     * After a plain passive download, open the session's next data connection ahead (one round
     * trip less for the next download); it holds one of the server's passive ports for up to
     * 5 s. Off for a server whose passive port range is too small to spare one per idle session.
     */
    preopenData: boolish.default(true),
    encoding: z.enum(['utf8', 'latin1']).default('utf8'),
    /**
     * How data connections are made: `auto` tries passive (EPSV, then PASV) and falls back to
     * active (EPRT, then PORT) when the server refuses both (RFC 1579); `passive` or `active` only.
     */
    dataMode: z.enum(['auto', 'passive', 'active']).default('auto'),
    /** Active mode: the address the data listener binds; default the control connection's local address. */
    activeAddress: z.string().min(1).max(64).optional(),
    /** Active mode: the address sent in PORT/EPRT (behind NAT); default the control connection's local address. */
    activePublicAddress: z.string().min(1).max(64).optional(),
    /** Active mode: the listener's port range; never below 1024 (KB2505047). Default: any ephemeral port. */
    activePortMin: z.coerce.number().int().min(1024).max(65535).optional(),
    activePortMax: z.coerce.number().int().min(1024).max(65535).optional(),
    /** Bandwidth limits in bytes per second, for all transfers of this site and for each login of it. */
    downloadLimit: bytesPerSecond.optional(),
    uploadLimit: bytesPerSecond.optional(),
    userDownloadLimit: bytesPerSecond.optional(),
    userUploadLimit: bytesPerSecond.optional(),
  })
  .strict()
  .refine((s) => (s.activePortMin ?? 1024) <= (s.activePortMax ?? 65535), {
    path: ['activePortMax'],
    message: 'must not be below activePortMin',
  })
  .transform((s) => {
    // One access policy per site; `credentials` follows it for the fronts (does a request log in?).
    const auth = s.auth ?? s.credentials;
    const credentials: 'fixed' | 'pass-through' = auth === 'pass-through' || auth === 'accounts' ? 'pass-through' : 'fixed';
    return { ...s, auth, credentials, readOnly: s.readOnly || auth === 'public' };
  });

const gatewaySchema = z
  .object({
    listen: z.object({
      host: z.string().min(1),
      port: z.coerce.number().int().min(0).max(65535),
    }),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Largest file one upload may carry, in bytes: multipart, raw and WebDAV PUT, tus, share links. */
    uploadLimitBytes: z.coerce.number().int().min(1).default(10 * 1024 ** 3),
    /** Folder downloads as zip: refused before streaming starts past these many entries or bytes. */
    zipMaxEntries: z.coerce.number().int().min(1).default(10_000),
    zipMaxBytes: z.coerce.number().int().min(1).default(64 * 1024 ** 3),
    /** Resumable (tus) uploads not finished this long after their creation expire; their temporary files are removed. */
    uploadExpiryMs: z.coerce.number().int().min(1000).max(30 * 24 * 3600 * 1000).default(24 * 3600 * 1000),
    /** Bandwidth limits for the whole gateway, in bytes per second, shared by every transfer. */
    gatewayDownloadLimit: bytesPerSecond.optional(),
    gatewayUploadLimit: bytesPerSecond.optional(),
    /** Gateway accounts (YAML or JSON), for sites with `auth: accounts`. */
    usersFile: z.string().min(1).optional(),
    /** Serve HTTPS with this certificate chain and private key (PEM files). */
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
    /**
     * Trust X-Forwarded-* from a reverse proxy: true (any peer), or the proxy's addresses/CIDRs
     * separated by commas. Decides the client address and whether the request was HTTPS.
     */
    trustProxy: z
      .preprocess((v) => {
        if (typeof v !== 'string') return v;
        const s = v.trim().toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(s)) return true;
        if (['', '0', 'false', 'no', 'off'].includes(s)) return false;
        return v.trim();
      }, z.union([z.boolean(), z.string().regex(/^[0-9a-fA-F:./,\s]+$/, 'addresses or CIDRs, comma-separated')]))
      .default(false),
    /**
     * The address users reach the gateway by (e.g. https://files.example.com behind a proxy):
     * its host name is accepted in Host, its origin counts as the gateway's own.
     */
    publicUrl: z.string().regex(/^https?:\/\/[^/?#@\s]+\/?$/, 'an http(s) URL with no path, e.g. https://files.example.com').optional(),
    /** More host names requests may name in Host (DNS rebinding defence); "*" accepts any. */
    allowedHosts: nameList(/^(\*|[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+)$/, 'host names, comma-separated (no port), or "*"'),
    /** Other origins whose pages may send writes (cross-site request defence), e.g. https://intranet.example. */
    allowedOrigins: nameList(/^https?:\/\/[^/?#@\s]+$/, 'origins such as https://app.example:8443, comma-separated'),
    /** Failed logins allowed per client address and per user name in `loginFailureWindowMs`; then 429. */
    loginFailuresPerAddress: positiveInt(100_000).default(30),
    loginFailuresPerUser: positiveInt(100_000).default(10),
    loginFailureWindowMs: millis.default(15 * 60_000),
    /** Redis for state shared by several instances (WebDAV locks and dead properties); memory when unset. */
    redisUrl: z.string().regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL').optional(),
    /**
     * Folder of the embedded state store (SQLite: WebDAV locks and properties, share links, the
     * write journal), used when redisUrl is unset; "none" keeps that state in memory only.
     * loadConfig fills in the default (src/state/index.ts defaultDataDir).
     */
    dataDir: z.string().min(1).optional(),
    /** On SIGTERM/SIGINT: how long running requests may take to finish before the process exits anyway. */
    shutdownTimeoutMs: millis.default(30_000),
    sites: z.array(siteSchema),
  })
  .strict();

export type SiteConfig = z.output<typeof siteSchema>;
export type GatewayConfig = z.output<typeof gatewaySchema>;

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`invalid setting ${field}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Validate merged raw settings; the first problem becomes a ConfigError naming its field. */
export function validateConfig(raw: unknown): GatewayConfig {
  const result = gatewaySchema.safeParse(raw);
  if (result.success) {
    const names = new Set<string>();
    for (const site of result.data.sites) {
      if (names.has(site.name)) throw new ConfigError(`sites.${site.name}`, 'defined twice');
      names.add(site.name);
      if (site.auth === 'accounts' && !result.data.usersFile) {
        throw new ConfigError(`sites.${site.name}.auth`, 'accounts need a users file (usersFile, FTPGATE_USERS_FILE or --users-file)');
      }
    }
    if (Boolean(result.data.tlsCert) !== Boolean(result.data.tlsKey)) {
      throw new ConfigError(result.data.tlsCert ? 'tlsKey' : 'tlsCert', 'HTTPS needs both a certificate and a key');
    }
    return result.data;
  }
  const issue = result.error.issues[0]!;
  const field = issue.path
    .map((p, i) => {
      // Name sites by their name rather than their index: "sites.demo.poolSize".
      if (i === 1 && issue.path[0] === 'sites' && typeof p === 'number') {
        const site = (raw as { sites?: Array<{ name?: unknown }> }).sites?.[p];
        return typeof site?.name === 'string' ? site.name : String(p);
      }
      return String(p);
    })
    .join('.');
  throw new ConfigError(field || '(root)', issue.message);
}
