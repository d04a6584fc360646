// DELETE files and folders, POST mkdir, move and copy.
import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../../core/remote-fs.js';
import { RemotePath } from '../../core/paths.js';
import { accessFor } from '../credentials.js';
import { remotePathOf } from '../request-path.js';

type SiteParams = { Params: { site: string } };

const moveBody = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: {
    from: { type: 'string', minLength: 1, maxLength: 4096 },
    to: { type: 'string', minLength: 1, maxLength: 4096 },
    overwrite: { type: 'boolean', default: false },
  },
} as const;

const copyBody = {
  ...moveBody,
  properties: { ...moveBody.properties, toSite: { type: 'string', minLength: 1, maxLength: 63 } },
} as const;

interface MoveBody {
  from: string;
  to: string;
  overwrite: boolean;
  toSite?: string;
}

export async function changeRoutes(app: FastifyInstance, { fs }: { fs: RemoteFs }): Promise<void> {
  app.delete<SiteParams & { Querystring: { recursive?: string } }>('/api/v1/sites/:site/files/*', async (request, reply) => {
    const access = accessFor(fs, request, request.params.site);
    const recursive = request.query.recursive === 'true' || request.query.recursive === '1';
    await fs.remove(access, remotePathOf(request), { recursive });
    return reply.code(204).send();
  });

  app.post<SiteParams>('/api/v1/sites/:site/mkdir/*', async (request, reply) => {
    const access = accessFor(fs, request, request.params.site);
    const path = remotePathOf(request);
    const { created } = await fs.mkdir(access, path);
    return reply.code(created ? 201 : 200).send({ path: path.toString(), created });
  });

  app.post<SiteParams & { Body: MoveBody }>('/api/v1/sites/:site/move', { schema: { body: moveBody } }, async (request) => {
    const access = accessFor(fs, request, request.params.site);
    const from = RemotePath.fromPlain(request.body.from);
    const to = RemotePath.fromPlain(request.body.to);
    const { replaced } = await fs.move(access, from, to, { overwrite: request.body.overwrite });
    return { from: from.toString(), to: to.toString(), replaced };
  });

  app.post<SiteParams & { Body: MoveBody }>('/api/v1/sites/:site/copy', { schema: { body: copyBody } }, async (request) => {
    const source = accessFor(fs, request, request.params.site);
    const targetSite = request.body.toSite ?? request.params.site;
    const target = accessFor(fs, request, targetSite);
    const from = RemotePath.fromPlain(request.body.from);
    const to = RemotePath.fromPlain(request.body.to);
    const { replaced } = await fs.copy(source, from, target, to, { overwrite: request.body.overwrite });
    return { from: from.toString(), to: to.toString(), toSite: targetSite, replaced };
  });
}
