// HTTPS served by the gateway itself: the certificate chain and key from PEM files.
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { FastifyServerFactory } from 'fastify';
import type { GatewayConfig } from '../../config/schema.js';
import { ConfigError } from '../../config/schema.js';

interface HttpsOptions {
  cert: Buffer;
  key: Buffer;
  minVersion: 'TLSv1.2';
}

function httpsOptions(config: Pick<GatewayConfig, 'tlsCert' | 'tlsKey'>): HttpsOptions | undefined {
  if (!config.tlsCert || !config.tlsKey) return undefined;
  const read = (field: 'tlsCert' | 'tlsKey', path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(field, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
  return { cert: read('tlsCert', config.tlsCert), key: read('tlsKey', config.tlsKey), minVersion: 'TLSv1.2' };
}

/** The HTTP(S) sockets' buffer before back-pressure (Node's default is 16 KiB); see app.ts. */
export const HTTP_HIGH_WATER_MARK = 256 * 1024;

/**
 * Fastify options for the server: an HTTPS server when a certificate is configured (through
 * serverFactory, so the app keeps one type whichever it serves).
 */
export function serverOptions(config: Pick<GatewayConfig, 'tlsCert' | 'tlsKey'>): { serverFactory?: FastifyServerFactory } {
  const tls = httpsOptions(config);
  if (!tls) return {};
  return { serverFactory: (handler) => createHttpsServer({ ...tls, highWaterMark: HTTP_HIGH_WATER_MARK }, handler) as unknown as HttpServer };
}
