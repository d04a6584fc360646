import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RemoteFs } from '../../core/remote-fs.js';
import { accessFor } from '../credentials.js';
import { remotePathOf } from '../request-path.js';

type SiteParams = { Params: { site: string } };

/** GET /api/v1/sites/{site}/list/{path}: a folder as JSON. */
export async function listRoutes(app: FastifyInstance, { fs }: { fs: RemoteFs }): Promise<void> {
  const handler = async (request: FastifyRequest<SiteParams>) => {
    const access = accessFor(fs, request, request.params.site);
    const path = remotePathOf(request);
    const entries = await fs.list(access, path);
    return {
      path: path.toString(),
      entries: entries.map((e) => ({
        name: e.name,
        type: e.type,
        size: e.size,
        modified: e.modified ? e.modified.toISOString() : null,
      })),
    };
  };
  app.get<SiteParams>('/api/v1/sites/:site/list', handler);
  app.get<SiteParams>('/api/v1/sites/:site/list/*', handler);
}
