// DELETE files and folders, POST mkdir, move and copy.
import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../core/remote-fs.js';
import { RemotePath } from '../core/paths.js';
import { accessFor } from '../http/credentials.js';
import { remotePathOf } from '../http/request-path.js';
import { basicAuth, errorResponses, noContent, siteParams, sitePathParams } from '../ops/api-schemas.js';
import { writePrecondition } from '../http/conditional.js';
import type { Surface } from '../http/surface.js';

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

const deleteSchema = {
  tags: ['files'],
  summary: 'Delete a file, or a folder with recursive=true',
  security: basicAuth,
  params: sitePathParams,
  querystring: {
    type: 'object',
    properties: { recursive: { type: 'string', description: '"true" or "1": delete a folder and everything in it' } },
  },
  response: { 204: { ...noContent, description: 'deleted' }, ...errorResponses },
} as const;

const created = {
  type: 'object',
  additionalProperties: true,
  properties: { path: { type: 'string' }, created: { type: 'boolean' } },
} as const;

const mkdirSchema = {
  tags: ['files'],
  summary: 'Create a folder and any missing parents',
  security: basicAuth,
  params: sitePathParams,
  response: {
    201: { description: 'created', ...created },
    200: { description: 'it already existed', ...created },
    ...errorResponses,
  },
} as const;

const moved = {
  type: 'object',
  additionalProperties: true,
  properties: { from: { type: 'string' }, to: { type: 'string' }, replaced: { type: 'boolean' } },
} as const;

const moveSchema = {
  tags: ['files'],
  summary: 'Move or rename a file or folder within a site',
  security: basicAuth,
  params: siteParams,
  body: moveBody,
  response: { 200: { description: 'moved', ...moved }, ...errorResponses },
} as const;

const copySchema = {
  tags: ['files'],
  summary: 'Copy a file or folder, within a site or to another (toSite)',
  security: basicAuth,
  params: siteParams,
  body: copyBody,
  response: {
    200: { description: 'copied', ...moved, properties: { ...moved.properties, toSite: { type: 'string' } } },
    ...errorResponses,
  },
} as const;

/** A copy changes its target site; its source only when that is the same site. */
const copySurface: Surface = {
  sites(request) {
    const own = (request.params as { site: string }).site;
    const toSite = (request.body as Partial<MoveBody> | undefined)?.toSite ?? own;
    return [
      { site: own, write: toSite === own },
      { site: toSite, write: true },
    ];
  },
};

interface MoveBody {
  from: string;
  to: string;
  overwrite: boolean;
  toSite?: string;
}

export async function changeRoutes(app: FastifyInstance, { fs }: { fs: RemoteFs }): Promise<void> {
  app.delete<SiteParams & { Querystring: { recursive?: string } }>('/api/v1/sites/:site/files/*', { schema: deleteSchema }, async (request, reply) => {
    const access = accessFor(fs, request, request.params.site);
    const recursive = request.query.recursive === 'true' || request.query.recursive === '1';
    const precondition = writePrecondition(request.headers); // If-Match / If-Unmodified-Since: 412, nothing deleted
    await fs.remove(access, remotePathOf(request), { recursive, ...(precondition ? { precondition } : {}) });
    return reply.code(204).send();
  });

  app.post<SiteParams>('/api/v1/sites/:site/mkdir/*', { schema: mkdirSchema }, async (request, reply) => {
    const access = accessFor(fs, request, request.params.site);
    const path = remotePathOf(request);
    const { created } = await fs.mkdir(access, path);
    return reply.code(created ? 201 : 200).send({ path: path.toString(), created });
  });

  app.post<SiteParams & { Body: MoveBody }>('/api/v1/sites/:site/move', { schema: moveSchema }, async (request) => {
    const access = accessFor(fs, request, request.params.site);
    const from = RemotePath.fromPlain(request.body.from);
    const to = RemotePath.fromPlain(request.body.to);
    const precondition = writePrecondition(request.headers); // on the source
    const { replaced } = await fs.move(access, from, to, { overwrite: request.body.overwrite, ...(precondition ? { precondition } : {}) });
    return { from: from.toString(), to: to.toString(), replaced };
  });

  app.post<SiteParams & { Body: MoveBody }>('/api/v1/sites/:site/copy', { schema: copySchema, config: { surface: copySurface } }, async (request) => {
    const source = accessFor(fs, request, request.params.site);
    const targetSite = request.body.toSite ?? request.params.site;
    const target = accessFor(fs, request, targetSite);
    const from = RemotePath.fromPlain(request.body.from);
    const to = RemotePath.fromPlain(request.body.to);
    const precondition = writePrecondition(request.headers); // on the source
    const { replaced } = await fs.copy(source, from, target, to, { overwrite: request.body.overwrite, ...(precondition ? { precondition } : {}) });
    return { from: from.toString(), to: to.toString(), toSite: targetSite, replaced };
  });
}
