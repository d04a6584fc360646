import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../../core/remote-fs.js';
import { GatewayError } from '../../core/errors.js';

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
  summary: 'Readiness: every site can be reached (and logged into, for fixed accounts)',
  response: {
    200: { description: 'every site is reachable', ...readiness },
    503: { description: 'some site is not', ...readiness },
  },
} as const;

/** /healthz: the process answers. /readyz: every site can be reached (and logged into, for fixed accounts). */
export async function healthRoutes(app: FastifyInstance, { fs }: { fs: RemoteFs }): Promise<void> {
  app.get('/healthz', { schema: healthSchema }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: readySchema }, async (_request, reply) => {
    const sites: Record<string, string> = {};
    await Promise.all(
      fs.listSites().map(async ({ name }) => {
        try {
          await fs.probe(name);
          sites[name] = 'ok';
        } catch (err) {
          sites[name] = err instanceof GatewayError ? err.detail : String(err);
        }
      }),
    );
    const ready = Object.values(sites).every((s) => s === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', sites });
  });
}
