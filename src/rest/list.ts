import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RemoteFs } from '../core/remote-fs.js';
import { accessFor } from '../http/credentials.js';
import { remotePathOf } from '../http/request-path.js';
import { basicAuth, entrySchema, errorResponses, siteParams, sitePathParams } from '../ops/api-schemas.js';

const listResponse = {
  200: {
    description: 'the folder and its entries',
    type: 'object',
    additionalProperties: true,
    properties: {
      path: { type: 'string', description: 'the folder, as a plain path' },
      entries: { type: 'array', items: entrySchema },
    },
  },
  ...errorResponses,
} as const;

const listRootSchema = { tags: ['files'], summary: 'List the root folder of a site', security: basicAuth, params: siteParams, response: listResponse } as const;
const listSchema = { tags: ['files'], summary: 'List a folder', security: basicAuth, params: sitePathParams, response: listResponse } as const;

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
  app.get<SiteParams>('/api/v1/sites/:site/list', { schema: listRootSchema }, handler);
  app.get<SiteParams>('/api/v1/sites/:site/list/*', { schema: listSchema }, handler);
}
