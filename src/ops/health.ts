import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../core/remote-fs.js';
import { readinessOf } from './readiness.js';

const healthSchema = {
  tags: ['operations'],
  summary: 'Liveness: the process answers',
  response: { 200: { type: 'object', additionalProperties: true, properties: { status: { type: 'string', enum: ['ok'] } } } },
} as const;

const readiness = {
  type: 'object',
  additionalProperties: true,
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    sites: { type: 'object', additionalProperties: { type: 'string' }, description: 'site name: "ok" or what failed' },
  },
} as const;

const readySchema = {
  tags: ['operations'],
  summary: 'Readiness: some site can be reached (every site marked required, if any are)',
  description:
    'A site is reachable when its server greets (and accepts the site account, for fixed accounts). ' +
    'Ready while any site is; when sites are marked `required`, while every required one is.',
  response: {
    200: { description: 'the gateway can serve', ...readiness },
    503: { description: 'no site is reachable, or a required one is not', ...readiness },
  },
} as const;

/** /healthz: the process answers. /readyz: some site (every required site) can be reached; each site's state in the body. */
export async function healthRoutes(app: FastifyInstance, { fs }: { fs: RemoteFs }): Promise<void> {
  app.get('/healthz', { schema: healthSchema }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: readySchema }, async (_request, reply) => {
    const { ready, sites } = await readinessOf(fs).check();
    return reply.code(ready ? 200 : 503).header('cache-control', 'no-store').send({ status: ready ? 'ready' : 'unavailable', sites });
  });
}
