// POST /api/v1/sites/{site}/files/{folder}: multipart/form-data, one or more files, each
// streamed to FTP as its part arrives (@fastify/multipart), with a per-file size limit.
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../core/errors.js';
import type { RemoteFs } from '../../core/remote-fs.js';
import { accessFor } from '../credentials.js';
import { remotePathOf } from '../request-path.js';

export async function multipartUploadRoutes(
  app: FastifyInstance,
  { fs, uploadLimitBytes }: { fs: RemoteFs; uploadLimitBytes: number },
): Promise<void> {
  await app.register(multipart, {
    limits: { fileSize: uploadLimitBytes, files: 1000, fields: 100, fieldSize: 64 * 1024, parts: 1100 },
  });

  app.post<{ Params: { site: string }; Querystring: { overwrite?: string } }>(
    '/api/v1/sites/:site/files/*',
    async (request, reply) => {
      if (!request.isMultipart()) throw new GatewayError('bad_request', 'expected a multipart/form-data body');
      const access = accessFor(fs, request, request.params.site);
      const folder = remotePathOf(request);
      const overwrite = request.query.overwrite !== 'false';
      const folderEntry = await fs.stat(access, folder);
      if (folderEntry.type !== 'directory') throw new GatewayError('conflict', `${folder} is not a folder`);
      const files: { name: string; path: string; size: number; created: boolean }[] = [];
      let total = 0;
      for await (const part of request.files()) {
        let target;
        try {
          target = folder.child(part.filename);
        } catch (err) {
          part.file.resume(); // drain it, or the multipart stream stalls
          throw err;
        }
        const result = await fs.write(access, target, part.file, {
          overwrite,
          beforeCommit: () => {
            // The stream ends quietly when the limit is hit: the temporary file is dropped.
            if (part.file.truncated) {
              throw new GatewayError('payload_too_large', `${part.filename} is larger than ${uploadLimitBytes} bytes`);
            }
          },
        }).catch((err: unknown) => {
          part.file.resume();
          throw err;
        });
        total += result.bytes;
        files.push({ name: target.name, path: target.toString(), size: result.bytes, created: result.created });
      }
      request.transferBytes = total;
      if (files.length === 0) throw new GatewayError('bad_request', 'the form holds no file');
      return reply.code(201).send({ files });
    },
  );
}
