// Merges the three sources of settings, lowest precedence first:
// a config file (JSON or YAML), FTPGATE_* environment variables, then command-line flags.
import { accessSync, constants, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, validateConfig, type GatewayConfig } from './schema.js';
import { parseSiteUrl } from './site-url.js';

export interface ConfigSources {
  /** `--site NAME=URL`, repeatable. */
  sites?: string[];
  listen?: string;
  config?: string;
  logLevel?: string;
}

export const DEFAULT_LISTEN = '127.0.0.1:8080';

export function parseListen(text: string, field = 'listen'): { host: string; port: string } {
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
  for (const [key, value] of Object.entries(env)) {
    const m = /^FTPGATE_SITE_(.+)$/.exec(key);
    if (m && value) {
      const name = m[1]!.toLowerCase();
      sites.set(name, parseSiteUrl(name, value));
    }
  }
  (sources.sites ?? []).forEach((text, i) => {
    const site = parseSiteFlag(text, `--site[${i}]`);
    sites.set(String(site.name), site);
  });

  let listen: unknown = fileListen;
  const listenText = sources.listen ?? env.FTPGATE_LISTEN;
  if (listenText) listen = parseListen(listenText);
  else if (typeof listen === 'string') listen = parseListen(listen);
  else if (listen === undefined) listen = parseListen(DEFAULT_LISTEN);

  const raw: Record<string, unknown> = { ...fileRest, listen, sites: [...sites.values()] };
  const logLevel = sources.logLevel ?? env.FTPGATE_LOG_LEVEL;
  if (logLevel) raw.logLevel = logLevel;
  if (env.FTPGATE_UPLOAD_LIMIT_BYTES) raw.uploadLimitBytes = env.FTPGATE_UPLOAD_LIMIT_BYTES;

  const config = validateConfig(raw);
  for (const site of config.sites) {
    if (site.caFile) {
      try {
        accessSync(site.caFile, constants.R_OK);
      } catch {
        throw new ConfigError(`sites.${site.name}.caFile`, `cannot read ${site.caFile}`);
      }
    }
  }
  return config;
}
