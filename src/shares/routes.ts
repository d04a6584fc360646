// Share links. A gateway account makes a link to one of its files or folders (read-only
// download, a folder also as a browsable page and a zip) or to a folder as a drop box (others
// add files, never see or replace any). The link works without an account under /s/{id} and
// reaches nothing outside its own file or folder; it can expire, need a password (hashed,
// attempts rate-limited like logins) and allow a number of downloads. Owners list and revoke.
import { createHmac, timingSafeEqual } from 'node:crypto';
import multipart from '@fastify/multipart';
import bcrypt from 'bcryptjs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountStore } from '../auth/accounts.js';
import type { LoginLimiter } from '../auth/rate-limit.js';
import { GatewayError } from '../core/errors.js';
import { RemotePath } from '../core/paths.js';
import type { RemoteFs, WalkLimits } from '../core/remote-fs.js';
import type { Access } from '../core/types.js';
import { readCookie } from '../http/cookies.js';
import { accessFor } from '../http/credentials.js';
import type { DownloadPlan } from '../http/download-plan.js';
import { serveFile } from '../http/send-file.js';
import { sendZip } from '../http/send-zip.js';
import { FILE_CSP } from '../http/security/headers.js';
import type { StateStore } from '../state/state.js';
import { dropboxPage, listingPage, passwordPage, previewKind, previewPage } from './page.js';
import { ShareStore, type ShareKind, type ShareRecord } from './store.js';

export interface SharesOptions {
  fs: RemoteFs;
  state: StateStore;
  accounts?: AccountStore;
  limiter: LoginLimiter;
  zipLimits: WalkLimits;
  uploadLimitBytes: number;
}

interface CreateBody {
  path: string;
  kind?: ShareKind;
  expiresInSeconds?: number;
  password?: string;
  maxDownloads?: number;
}

const createBody = {
  type: 'object',
  required: ['path'],
  additionalProperties: false,
  properties: {
    path: { type: 'string', minLength: 1, maxLength: 4096 },
    kind: { type: 'string', enum: ['download', 'dropbox'], default: 'download' },
    expiresInSeconds: { type: 'integer', minimum: 1, maximum: 366 * 24 * 3600 },
    password: { type: 'string', minLength: 1, maxLength: 256 },
    maxDownloads: { type: 'integer', minimum: 1, maximum: 1_000_000 },
  },
} as const;

/** What an owner sees of a link: never its password hash. */
function publicView(r: ShareRecord) {
  return {
    id: r.id,
    url: `/s/${r.id}`,
    kind: r.kind,
    path: r.path,
    folder: r.folder,
    createdAt: new Date(r.createdAt).toISOString(),
    expiresAt: r.expiresAt ? new Date(r.expiresAt).toISOString() : null,
    hasPassword: r.passwordHash !== undefined,
    maxDownloads: r.maxDownloads ?? null,
    downloads: Math.ceil(r.downloads - 1e-9), // ranges count their share of the file
  };
}

/** The path after /s/{id}/{action}/, decoded per segment (raw URL: "%2F" stays a character). */
function tailOf(request: FastifyRequest): RemotePath {
  const pathname = (request.raw.url ?? '/').split('?')[0]!;
  return RemotePath.fromUrl(pathname.split('/').slice(4).join('/'));
}

const unlockToken = (r: ShareRecord) => createHmac('sha256', r.passwordHash ?? '').update(r.id).digest('base64url');
const cookieName = (r: ShareRecord) => `ftpgate_share_${r.id}`;

function unlocked(request: FastifyRequest, r: ShareRecord): boolean {
  if (r.passwordHash === undefined) return true;
  const given = Buffer.from(readCookie(request, cookieName(r)) ?? '');
  const wanted = Buffer.from(unlockToken(r));
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

export async function sharesPlugin(app: FastifyInstance, options: SharesOptions): Promise<void> {
  const { fs, accounts, limiter, zipLimits } = options;
  const store = new ShareStore(options.state);

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_r, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  await app.register(multipart, { limits: { fileSize: options.uploadLimitBytes, files: 100, fields: 10, parts: 110 } });

  // ---- the owner's side: make, list, revoke ----

  /** The caller's access to a site, as a gateway account: links carry no FTP secret, so only accounts make them. */
  function ownerAccess(request: FastifyRequest, site: string): Access & { account: string } {
    const access = accessFor(fs, request, site, 'read');
    if (!access.account) {
      throw new GatewayError('forbidden', `share links are made by gateway accounts: site "${site}" needs auth: accounts`);
    }
    return access as Access & { account: string };
  }

  app.post<{ Params: { site: string }; Body: CreateBody }>('/api/v1/sites/:site/shares', { schema: { body: createBody } }, async (request, reply) => {
    const access = ownerAccess(request, request.params.site);
    const body = request.body;
    const kind = body.kind ?? 'download';
    const path = RemotePath.fromPlain(body.path);
    const entry = await fs.stat(access, path);
    const folder = entry.type === 'directory';
    if (kind === 'dropbox') {
      if (!folder) throw new GatewayError('conflict', 'a drop box is a folder');
      fs.assertWritable(access); // read-only sites and accounts make no drop boxes
    }
    const record: ShareRecord = {
      id: ShareStore.newId(),
      kind,
      site: access.site.name,
      owner: access.account,
      path: path.toString(),
      folder,
      createdAt: Date.now(),
      downloads: 0,
      ...(body.expiresInSeconds ? { expiresAt: Date.now() + body.expiresInSeconds * 1000 } : {}),
      ...(body.password ? { passwordHash: await bcrypt.hash(body.password, 10) } : {}),
      ...(body.maxDownloads ? { maxDownloads: body.maxDownloads } : {}),
    };
    await store.put(record);
    return reply.code(201).header('location', `/s/${record.id}`).send(publicView(record));
  });

  app.get<{ Params: { site: string } }>('/api/v1/sites/:site/shares', async (request) => {
    const access = ownerAccess(request, request.params.site);
    return { shares: (await store.listByOwner(access.site.name, access.account)).map(publicView) };
  });

  app.delete<{ Params: { site: string; id: string } }>('/api/v1/sites/:site/shares/:id', async (request, reply) => {
    const access = ownerAccess(request, request.params.site);
    const record = await store.get(request.params.id);
    // Someone else's link is as good as missing: no way to probe ids.
    if (!record || record.site !== access.site.name || record.owner !== access.account) {
      throw new GatewayError('not_found', 'no such share link');
    }
    await store.remove(record.id);
    return reply.code(204).send();
  });

  // ---- the visitor's side: /s/{id} ----

  /** A live link and the access it grants: its owner's, read-only unless it is a drop box. */
  async function open(id: string): Promise<{ record: ShareRecord; access: Access; root: RemotePath }> {
    const record = await store.get(id);
    if (!record) throw new GatewayError('not_found', 'no such share link');
    if (record.expiresAt !== undefined && Date.now() > record.expiresAt) throw new GatewayError('gone', 'this link has expired');
    const grant = accounts?.grant(record.owner);
    if (!grant) throw new GatewayError('gone', 'this link is no longer valid');
    const access = fs.access(record.site, { user: grant.name, password: '', account: grant }, 'read');
    const readOnly = record.kind === 'download' || access.readOnly === true;
    return { record, access: { ...access, readOnly, site: { ...access.site, readOnly } }, root: RemotePath.fromPlain(record.path) };
  }

  /** A path inside the link: RemotePath refuses "..", so nothing outside its folder is named. */
  const inside = (root: RemotePath, tail: RemotePath) => tail.segments.reduce((p, s) => p.child(s), root);

  /** Count one download (a zip), or the share of a file a response sends; 410 past the limit. */
  async function countDownload(record: ShareRecord, amount = 1): Promise<void> {
    if (record.maxDownloads === undefined) return;
    if (!(await store.takeDownload(record.id, amount))) throw new GatewayError('gone', 'this link has no downloads left');
  }

  // Downloads are counted by the bytes served against the file's size: a whole file is one, a
  // range its fraction, so "maxDownloads" bounds the bytes any mix of ranges can take. (Counting
  // only requests that started at byte 0 let "Range: bytes=1-" download without limit.)
  const countBytes = (record: ShareRecord) => (plan: DownloadPlan) => {
    const read = plan.read!;
    const size = Number(plan.headers['content-range']?.split('/')[1] ?? read.end + 1);
    return countDownload(record, size > 0 ? (read.end - read.start + 1) / size : 1);
  };

  /** The link's password page, unless the visitor has unlocked it. */
  function locked(request: FastifyRequest, reply: FastifyReply, record: ShareRecord): FastifyReply | undefined {
    if (unlocked(request, record)) return undefined;
    return html(reply, 401, passwordPage('This link needs a password', `/s/${record.id}/unlock`, false));
  }

  async function listFolder(reply: FastifyReply, record: ShareRecord, access: Access, root: RemotePath, tail: RemotePath) {
    const folder = inside(root, tail);
    const entries = await fs.list(access, folder);
    const under = tail.isRoot ? '' : tail.toUrl();
    const listed = entries
      .filter((e) => e.type === 'directory' || e.type === 'file')
      .map((e) => {
        const action = e.type === 'directory' ? 'browse' : 'file';
        const view = e.type === 'file' && previewKind(e.name) ? `/s/${record.id}/view${under}/${encodeURIComponent(e.name)}` : undefined;
        return { name: e.name, folder: e.type === 'directory', size: e.size, href: `/s/${record.id}/${action}${under}/${encodeURIComponent(e.name)}`, view };
      });
    const parent = tail.isRoot ? undefined : tail.parent.isRoot ? `/s/${record.id}` : `/s/${record.id}/browse${tail.parent.toUrl()}`;
    return html(reply, 200, listingPage(folder.name || record.path, listed, `/s/${record.id}/zip`, parent));
  }

  app.get<{ Params: { id: string } }>('/s/:id', async (request, reply) => {
    const { record, access, root } = await open(request.params.id);
    const page = locked(request, reply, record);
    if (page) return page;
    if (record.kind === 'dropbox') return html(reply, 200, dropboxPage('Drop box', `/s/${record.id}/upload`));
    if (record.folder) return listFolder(reply, record, access, root, RemotePath.root);
    return serveFile(request, reply, fs, access, root, { forceDownload: true, beforeBody: countBytes(record) });
  });

  app.get<{ Params: { id: string } }>('/s/:id/browse/*', async (request, reply) => {
    const { record, access, root } = await open(request.params.id);
    if (record.kind !== 'download' || !record.folder) throw new GatewayError('not_found', 'nothing to browse here');
    return locked(request, reply, record) ?? listFolder(reply, record, access, root, tailOf(request));
  });

  app.get<{ Params: { id: string } }>('/s/:id/file/*', async (request, reply) => {
    const { record, access, root } = await open(request.params.id);
    if (record.kind !== 'download' || !record.folder) throw new GatewayError('not_found', 'no such file in this link');
    const page = locked(request, reply, record);
    if (page) return page;
    // ?inline=1: for the preview page, shown in it under the sandbox REST downloads get (counted alike).
    const inline = (request.query as { inline?: string }).inline === '1';
    if (inline) reply.header('content-security-policy', FILE_CSP).header('x-frame-options', 'SAMEORIGIN');
    return serveFile(request, reply, fs, access, inside(root, tailOf(request)), { forceDownload: !inline, beforeBody: countBytes(record) });
  });

  // A preview page for one file of a shared folder, with Previous/Next through the folder's others.
  app.get<{ Params: { id: string } }>('/s/:id/view/*', async (request, reply) => {
    const { record, access, root } = await open(request.params.id);
    if (record.kind !== 'download' || !record.folder) throw new GatewayError('not_found', 'nothing to preview here');
    const page = locked(request, reply, record);
    if (page) return page;
    const tail = tailOf(request);
    const kind = tail.isRoot ? undefined : previewKind(tail.name);
    if (!kind) throw new GatewayError('not_found', 'no preview for this file');
    const shown = (await fs.list(access, inside(root, tail.parent))).filter((e) => e.type === 'file' && previewKind(e.name)).map((e) => e.name);
    const at = shown.indexOf(tail.name);
    if (at < 0) throw new GatewayError('not_found', `${tail.name} is not in this link`);
    const under = tail.parent.isRoot ? '' : tail.parent.toUrl();
    const href = (action: string, name: string) => `/s/${record.id}/${action}${under}/${encodeURIComponent(name)}`;
    const step = (by: number) => (shown.length > 1 ? href('view', shown[(at + by + shown.length) % shown.length]!) : undefined);
    return html(reply, 200, previewPage({
      name: tail.name,
      kind,
      src: `${href('file', tail.name)}?inline=1`,
      download: href('file', tail.name),
      folder: tail.parent.isRoot ? `/s/${record.id}` : `/s/${record.id}/browse${under}`,
      prev: step(-1),
      next: step(1),
      index: at + 1,
      count: shown.length,
    }));
  });

  app.get<{ Params: { id: string } }>('/s/:id/zip', async (request, reply) => {
    const { record, access, root } = await open(request.params.id);
    if (record.kind !== 'download' || !record.folder) throw new GatewayError('not_found', 'no zip for this link');
    const page = locked(request, reply, record);
    if (page) return page;
    await countDownload(record);
    return sendZip(request, reply, fs, access, root, zipLimits);
  });

  app.post<{ Params: { id: string }; Body: { password?: string } }>('/s/:id/unlock', async (request, reply) => {
    const { record } = await open(request.params.id);
    const key = `share:${record.id}`; // counted per address (with every other password) and per link
    const wait = limiter.retryAfter(request.ip, key);
    if (wait > 0) throw new GatewayError('too_many_requests', 'too many wrong passwords: try again later', { retryAfter: wait });
    const password = typeof request.body?.password === 'string' ? request.body.password : '';
    if (!record.passwordHash || !(await bcrypt.compare(password, record.passwordHash))) {
      limiter.fail(request.ip, key);
      return html(reply, 401, passwordPage('This link needs a password', `/s/${record.id}/unlock`, true));
    }
    limiter.succeed(key);
    const secure = request.protocol === 'https' ? '; Secure' : '';
    reply.header('set-cookie', `${cookieName(record)}=${unlockToken(record)}; Path=/s/${record.id}; HttpOnly; SameSite=Strict${secure}`);
    return reply.code(303).header('location', `/s/${record.id}`).send();
  });

  app.post<{ Params: { id: string } }>('/s/:id/upload', async (request, reply) => {
    const { record, access, root } = await open(request.params.id);
    if (record.kind !== 'dropbox') throw new GatewayError('not_found', 'this link takes no uploads');
    const page = locked(request, reply, record);
    if (page) return page;
    fs.assertWritable(access);
    if (!request.isMultipart()) throw new GatewayError('bad_request', 'expected a multipart/form-data body');
    const received: string[] = [];
    for await (const part of request.files()) {
      try {
        received.push(await dropIn(fs, access, root, part.filename, part.file, options.uploadLimitBytes));
      } catch (err) {
        part.file.resume();
        throw err;
      }
    }
    if (received.length === 0) throw new GatewayError('bad_request', 'the form holds no file');
    if ((request.headers.accept ?? '').includes('application/json')) return reply.code(201).send({ files: received });
    return html(reply, 201, dropboxPage('Drop box', `/s/${record.id}/upload`, received));
  });
}

/** Store a dropped file under a name nobody has taken: "a.txt", then "a (1).txt", "a (2).txt"... */
async function dropIn(
  fs: RemoteFs,
  access: Access,
  folder: RemotePath,
  filename: string,
  file: NodeJS.ReadableStream & { truncated?: boolean },
  limit: number,
): Promise<string> {
  const dot = filename.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [filename.slice(0, dot), filename.slice(dot)] : [filename, ''];
  const nameOf = (n: number) => (n === 0 ? filename : `${stem} (${n})${ext}`);
  const MAX = 100;
  for (let n = 0; n < MAX; n++) {
    const target = folder.child(nameOf(n));
    // A free name is looked for before the body is read: a taken name costs no transfer.
    if (await fs.find(access, target, true)) continue;
    const { path } = await fs.write(access, target, file as never, {
      overwrite: false,
      // Another visitor's upload took the name while this one was sent: the core commits
      // under the next name instead (checked under its commit lock), never over theirs.
      nextName: (_taken, attempt) => (n + attempt < MAX ? folder.child(nameOf(n + attempt)) : undefined),
      beforeCommit: () => {
        if (file.truncated) throw new GatewayError('payload_too_large', `${filename} is larger than ${limit} bytes`);
      },
    });
    return path.name;
  }
  throw new GatewayError('conflict', `too many files named like ${filename}`);
}
