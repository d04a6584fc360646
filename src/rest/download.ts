// GET and HEAD /api/v1/sites/{site}/files/{path}: streamed downloads with validators,
// conditional requests and single byte ranges served through FTP REST.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../core/errors.js';
import type { RemoteFs } from '../core/remote-fs.js';
import { accessFor } from '../http/credentials.js';
import { remotePathOf } from '../http/request-path.js';
import { serveFile } from '../http/send-file.js';
import { basicAuth, binaryBody, errorResponses, sitePathParams } from '../ops/api-schemas.js';

const downloadQuery = {
  type: 'object',
  properties: { download: { type: 'string', description: '"1" or "true": Content-Disposition attachment' } },
} as const;

const conditionalHeaders = {
  type: 'object',
  properties: {
    range: { type: 'string', description: 'one byte range, e.g. bytes=0-1023' },
    'if-none-match': { type: 'string' },
    'if-modified-since': { type: 'string' },
    'if-range': { type: 'string' },
  },
} as const;

const fileResponses = {
  200: binaryBody('the file'),
  206: binaryBody('the requested byte range'),
  304: { description: 'not modified', type: 'null' },
  ...errorResponses,
} as const;

const getSchema = {
  tags: ['files'],
  summary: 'Download a file (byte ranges and conditional requests supported)',
  security: basicAuth,
  params: sitePathParams,
  querystring: downloadQuery,
  headers: conditionalHeaders,
  response: fileResponses,
} as const;

const headSchema = {
  tags: ['files'],
  summary: 'A file\'s headers: size, type, ETag, Last-Modified',
  security: basicAuth,
  params: sitePathParams,
  querystring: downloadQuery,
  headers: conditionalHeaders,
  response: {
    200: { description: 'the file exists', type: 'null' },
    206: { description: 'the range is satisfiable', type: 'null' },
    304: { description: 'not modified', type: 'null' },
    ...errorResponses,
  },
} as const;

type FileRequest = FastifyRequest<{ Params: { site: string }; Querystring: { download?: string } }>;

export async function downloadRoutes(app: FastifyInstance, { fs }: { fs: RemoteFs }): Promise<void> {
  const handle = (head: boolean) => async (request: FileRequest, reply: FastifyReply) => {
    const access = accessFor(fs, request, request.params.site);
    const path = remotePathOf(request);
    const forceDownload = request.query.download === '1' || request.query.download === 'true';
    try {
      return await serveFile(request, reply, fs, access, path, { forceDownload, head });
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'conflict') {
        throw new GatewayError('conflict', `${path} is a folder: list it at /api/v1/sites/${request.params.site}/list${path.toUrl()}`);
      }
      throw err;
    }
  };

  app.route<{ Params: { site: string }; Querystring: { download?: string } }>({
    method: 'HEAD',
    url: '/api/v1/sites/:site/files/*',
    schema: headSchema,
    handler: handle(true),
  });

  app.route<{ Params: { site: string }; Querystring: { download?: string } }>({
    method: 'GET',
    url: '/api/v1/sites/:site/files/*',
    schema: getSchema,
    config: { surface: { transfer: true } }, // bytes out, in /metrics
    exposeHeadRoute: false,
    handler: handle(false),
  });
}
