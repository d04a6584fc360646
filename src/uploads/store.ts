// The tus data store of the gateway, over the remote-file core. Nothing about an upload is
// kept in the gateway's memory that could not be read back from the FTP server:
//   .ftpgate-tus-<key>.json  its info (site, target name, length, overwrite, creation time)
//   .ftpgate-tus-<key>.part  the bytes so far, each PATCH appended with its own APPE
// both in the target's folder (RemoteFs hides them from listings). The offset is always the
// server's SIZE of the part file, so a broken PATCH, a broken FTP connection or a restarted
// gateway all resume from what the server really holds. When the last byte has arrived, the
// part file is renamed over its target and the info is deleted; the finished upload is kept
// in the state store (map "tus-finished", shared by every instance with Redis) until it
// expires, so that a HEAD on any instance, or after a restart, answers its final offset.
//
// tus calls a store with an upload id only; who is asking (the FTP login, the site root of a
// gateway account) comes with each request through an AsyncLocalStorage (see plugin.ts).
import type { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/server';
import { GatewayError } from '../core/errors.js';
import { RemotePath } from '../core/paths.js';
import type { RemoteFs } from '../core/remote-fs.js';
import type { Access } from '../core/types.js';
import { credentialKey } from '../core/login-key.js';
import type { StateStore } from '../state/state.js';
import { loggedId } from '../http/logging.js';
import { infoPath, parseUploadId, partPath, tusFileOf, type UploadRef } from './ids.js';

export interface UploadContext {
  access: Access;
  /** POST: the folder named by the URL. */
  folder?: RemotePath;
  /** HEAD, PATCH, DELETE: the upload named by the URL. */
  ref?: UploadRef;
  /** Bytes appended by this request, for the access log. */
  bytes: number;
  /** PATCH: the body's announced length, to tell a broken-off chunk in the log. */
  expected?: number;
}

export interface UploadInfo {
  v: 1;
  site: string;
  /** The target's name in the upload's folder. */
  name: string;
  size: number;
  overwrite: boolean;
  /** ISO date; the upload expires `expiryMs` after it. */
  created: string;
  metadata: Record<string, string | null>;
}

interface Logger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

const MAX_INFO_BYTES = 64 * 1024;
/** State store map of finished uploads: hashed upload key -> FinishedRecord (JSON). */
const FINISHED_MAP = 'tus-finished';

interface FinishedRecord {
  size: number;
  created: string;
  metadata: Record<string, string | null>;
}
const MAX_REMEMBERED = 5000;

/** Map with a size bound: the oldest entries go first. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as K);
}

function isGone(err: unknown): boolean {
  return err instanceof GatewayError && err.code === 'not_found';
}

export class FtpDataStore extends DataStore {
  /** Info files never change once written: read once per login and upload. */
  private readonly infos = new Map<string, UploadInfo>();
  /** Uploads finished by this process, so a HEAD after the end still answers (offset = length). */
  private readonly finished = new Map<string, UploadInfo>();
  /** Folders that held uploads, with a login that can reach them, for the expiry sweep. */
  readonly folders = new Map<string, { access: Access; folder: RemotePath }>();

  constructor(
    private readonly fs: RemoteFs,
    private readonly expiryMs: number,
    private readonly context: AsyncLocalStorage<UploadContext>,
    private readonly log: Logger,
    private readonly state?: StateStore,
  ) {
    super();
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration'];
  }

  override getExpiration(): number {
    return this.expiryMs;
  }

  private current(): UploadContext {
    const ctx = this.context.getStore();
    if (!ctx) throw new Error('tus store used outside an upload request');
    return ctx;
  }

  private key(access: Access, id: string): string {
    return `${credentialKey(access.site.name, access.creds)}\0${access.site.root}\0${id}`;
  }

  private expired(info: UploadInfo, now = Date.now()): boolean {
    return now > Date.parse(info.created) + this.expiryMs;
  }

  private track(access: Access, folder: RemotePath): void {
    const key = `${credentialKey(access.site.name, access.creds)}\0${access.site.root}\0${folder.toString()}`;
    if (!this.folders.has(key)) remember(this.folders, key, { access, folder });
  }

  private toUpload(id: string, info: UploadInfo, offset: number): Upload {
    return new Upload({ id, size: info.size, offset, metadata: info.metadata, creation_date: info.created });
  }

  // ---- tus ----

  override async create(upload: Upload): Promise<Upload> {
    const { access } = this.current();
    const ref = parseUploadId(upload.id);
    const metadata = upload.metadata ?? {};
    const name = metadata.filename;
    if (!name) throw new GatewayError('bad_request', 'Upload-Metadata needs a "filename"');
    const target = ref.folder.child(name); // name rules: no "/", "..", NUL...
    this.fs.checkTarget(access, target); // its bytes in the site's encoding, reserved names: before any command
    if (upload.size === undefined) throw new GatewayError('bad_request', 'Upload-Length is required');
    const overwriteText = metadata.overwrite ?? 'true';
    if (overwriteText !== 'true' && overwriteText !== 'false') throw new GatewayError('bad_request', 'overwrite must be "true" or "false"');
    const overwrite = overwriteText === 'true';

    const folder = await this.fs.find(access, ref.folder, true);
    if (!folder) throw new GatewayError('not_found', `folder ${ref.folder} does not exist`);
    if (folder.type !== 'directory') throw new GatewayError('conflict', `${ref.folder} is not a folder`);
    const existing = await this.fs.find(access, target, true);
    if (existing?.type === 'directory') throw new GatewayError('conflict', `${target} is a folder`);
    if (existing && !overwrite) throw new GatewayError('target_exists', `${target} already exists`);

    const info: UploadInfo = {
      v: 1,
      site: access.site.name,
      name,
      size: upload.size,
      overwrite,
      created: new Date().toISOString(),
      metadata,
    };
    this.track(access, ref.folder);
    await this.fs.storeHidden(access, infoPath(ref), Readable.from([Buffer.from(JSON.stringify(info))]));
    await this.fs.storeHidden(access, partPath(ref), Readable.from([]));
    remember(this.infos, this.key(access, ref.id), info);
    upload.creation_date = info.created;
    upload.offset = 0;
    if (info.size === 0) await this.finish(access, ref, info);
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const { access } = this.current();
    const ref = parseUploadId(id);
    const done = this.finished.get(this.key(access, id));
    if (done && !this.expired(done)) return this.toUpload(id, done, done.size);
    this.track(access, ref.folder);
    let info: UploadInfo;
    try {
      info = await this.info(access, ref);
    } catch (err) {
      // No info file: finished (by another instance, or before a restart) or never there.
      const record = err === ERRORS.FILE_NOT_FOUND ? await this.finishedRecord(access, id) : undefined;
      if (record) return new Upload({ id, size: record.size, offset: record.size, metadata: record.metadata, creation_date: record.created });
      throw err;
    }
    if (this.expired(info)) {
      await this.discard(access, ref);
      throw ERRORS.FILE_NO_LONGER_EXISTS;
    }
    const offset = await this.fs.sizeOf(access, partPath(ref));
    if (offset === undefined) {
      this.infos.delete(this.key(access, id));
      // Finished by another instance since this one read the info?
      const record = await this.finishedRecord(access, id);
      if (record) return new Upload({ id, size: record.size, offset: record.size, metadata: record.metadata, creation_date: record.created });
      // Renamed over its target by a process that stopped before it deleted the info?
      const target = await this.fs.find(access, ref.folder.child(info.name), true);
      // Cleanup only: the info file may be gone already (vsftpd refuses that DELE with 550).
      await this.fs.removeHidden(access, infoPath(ref)).catch(() => undefined);
      if (target?.type === 'file' && target.size === info.size) {
        await this.rememberFinished(access, id, info);
        return this.toUpload(id, info, info.size);
      }
      throw ERRORS.FILE_NOT_FOUND;
    }
    if (offset > info.size) {
      await this.discard(access, ref);
      throw new GatewayError('conflict', `the upload's temporary file grew past its length (${offset} > ${info.size}); start again`);
    }
    // All bytes arrived but the rename did not happen (or failed): do it now, or say why not.
    if (offset === info.size) await this.finish(access, ref, info);
    return this.toUpload(id, info, offset);
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const ctx = this.current();
    const { access } = ctx;
    const ref = parseUploadId(id);
    const info = await this.info(access, ref);
    // The request's bytes reach the FTP server until the request ends or breaks; a break ends
    // the APPE cleanly, so the server keeps every byte that arrived before it.
    const feed = new PassThrough({ highWaterMark: 1024 * 1024 });
    let sourceError: unknown;
    const endFeed = () => {
      if (!feed.writableEnded) feed.end();
    };
    stream.on('error', (err) => {
      sourceError = err;
      endFeed();
    });
    stream.on('close', endFeed);
    stream.pipe(feed);
    let appendError: unknown;
    try {
      ctx.bytes += await this.fs.append(access, partPath(ref), feed);
    } catch (err) {
      appendError = err;
      stream.unpipe(feed);
      stream.resume(); // drain what is left; the client will ask for the offset again
    }
    const now = await this.fs.sizeOf(access, partPath(ref));
    if (now === undefined) throw appendError ?? ERRORS.FILE_NOT_FOUND;
    if (sourceError !== undefined || appendError !== undefined || (ctx.expected !== undefined && now - offset < ctx.expected)) {
      this.log.info({ upload: loggedId(id), from: offset, to: now, of: info.size, err: appendError ?? sourceError }, 'upload chunk broken off; the client resumes from the server\'s size');
    }
    if (now > info.size) {
      await this.discard(access, ref);
      throw new GatewayError('conflict', `the upload's temporary file grew past its length (${now} > ${info.size}); start again`);
    }
    if (now === info.size) await this.finish(access, ref, info);
    else if (appendError !== undefined) throw appendError;
    // More bytes than the upload's length: tus's limiter stopped them (413).
    if (sourceError !== undefined && (sourceError as { status_code?: number }).status_code === 413) throw sourceError;
    return now;
  }

  override async remove(id: string): Promise<void> {
    const { access } = this.current();
    const ref = parseUploadId(id);
    const part = await this.fs.sizeOf(access, partPath(ref));
    const info = await this.info(access, ref).catch(() => undefined);
    if (part === undefined && !info) throw ERRORS.FILE_NOT_FOUND;
    await this.discard(access, ref);
  }

  /** The expiry sweep over every folder this process knows to have held uploads. */
  override async deleteExpired(): Promise<number> {
    let removed = 0;
    await this.forgetExpiredFinished().catch((err: unknown) => this.log.warn({ err }, 'could not prune finished uploads in the state store'));
    for (const [key, { access, folder }] of [...this.folders]) {
      try {
        const { removed: n, left } = await this.sweepFolder(access, folder);
        removed += n;
        if (left === 0) this.folders.delete(key);
      } catch (err) {
        // Gone, or no longer ours to see: forget it. Anything else: try again next time.
        if (err instanceof GatewayError && ['not_found', 'forbidden', 'unauthorized', 'conflict'].includes(err.code)) {
          this.folders.delete(key);
        } else this.log.warn({ err, folder: folder.toString() }, 'upload expiry sweep failed');
      }
    }
    return removed;
  }

  /** Remove the expired uploads of one folder; how many were removed and how many are left. */
  async sweepFolder(access: Access, folder: RemotePath): Promise<{ removed: number; left: number }> {
    const byKey = new Map<string, { part?: Date | true; json?: true }>();
    for (const entry of await this.fs.hiddenEntries(access, folder)) {
      const file = tusFileOf(entry.name);
      if (!file) continue;
      const seen = byKey.get(file.key) ?? {};
      if (file.kind === 'json') seen.json = true;
      else seen.part = entry.modified ?? true;
      byKey.set(file.key, seen);
    }
    const now = Date.now();
    let removed = 0;
    for (const [key, seen] of byKey) {
      const ref = parseUploadId(`${Buffer.from(folder.toString(), 'utf8').toString('base64url')}.${key}`);
      let expired: boolean;
      if (seen.json) {
        const info = await this.info(access, ref).catch((err: unknown) => {
          if (err === ERRORS.FILE_NOT_FOUND) return undefined; // unreadable or not ours: judge by date
          throw err;
        });
        expired = info ? this.expired(info, now) : seen.part instanceof Date && now - seen.part.getTime() > this.expiryMs;
      } else {
        // A part file without its info: left by a crash between the two. Judged by its date.
        expired = seen.part instanceof Date && now - seen.part.getTime() > this.expiryMs;
      }
      if (!expired) continue;
      await this.discard(access, ref);
      removed++;
    }
    if (removed > 0) this.log.info({ site: access.site.name, folder: folder.toString(), removed }, 'expired uploads removed');
    return { removed, left: byKey.size - removed };
  }

  // ---- pieces ----

  /** The upload's info file, read once; a 404 (tus's own) when missing, unreadable or another site's. */
  private async info(access: Access, ref: UploadRef): Promise<UploadInfo> {
    const key = this.key(access, ref.id);
    const cached = this.infos.get(key);
    if (cached) return cached;
    // SIZE first: a RETR of a missing file is refused late and noisily by some servers.
    const size = await this.fs.sizeOf(access, infoPath(ref));
    if (size === undefined || size > MAX_INFO_BYTES) throw ERRORS.FILE_NOT_FOUND;
    let text: string;
    try {
      const stream = await this.fs.readHidden(access, infoPath(ref));
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        length += chunk.length;
        if (length > MAX_INFO_BYTES) {
          stream.destroy();
          throw ERRORS.FILE_NOT_FOUND;
        }
        chunks.push(chunk);
      }
      text = Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      if (isGone(err)) throw ERRORS.FILE_NOT_FOUND;
      throw err;
    }
    let info: UploadInfo;
    try {
      info = JSON.parse(text) as UploadInfo;
    } catch {
      throw ERRORS.FILE_NOT_FOUND;
    }
    const valid =
      info?.v === 1 &&
      info.site === access.site.name &&
      typeof info.name === 'string' &&
      Number.isSafeInteger(info.size) &&
      info.size >= 0 &&
      typeof info.overwrite === 'boolean' &&
      !Number.isNaN(Date.parse(info.created)) &&
      typeof info.metadata === 'object' &&
      info.metadata !== null;
    if (!valid) throw ERRORS.FILE_NOT_FOUND;
    ref.folder.child(info.name); // the name rules, again: the file could have been edited
    remember(this.infos, key, info);
    return info;
  }

  /** Rename the complete part file over its target, then drop the info. */
  private async finish(access: Access, ref: UploadRef, info: UploadInfo): Promise<void> {
    const target = ref.folder.child(info.name);
    await this.fs.commitHidden(access, partPath(ref), target, { overwrite: info.overwrite });
    const key = this.key(access, ref.id);
    await this.rememberFinished(access, ref.id, info);
    this.infos.delete(key);
    await this.fs.removeHidden(access, infoPath(ref)).catch((err: unknown) => {
      this.log.warn({ err, upload: loggedId(ref.id) }, 'could not delete a finished upload\'s info file (the expiry sweep will)');
    });
    this.log.info({ site: access.site.name, path: target.toString(), bytes: info.size }, 'resumable upload complete');
  }

  /** A finished upload: in this process, and in the state store for the other instances and restarts. */
  private async rememberFinished(access: Access, id: string, info: UploadInfo): Promise<void> {
    remember(this.finished, this.key(access, id), info);
    const record: FinishedRecord = { size: info.size, created: info.created, metadata: info.metadata };
    await this.state?.apply(FINISHED_MAP, new Map([[this.finishedField(access, id), JSON.stringify(record)]])).catch((err: unknown) => {
      this.log.warn({ err, upload: id }, 'could not record a finished upload in the state store (other instances answer 404 for it)');
    });
  }

  private finishedField(access: Access, id: string): string {
    return createHash('sha256').update(this.key(access, id)).digest('base64url');
  }

  /** The finished upload recorded by any instance, unless it has expired. */
  private async finishedRecord(access: Access, id: string): Promise<FinishedRecord | undefined> {
    if (!this.state) return undefined;
    const text = (await this.state.load(FINISHED_MAP)).entries.get(this.finishedField(access, id));
    if (text === undefined) return undefined;
    try {
      const record = JSON.parse(text) as FinishedRecord;
      return Number.isSafeInteger(record.size) && Date.now() <= Date.parse(record.created) + this.expiryMs ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /** Drop finished uploads past their expiry from the state store. */
  private async forgetExpiredFinished(): Promise<void> {
    if (!this.state) return;
    const now = Date.now();
    const gone = new Map<string, undefined>();
    for (const [field, text] of (await this.state.load(FINISHED_MAP)).entries) {
      let created = NaN;
      try {
        created = Date.parse((JSON.parse(text) as FinishedRecord).created);
      } catch {
        // unreadable: dropped
      }
      if (!(now <= created + this.expiryMs)) gone.set(field, undefined);
    }
    if (gone.size > 0) await this.state.apply(FINISHED_MAP, gone);
  }

  /** Delete both files of an upload (expired, terminated or broken). */
  private async discard(access: Access, ref: UploadRef): Promise<void> {
    this.infos.delete(this.key(access, ref.id));
    await this.fs.removeHidden(access, partPath(ref));
    await this.fs.removeHidden(access, infoPath(ref));
  }
}
