// The browser page: files from public/, served by the gateway itself (no CDN).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import mime from 'mime-types';
import { GatewayError } from '../../core/errors.js';

export const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'public');

export async function staticRoutes(app: FastifyInstance): Promise<void> {
  const serve = async (relative: string) => {
    const file = normalize(join(PUBLIC_DIR, relative));
    if (!file.startsWith(PUBLIC_DIR)) throw new GatewayError('not_found', 'no such page');
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) throw new GatewayError('not_found', 'no such page');
    return { stream: createReadStream(file), type: mime.lookup(file) || 'application/octet-stream', size: info.size };
  };
  app.get('/', async (_request, reply) => {
    const page = await serve('index.html');
    return reply.type(page.type).header('content-length', page.size).send(page.stream);
  });
  app.get<{ Params: { '*': string } }>('/assets/*', async (request, reply) => {
    const page = await serve(join('assets', request.params['*']));
    return reply.type(page.type).header('content-length', page.size).send(page.stream);
  });
}
