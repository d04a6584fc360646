// GET /api/v1/sites/{site}/zip/{path}: a folder tree as a zip, streamed while it is read
// (src/http/send-zip.ts).
import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../core/remote-fs.js';
import { accessFor } from '../http/credentials.js';
import { remotePathOf } from '../http/request-path.js';
import { zipSchema } from '../ops/api-schemas.js';
import { sendZip } from '../http/send-zip.js';

export async function zipRoutes(
  app: FastifyInstance,
  { fs, maxEntries, maxBytes }: { fs: RemoteFs; maxEntries: number; maxBytes: number },
): Promise<void> {
  app.get<{ Params: { site: string } }>('/api/v1/sites/:site/zip/*', { schema: zipSchema, config: { surface: { transfer: true } } }, async (request, reply) => {
    const access = accessFor(fs, request, request.params.site);
    return sendZip(request, reply, fs, access, remotePathOf(request), { maxEntries, maxBytes });
  });
}
