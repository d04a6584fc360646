// Merges the three sources of settings, lowest precedence first:
// a config file (JSON or YAML), FTPGATE_* environment variables, then command-line flags.
import { accessSync, constants, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, validateConfig, type GatewayConfig } from './schema.js';
import { parseSiteUrl } from './site-url.js';
import { defaultDataDir } from '../state/index.js';

export interface ConfigSources {
  /** `--site NAME=URL`, repeatable. */
  sites?: string[];
  listen?: string;
  config?: string;
  logLevel?: string;
  /** `--users-file`, `--tls-cert`, `--tls-key`, `--trust-proxy`. */
  usersFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  trustProxy?: string;
  dataDir?: string;
}

/** A secret kept in a file (Docker/Kubernetes secrets): its content, without the final newline. */
export function readSecretFile(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ConfigError(field, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

const DEFAULT_LISTEN = '127.0.0.1:8080';

function parseListen(text: string, field = 'listen'): { host: string; port: string } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text.trim()) ?? /^()()(\d+)$/.exec(text.trim());
  if (!m) throw new ConfigError(field, `expected HOST:PORT, got "${text}"`);
  return { host: m[1] || m[2] || '127.0.0.1', port: m[3]! };
}

function parseSiteFlag(text: string, field: string): Record<string, unknown> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError(field, `expected NAME=URL, got "${text.replace(/:[^@/]*@/, ':***@')}"`);
  return parseSiteUrl(text.slice(0, eq), text.slice(eq + 1));
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('config', `cannot read ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError('config', `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('config', `${path} must hold an object`);
  }
  return data as Record<string, unknown>;
}

/** Sites in a file are a map by name (or a list with names); a `url` field is expanded like --site. */
function sitesFromFile(value: unknown): Record<string, unknown>[] {
  if (value === undefined) return [];
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((s, i) => [String((s as { name?: unknown })?.name ?? i), s])
    : typeof value === 'object' && value !== null
      ? Object.entries(value)
      : [];
  if (entries.length === 0 && value !== null && typeof value !== 'object') {
    throw new ConfigError('sites', 'must be a map of site name to settings');
  }
  return entries.map(([name, raw]) => {
    if (typeof raw === 'string') return parseSiteUrl(name, raw);
    if (raw === null || typeof raw !== 'object') throw new ConfigError(`sites.${name}`, 'must be a URL or an object');
    const { url, ...rest } = raw as Record<string, unknown>;
    if ('credentials' in rest) {
      // One name for the access policy: `auth` (which also knows accounts and public).
      process.emitWarning(`site "${name}": the setting "credentials" in the config file is deprecated; use "auth: ${String(rest.credentials)}"`, 'DeprecationWarning');
    }
    const base = typeof url === 'string' ? parseSiteUrl(name, url) : {};
    if (url !== undefined && typeof url !== 'string') throw new ConfigError(`sites.${name}.url`, 'must be a string');
    return { ...base, ...rest, name };
  });
}

export function loadConfig(sources: ConfigSources, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const configPath = sources.config ?? env.FTPGATE_CONFIG;
  const file = configPath ? readConfigFile(configPath) : {};
  const { sites: fileSites, listen: fileListen, ...fileRest } = file;

  const sites = new Map<string, Record<string, unknown>>();
  for (const site of sitesFromFile(fileSites)) sites.set(String(site.name), site);
  // FTPGATE_SITE_<NAME>=URL, or FTPGATE_SITE_<NAME>_FILE=a file holding the URL; the password
  // alone may come from FTPGATE_SITE_<NAME>_PASSWORD or FTPGATE_SITE_<NAME>_PASSWORD_FILE.
  const passwords = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    const m = /^FTPGATE_SITE_(.+?)(_PASSWORD)?(_FILE)?$/.exec(key);
    if (!m || !value) continue;
    const name = m[1]!.toLowerCase();
    const text = m[3] ? readSecretFile(value, key) : value;
    if (m[2]) passwords.set(name, text);
    else sites.set(name, parseSiteUrl(name, text));
  }
  (sources.sites ?? []).forEach((text, i) => {
    const site = parseSiteFlag(text, `--site[${i}]`);
    sites.set(String(site.name), site);
  });
  for (const [name, password] of passwords) {
    const site = sites.get(name);
    if (!site) throw new ConfigError(`FTPGATE_SITE_${name.toUpperCase()}_PASSWORD`, `no site named "${name}"`);
    site.password = password;
    delete site.passwordFile;
  }

  let listen: unknown = fileListen;
  const listenText = sources.listen ?? env.FTPGATE_LISTEN;
  if (listenText) listen = parseListen(listenText);
  else if (typeof listen === 'string') listen = parseListen(listen);
  else if (listen === undefined) listen = parseListen(DEFAULT_LISTEN);

  const raw: Record<string, unknown> = { ...fileRest, listen, sites: [...sites.values()] };
  const logLevel = sources.logLevel ?? env.FTPGATE_LOG_LEVEL;
  if (logLevel) raw.logLevel = logLevel;
  const usersFile = sources.usersFile ?? env.FTPGATE_USERS_FILE;
  if (usersFile) raw.usersFile = usersFile;
  const tlsCert = sources.tlsCert ?? env.FTPGATE_TLS_CERT;
  if (tlsCert) raw.tlsCert = tlsCert;
  const tlsKey = sources.tlsKey ?? env.FTPGATE_TLS_KEY;
  if (tlsKey) raw.tlsKey = tlsKey;
  const trustProxy = sources.trustProxy ?? env.FTPGATE_TRUST_PROXY;
  if (trustProxy !== undefined) raw.trustProxy = trustProxy;
  if (env.FTPGATE_UPLOAD_LIMIT_BYTES) raw.uploadLimitBytes = env.FTPGATE_UPLOAD_LIMIT_BYTES;
  // Gateway-wide bandwidth limits (bytes per second, or e.g. "10MiB").
  if (env.FTPGATE_DOWNLOAD_LIMIT) raw.gatewayDownloadLimit = env.FTPGATE_DOWNLOAD_LIMIT;
  if (env.FTPGATE_UPLOAD_LIMIT) raw.gatewayUploadLimit = env.FTPGATE_UPLOAD_LIMIT;

  // The names and origins the gateway is known by (DNS rebinding and cross-site write defences).
  if (env.FTPGATE_PUBLIC_URL) raw.publicUrl = env.FTPGATE_PUBLIC_URL;
  if (env.FTPGATE_ALLOWED_HOSTS) raw.allowedHosts = env.FTPGATE_ALLOWED_HOSTS;
  if (env.FTPGATE_ALLOWED_ORIGINS) raw.allowedOrigins = env.FTPGATE_ALLOWED_ORIGINS;
  if (env.FTPGATE_REDIS_URL) raw.redisUrl = env.FTPGATE_REDIS_URL;
  const dataDir = sources.dataDir ?? env.FTPGATE_DATA_DIR;
  if (dataDir) raw.dataDir = dataDir;
  else if (raw.dataDir === undefined) raw.dataDir = defaultDataDir(env);
  if (env.FTPGATE_UPLOAD_EXPIRY_MS) raw.uploadExpiryMs = env.FTPGATE_UPLOAD_EXPIRY_MS;
  if (env.FTPGATE_SHUTDOWN_TIMEOUT_MS) raw.shutdownTimeoutMs = env.FTPGATE_SHUTDOWN_TIMEOUT_MS;

  const config = validateConfig(raw);
  for (const site of config.sites) {
    if (site.passwordFile) site.password = readSecretFile(site.passwordFile, `sites.${site.name}.passwordFile`);
    if (/[\r\n\0]/.test(site.password)) throw new ConfigError(`sites.${site.name}.password`, 'no CR, LF or NUL');
    if (site.caFile) {
      try {
        accessSync(site.caFile, constants.R_OK);
      } catch {
        throw new ConfigError(`sites.${site.name}.caFile`, `cannot read ${site.caFile}`);
      }
    }
  }
  for (const [field, path] of [['usersFile', config.usersFile], ['tlsCert', config.tlsCert], ['tlsKey', config.tlsKey]] as const) {
    if (!path) continue;
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new ConfigError(field, `cannot read ${path}`);
    }
  }
  return config;
}
