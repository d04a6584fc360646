// PUT /api/v1/sites/{site}/files/{path}: the raw body, streamed to FTP as it arrives.
import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../core/remote-fs.js';
import { accessFor } from '../http/credentials.js';
import { writePrecondition } from '../http/conditional.js';
import { guardUpload } from '../http/stall-guard.js';
import { remotePathOf } from '../http/request-path.js';
import { basicAuth, errorResponses, noContent, sitePathParams } from '../ops/api-schemas.js';
import { limitBody } from '../http/body-limit.js';

/** The body is read as a raw stream (never parsed): it is documented in src/ops/openapi.ts. */
const putSchema = {
  tags: ['files'],
  summary: 'Upload a file (raw body); replaces an existing one unless If-None-Match: *',
  security: basicAuth,
  consumes: ['application/octet-stream'],
  params: sitePathParams,
  headers: {
    type: 'object',
    properties: {
      'if-none-match': { type: 'string', description: '"*": fail with 412 if the file exists (also when another upload creates it meanwhile)' },
      'if-match': { type: 'string', description: 'replace only while the file has this ETag (else 412, nothing written)' },
      'if-unmodified-since': { type: 'string', description: 'replace only if the file has not changed since (else 412)' },
      if: { type: 'string', description: 'WebDAV lock token of a locked file: (<urn:uuid:...>)' },
      'lock-token': { type: 'string', description: 'WebDAV lock token of a locked file: <urn:uuid:...>' },
    },
  },
  response: {
    201: {
      description: 'created',
      type: 'object',
      additionalProperties: true,
      properties: { path: { type: 'string' }, size: { type: 'integer' } },
    },
    204: { ...noContent, description: 'replaced' },
    ...errorResponses,
  },
} as const;

export async function uploadRoutes(app: FastifyInstance, { fs, uploadLimitBytes = Infinity }: { fs: RemoteFs; uploadLimitBytes?: number }): Promise<void> {
  // Bodies of any type stay unread streams here (this scope only): nothing is buffered.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.put<{ Params: { site: string } }>('/api/v1/sites/:site/files/*', { schema: putSchema, config: { surface: { transfer: true } } }, async (request, reply) => {
    const access = accessFor(fs, request, request.params.site);
    const path = remotePathOf(request);
    const overwrite = request.headers['if-none-match'] !== '*';
    const precondition = writePrecondition(request.headers);
    const limited = limitBody(request.raw, uploadLimitBytes);
    const result = await guardUpload(request.raw, reply.raw, access.site).race(
      fs.write(access, path, limited.body, { overwrite, beforeCommit: limited.check, ...(precondition ? { precondition } : {}) }),
    );
    request.transferBytes = result.bytes;
    if (!result.created) return reply.code(204).send();
    const location = `/api/v1/sites/${encodeURIComponent(access.site.name)}/files${path.toUrl()}`;
    return reply.code(201).header('location', location).send({ path: path.toString(), size: result.bytes });
  });
}
