// POST /api/v1/sites/{site}/files/{folder}: multipart/form-data, one or more files, each
// streamed to FTP as its part arrives (@fastify/multipart), with a per-file size limit.
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../core/errors.js';
import type { RemoteFs } from '../core/remote-fs.js';
import { accessFor } from '../http/credentials.js';
import { guardUpload } from '../http/stall-guard.js';
import { remotePathOf } from '../http/request-path.js';
import { basicAuth, errorResponses, sitePathParams } from '../ops/api-schemas.js';

/** The form is read as a stream of parts (never buffered): it is documented in src/ops/openapi.ts. */
const multipartSchema = {
  tags: ['files'],
  summary: 'Upload files into a folder (multipart/form-data)',
  security: basicAuth,
  consumes: ['multipart/form-data'],
  params: sitePathParams,
  querystring: {
    type: 'object',
    properties: { overwrite: { type: 'string', description: '"false": fail if a file exists (default: replace)' } },
  },
  response: {
    201: {
      description: 'the files written',
      type: 'object',
      additionalProperties: true,
      properties: {
        files: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: true,
            properties: { name: { type: 'string' }, path: { type: 'string' }, size: { type: 'integer' }, created: { type: 'boolean' } },
          },
        },
      },
    },
    ...errorResponses,
  },
} as const;

/**
 * A body that is not the multipart it claims (cut before its closing boundary, garbled) makes
 * busboy throw a plain Error: that is the client's fault, not a 500.
 */
function asGatewayError(err: unknown): unknown {
  if (err instanceof GatewayError) return err;
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status < 500) return err; // @fastify/multipart's own 4xx errors
  if (err instanceof Error && !(err as NodeJS.ErrnoException).code) {
    return new GatewayError('bad_request', `malformed multipart body: ${err.message}`, { cause: err });
  }
  return err;
}

export async function multipartUploadRoutes(
  app: FastifyInstance,
  { fs, uploadLimitBytes }: { fs: RemoteFs; uploadLimitBytes: number },
): Promise<void> {
  await app.register(multipart, {
    limits: { fileSize: uploadLimitBytes, files: 1000, fields: 100, fieldSize: 64 * 1024, parts: 1100 },
  });

  app.post<{ Params: { site: string }; Querystring: { overwrite?: string } }>(
    '/api/v1/sites/:site/files/*',
    { schema: multipartSchema, config: { surface: { transfer: true } } },
    async (request, reply) => {
      if (!request.isMultipart()) throw new GatewayError('bad_request', 'expected a multipart/form-data body');
      const access = accessFor(fs, request, request.params.site);
      const folder = remotePathOf(request);
      const overwrite = request.query.overwrite !== 'false';
      const folderEntry = await fs.stat(access, folder);
      if (folderEntry.type !== 'directory') throw new GatewayError('conflict', `${folder} is not a folder`);
      const files: { name: string; path: string; size: number; created: boolean }[] = [];
      let total = 0;
      const guard = guardUpload(request.raw, reply.raw, access.site);
      try {
        for await (const part of request.files()) {
          let target;
          try {
            target = folder.child(part.filename);
          } catch (err) {
            part.file.resume(); // drain it, or the multipart stream stalls
            throw err;
          }
          const result = await guard.race(fs.write(access, target, part.file, {
            overwrite,
            beforeCommit: () => {
              // The stream ends quietly when the limit is hit: the temporary file is dropped.
              if (part.file.truncated) {
                throw new GatewayError('payload_too_large', `${part.filename} is larger than ${uploadLimitBytes} bytes`);
              }
            },
          })).catch((err: unknown) => {
            part.file.resume();
            throw err;
          });
          total += result.bytes;
          files.push({ name: target.name, path: target.toString(), size: result.bytes, created: result.created });
        }
      } catch (err) {
        throw asGatewayError(err);
      }
      request.transferBytes = total;
      if (files.length === 0) throw new GatewayError('bad_request', 'the form holds no file');
      return reply.code(201).send({ files });
    },
  );
}
