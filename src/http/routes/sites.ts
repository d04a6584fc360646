import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../../core/remote-fs.js';

/** GET /api/v1/sites: the configured sites and what a client may know of them. */
export async function sitesRoutes(app: FastifyInstance, { fs }: { fs: RemoteFs }): Promise<void> {
  app.get('/api/v1/sites', async () => ({ sites: fs.listSites() }));
}
