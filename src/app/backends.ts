// The wiring of back ends: which Backend (src/core/backend.ts) serves a site. Only this file,
// with src/cli.ts and the demo, reaches into a back end's folder; the core and the fronts see
// the Backend interface.
import type { SiteConfig } from '../config/schema.js';
import type { Backend } from '../core/backend.js';
import { currentClient } from '../core/client-context.js';
import { MemoryBackend } from '../core/memory-backend.js';
import type { BackendFactory } from '../core/remote-fs.js';
import type { CoreLogger } from '../core/types.js';
import { createFtpBackend, createGatewayLimits } from '../ftp/index.js';

export interface BackendSettings {
  /** Bandwidth limits for the whole gateway (bytes per second), shared by every transfer. */
  gatewayDownloadLimit?: number | undefined;
  gatewayUploadLimit?: number | undefined;
}

/** The factory RemoteFs calls for each site: its URL's scheme chose the back end (config/site-url.ts). */
export function backendFactory(log: CoreLogger, settings: BackendSettings = {}): BackendFactory {
  // One set of gateway-wide buckets per factory (per gateway), shared by all its FTP sites.
  const gatewayLimits = createGatewayLimits({ download: settings.gatewayDownloadLimit, upload: settings.gatewayUploadLimit });
  return (site: SiteConfig): Backend => {
    if (site.backend !== 'memory') return createFtpBackend(site, { log, clientOf: currentClient, gatewayLimits });
    const memory = new MemoryBackend();
    memory.putFolder(site.root);
    return memory;
  };
}
