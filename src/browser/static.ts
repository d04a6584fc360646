// The browser page's assets from public/assets, served by the gateway itself (no CDN).
// They are small: each is held in memory with its gzip form and revalidated by ETag.
import { readFile, stat } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import mime from 'mime-types';
import { GatewayError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../core/package-root.js';

export const PUBLIC_DIR = join(PACKAGE_ROOT, 'public');
const ASSETS_DIR = join(PUBLIC_DIR, 'assets');

interface Asset {
  etag: string;
  type: string;
  raw: Buffer;
  gzip: Buffer;
}

const cache = new Map<string, Asset>();

async function load(relative: string): Promise<Asset> {
  const file = normalize(join(ASSETS_DIR, relative));
  if (!file.startsWith(ASSETS_DIR + sep)) throw new GatewayError('not_found', 'no such asset');
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new GatewayError('not_found', 'no such asset');
  const etag = `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`;
  const hit = cache.get(file);
  if (hit?.etag === etag) return hit;
  const raw = await readFile(file);
  const type = mime.lookup(file) || 'application/octet-stream';
  const asset = { etag, type: mime.contentType(type) || type, raw, gzip: gzipSync(raw, { level: 9 }) };
  cache.set(file, asset);
  return asset;
}

export async function staticRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { '*': string } }>('/assets/*', async (request, reply) => {
    const asset = await load(request.params['*']);
    reply.header('etag', asset.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
    reply.header('vary', 'accept-encoding').type(asset.type);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    if (gzip) reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? asset.gzip : asset.raw);
  });
}
