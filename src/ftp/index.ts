// What the wiring (src/app/backends.ts) takes from the FTP back end: one factory per site, and
// the gateway-wide bandwidth limits its sites share. Nothing else outside src/ftp/ imports src/ftp/.
import type { SiteConfig } from '../config/schema.js';
import type { Backend } from '../core/backend.js';
import type { ClientOf } from './fair-share.js';
import { FtpBackend } from './ftp-backend.js';
import type { FtpLogger } from './session.js';
import { GatewayThrottle, type Limits } from './throttle.js';

export interface FtpBackendOptions {
  log: FtpLogger;
  /** Which client the current request belongs to, for the pool's fair shares (core/client-context.ts). */
  clientOf?: ClientOf;
  /** The gateway-wide limits this site shares with the others (createGatewayLimits); none without. */
  gatewayLimits?: GatewayThrottle;
}

export function createFtpBackend(site: SiteConfig, options: FtpBackendOptions): Backend {
  return new FtpBackend(site, options.log, options.clientOf, options.gatewayLimits);
}

/** Bandwidth limits for a whole gateway (bytes per second), shared by every FTP transfer of the sites given them. */
export function createGatewayLimits(limits: Limits): GatewayThrottle {
  const gateway = new GatewayThrottle();
  gateway.setLimits(limits);
  return gateway;
}
