import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { credentialKey } from '../core/login-key.js';
import type { RemotePath } from '../core/paths.js';
import type { RemoteFs } from '../core/remote-fs.js';
import type { Access, Entry } from '../core/types.js';
import { AnswerCache, stillShows, type KeptAnswer } from '../http/answer-cache.js';
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

/**
 * The body of a listing answer, as the route's serializer writes it: a function of the folder's
 * plain path and of each entry's name, type, size and time, nothing else (no query, header or
 * ETag plays a part).
 */
function bodyOf(path: RemotePath, entries: readonly Entry[]) {
  return {
    path: path.toString(),
    entries: entries.map((e) => ({
      name: e.name,
      type: e.type,
      size: e.size,
      modified: e.modified ? e.modified.toISOString() : null,
    })),
  };
}

/**
 * Whose answer and which: the login (site, user and password, hashed as the listing cache keys
 * its listings), the folder it sees as the site root (a gateway account's), and the path. A
 * kept answer is handed out only when the caller's own listing, just fetched with its own
 * login, still shows the same entries (stillShows): so it is the answer that listing would
 * give, and logins never share one.
 */
function keyOf(access: Access, path: RemotePath): string {
  return `${credentialKey(access.site.name, access.creds)}\n${access.site.root}\n${path.toString()}`;
}

/**
 * Half of PROPFIND's budget: a JSON entry is about an eighth of its allprop XML, and the two caches add up
 * in one process. One folder may take half: about 48,000 files (2,000 cost about 0.7 MB).
 */
const JSON_ANSWERS_BYTES = 32 * 1024 * 1024;

/** GET /api/v1/sites/{site}/list/{path}: a folder as JSON. */
export async function listRoutes(app: FastifyInstance, { fs, answers = new AnswerCache<KeptAnswer>(JSON_ANSWERS_BYTES) }: { fs: RemoteFs; answers?: AnswerCache<KeptAnswer> }): Promise<void> {
  const handler = async (request: FastifyRequest<SiteParams>, reply: FastifyReply) => {
    const access = accessFor(fs, request, request.params.site);
    const path = remotePathOf(request);
    const entries = await fs.list(access, path);
    // A warm listing of 2,000 files: 180 kB of JSON built from 2,000 objects and strings each
    // time cost about 10 ms of CPU and left their garbage; kept as bytes, they go out as they are.
    const key = keyOf(access, path);
    let kept = answers.get(key);
    if (!kept || !stillShows(kept, entries)) {
      const text = reply.serialize(bodyOf(path, entries));
      kept = { entries, bytes: typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text as Uint8Array) };
      answers.set(key, kept);
    }
    return reply.type('application/json; charset=utf-8').send(kept.bytes);
  };
  app.get<SiteParams>('/api/v1/sites/:site/list', { schema: listRootSchema }, handler);
  app.get<SiteParams>('/api/v1/sites/:site/list/*', { schema: listSchema }, handler);
}
