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

export const SITE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export const siteSchema = z
  .object({
    name: z.string().regex(SITE_NAME, 'letters, digits, "_", "-" and "." only, 1 to 63 characters'),
    host: z.string().min(1).max(253).regex(/^[^\s/@]+$/, 'a host name or address'),
    port: z.coerce.number().int().min(1).max(65535).default(21),
    tls: z.enum(['none', 'explicit', 'implicit']).default('none'),
    caFile: z.string().min(1).optional(),
    /** Certificate checks stay on unless turned off explicitly. */
    rejectUnauthorized: boolish.default(true),
    credentials: z.enum(['fixed', 'pass-through']).default('fixed'),
    user: z.string().max(256).regex(/^[^\r\n\0]*$/, 'no CR, LF or NUL').default('anonymous'),
    password: z.string().max(256).regex(/^[^\r\n\0]*$/, 'no CR, LF or NUL').default(''),
    root: z
      .string()
      .regex(/^\/[^\r\n\0]*$/, 'an absolute path starting with "/"')
      .default('/'),
    readOnly: boolish.default(false),
    poolSize: positiveInt(256).default(8),
    idleTimeoutMs: millis.default(60_000),
    /** A session idle longer than this is checked with NOOP before it is lent out. */
    checkAfterMs: millis.default(10_000),
    connectTimeoutMs: millis.default(10_000),
    commandTimeoutMs: millis.default(30_000),
    queueTimeoutMs: millis.default(15_000),
    listingCacheTtlMs: millis.default(3_000),
    encoding: z.enum(['utf8', 'latin1']).default('utf8'),
  })
  .strict();

export const gatewaySchema = z
  .object({
    listen: z.object({
      host: z.string().min(1),
      port: z.coerce.number().int().min(0).max(65535),
    }),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Largest accepted multipart file, in bytes (raw PUT bodies are not limited). */
    uploadLimitBytes: z.coerce.number().int().min(1).default(10 * 1024 ** 3),
    /** Folder downloads as zip: refused before streaming starts past these many entries or bytes. */
    zipMaxEntries: z.coerce.number().int().min(1).default(10_000),
    zipMaxBytes: z.coerce.number().int().min(1).default(64 * 1024 ** 3),
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
