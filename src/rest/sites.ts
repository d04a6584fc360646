import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../core/remote-fs.js';
import { errorResponses } from '../ops/api-schemas.js';

const sitesSchema = {
  tags: ['sites'],
  summary: 'The configured sites',
  response: {
    200: {
      type: 'object',
      additionalProperties: true,
      properties: {
        sites: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: true,
            properties: {
              name: { type: 'string' },
              readOnly: { type: 'boolean' },
              credentials: { type: 'string', enum: ['fixed', 'pass-through'], description: 'pass-through: send your own FTP login (Basic auth)' },
              tls: { type: 'string', enum: ['none', 'explicit', 'implicit'] },
              encoding: { type: 'string', enum: ['utf8', 'latin1'] },
            },
          },
        },
      },
    },
    ...errorResponses,
  },
} as const;

/** GET /api/v1/sites: the configured sites and what a client may know of them. */
export async function sitesRoutes(app: FastifyInstance, { fs }: { fs: RemoteFs }): Promise<void> {
  app.get('/api/v1/sites', { schema: sitesSchema }, async () => ({ sites: fs.listSites() }));
}
