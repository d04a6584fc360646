import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../../core/remote-fs.js';
import { GatewayError } from '../../core/errors.js';

/** /healthz: the process answers. /readyz: every site can be reached (and logged into, for fixed accounts). */
export async function healthRoutes(app: FastifyInstance, { fs }: { fs: RemoteFs }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
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
