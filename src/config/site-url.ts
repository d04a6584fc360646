// Turns `ftp://[user[:password]@]host[:port][/root][?option=value...]` into raw site settings.
// ftps:// means explicit TLS (AUTH TLS); `?tls=implicit` selects implicit TLS. memory:// picks
// the in-memory back end (src/core/memory-backend.ts) instead of an FTP server.
import { ConfigError } from './schema.js';

/** Query options accepted on a site URL, by their URL name, mapped to the site field. */
const URL_OPTIONS: Record<string, string> = {
  tls: 'tls',
  ca: 'caFile',
  caFile: 'caFile',
  insecure: 'insecure',
  credentials: 'credentials',
  auth: 'auth',
  readOnly: 'readOnly',
  required: 'required',
  poolSize: 'poolSize',
  idleTimeout: 'idleTimeoutMs',
  checkAfter: 'checkAfterMs',
  connectTimeout: 'connectTimeoutMs',
  commandTimeout: 'commandTimeoutMs',
  queueTimeout: 'queueTimeoutMs',
  clientShare: 'clientShare',
  minIdle: 'minIdle',
  capRetry: 'capRetryMs',
  minTransferRate: 'minTransferRate',
  minTransferRateWindow: 'minTransferRateWindowMs',
  transferIdleTimeout: 'transferIdleTimeoutMs',
  listingCacheTtl: 'listingCacheTtlMs',
  preopenData: 'preopenData',
  encoding: 'encoding',
  dataMode: 'dataMode',
  activeAddress: 'activeAddress',
  activePublicAddress: 'activePublicAddress',
  activePortMin: 'activePortMin',
  activePortMax: 'activePortMax',
  downloadLimit: 'downloadLimit',
  uploadLimit: 'uploadLimit',
  userDownloadLimit: 'userDownloadLimit',
  userUploadLimit: 'userUploadLimit',
};

export function parseSiteUrl(name: string, text: string): Record<string, unknown> {
  const field = `sites.${name}.url`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(field, 'not a URL (expected ftp://[user[:password]@]host[:port][/root])');
  }
  if (url.protocol !== 'ftp:' && url.protocol !== 'ftps:' && url.protocol !== 'memory:') {
    throw new ConfigError(field, `scheme must be ftp:, ftps: or memory:, not ${url.protocol}`);
  }
  // memory://[user:password@]name[/root]: a site kept in the gateway's memory (tests, trials).
  const memory = url.protocol === 'memory:';
  const site: Record<string, unknown> = {
    name,
    ...(memory ? { backend: 'memory' } : {}),
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || (memory ? 'memory' : ''),
    tls: url.protocol === 'ftps:' ? 'explicit' : 'none',
    root: decodeURIComponent(url.pathname || '/') || '/',
  };
  if (url.port) site.port = url.port;
  if (url.username) {
    site.user = decodeURIComponent(url.username);
    site.password = decodeURIComponent(url.password);
    site.credentials = 'fixed';
  } else {
    // No account in the URL: each request's HTTP Basic credentials become the FTP login.
    site.credentials = 'pass-through';
  }
  for (const [key, value] of url.searchParams) {
    const target = URL_OPTIONS[key];
    if (!target) throw new ConfigError(`sites.${name}.${key}`, 'unknown option in site URL');
    if (key === 'credentials') {
      // One name for the access policy: `auth` (which also knows accounts and public).
      process.emitWarning(`site "${name}": the site URL option "credentials" is deprecated; use "auth=${value}"`, 'DeprecationWarning');
    }
    if (target === 'insecure') site.rejectUnauthorized = !['1', 'true', 'yes', ''].includes(value) ? true : false;
    else site[target] = value;
  }
  return site;
}

/** Hide the password of a site URL, for messages and logs. */
export function redactUrl(text: string): string {
  return text.replace(/^((?:ftps?|memory):\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}
