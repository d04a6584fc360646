// The gateway's security, registered first so that its hooks reach every route of every front:
// headers (helmet, file sandbox, HSTS, private caching of signed-in answers), the Host and
// Origin checks (DNS rebinding, cross-site writes) and the login guard (every password checked
// and counted).
import type { FastifyInstance } from 'fastify';
import { AccountStore } from '../../auth/accounts.js';
import { LoginLimiter } from '../../auth/rate-limit.js';
import type { GatewayConfig } from '../../config/schema.js';
import type { RemoteFs } from '../../core/remote-fs.js';
import { registerSecurityHeaders } from './headers.js';
import { installHostGuard } from './host-guard.js';
import { installOriginGuard } from './origin-guard.js';
import { installInputGuards } from './input-guards.js';
import { installLoginGuard } from './login-guard.js';

export interface SecurityOptions {
  config: GatewayConfig;
  fs: RemoteFs;
  /** Accounts already loaded (tests); default: config.usersFile. */
  accounts?: AccountStore;
  limiter?: LoginLimiter;
}

async function security(app: FastifyInstance, { config, fs, accounts, limiter }: SecurityOptions): Promise<void> {
  registerSecurityHeaders(app);
  installHostGuard(app, config); // 421 for a Host the gateway is not known by (DNS rebinding)
  installOriginGuard(app, config); // 403 for a write from another origin's page (cross-site requests)
  installInputGuards(app);
  installLoginGuard(app, {
    fs,
    accounts: accounts ?? (config.usersFile ? AccountStore.fromFile(config.usersFile) : undefined),
    limiter:
      limiter ??
      new LoginLimiter({
        perAddress: config.loginFailuresPerAddress,
        perUser: config.loginFailuresPerUser,
        windowMs: config.loginFailureWindowMs,
      }),
  });
}

export const securityPlugin = Object.assign(security, { [Symbol.for('skip-override')]: true });
