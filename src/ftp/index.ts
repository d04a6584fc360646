// What the wiring (src/cli.ts, tests' gateways) takes from the FTP back end: one factory per
// site, and the gateway-wide bandwidth limits. Nothing else outside src/ftp/ imports src/ftp/.
import type { SiteConfig } from '../config/schema.js';
import type { Backend } from '../core/backend.js';
import type { ClientOf } from './fair-share.js';
import { FtpBackend } from './ftp-backend.js';
import type { FtpLogger } from './session.js';
import { gatewayThrottle, type Limits } from './throttle.js';

export interface FtpBackendOptions {
  log: FtpLogger;
  /** Which client the current request belongs to, for the pool's fair shares (core/client-context.ts). */
  clientOf?: ClientOf;
}

export function createFtpBackend(site: SiteConfig, options: FtpBackendOptions): Backend {
  return new FtpBackend(site, options.log, options.clientOf);
}

/** Bandwidth limits for the whole gateway (bytes per second), shared by every FTP transfer. */
export function setGatewayLimits(limits: Limits): void {
  gatewayThrottle.setLimits(limits);
}
