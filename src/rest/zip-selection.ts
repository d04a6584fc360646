// GET /api/v1/sites/{site}/zip-selection/{folder}?name=a&name=b: several entries of one folder
// (files and folder trees) as one zip, streamed like the folder zip (src/rest/zip.ts).
// A GET, so the browser page downloads it natively (streamed to disk, never a Blob in memory)
// and a signed-in cookie needs no page header: it changes nothing.
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../core/errors.js';
import type { RemoteFs, WalkEntry, WalkLimits } from '../core/remote-fs.js';
import { accessFor } from '../http/credentials.js';
import { remotePathOf } from '../http/request-path.js';
import { basicAuth, errorResponses, sitePathParams } from '../ops/api-schemas.js';
import { streamZip } from '../http/send-zip.js';

const MAX_NAMES = 1000;

const schema = {
  tags: ['files'],
  summary: 'Download several entries of one folder as one zip, streamed',
  security: basicAuth,
  params: sitePathParams,
  querystring: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'array', minItems: 1, maxItems: MAX_NAMES, items: { type: 'string', minLength: 1, maxLength: 1024 }, description: 'names in the folder (repeat the parameter)' },
    },
  },
  response: {
    200: { description: 'the zip', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } },
    ...errorResponses,
  },
} as const;

export async function zipSelectionRoutes(app: FastifyInstance, { fs, maxEntries, maxBytes }: { fs: RemoteFs } & WalkLimits): Promise<void> {
  app.get<{ Params: { site: string }; Querystring: { name: string[] } }>('/api/v1/sites/:site/zip-selection/*', { schema }, async (request, reply) => {
    const access = accessFor(fs, request, request.params.site);
    const folder = remotePathOf(request);
    const names = [...new Set(request.query.name)];
    const paths = names.map((n) => folder.child(n)); // refuses "/", "..", CR, LF, NUL in a name
    const siblings = await fs.list(access, folder);
    const entries: WalkEntry[] = [];
    const notes: string[] = [];
    let bytes = 0;
    // Walk everything first: a selection past the limits is refused before any byte is sent.
    for (const path of paths) {
      const entry = siblings.find((e) => e.name === path.name);
      if (!entry) throw new GatewayError('not_found', `${path} does not exist`);
      entries.push({ path, entry });
      const walked = entry.type === 'directory' ? await fs.walk(access, path, { maxEntries, maxBytes }) : { entries: [], skipped: [] };
      const inner = walked.entries;
      entries.push(...inner);
      for (const s of walked.skipped) notes.push(`${[...s.folder.segments.slice(folder.segments.length), s.name].join('/')}: left out, ${s.reason}`);
      bytes += entry.type === 'directory' ? 0 : entry.size;
      for (const w of inner) bytes += w.entry.type === 'directory' ? 0 : w.entry.size;
      if (entries.length > maxEntries) throw new GatewayError('too_large', `the selection holds more than ${maxEntries} entries`);
      if (bytes > maxBytes) throw new GatewayError('too_large', `the selection holds more than ${maxBytes} bytes`);
    }
    return streamZip(request, reply, fs, access, entries, folder, `${folder.name || access.site.name}.zip`, notes);
  });
}
