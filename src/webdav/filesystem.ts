// webdav-server's view of the gateway: one FileSystem mounted at /dav/ whose first path
// segment is the site. Every call goes through RemoteFs with the request's own login and
// the request's listing memo; errors come back as GatewayErrors (mapped to statuses by the
// engine hooks) or, where the engine branches on them, as the engine's own Errors.
import { Readable } from 'node:stream';
import mime from 'mime-types';
import { v2 as webdav } from 'webdav-server';
import { GatewayError } from '../core/errors.js';
import { RemotePath } from '../core/paths.js';
import type { Entry } from '../core/types.js';
import { etagOf } from '../http/conditional.js';
import { stateOfContext, type DavShared } from './context.js';
import { fromEngineSegment, type DavTarget } from './dav-path.js';
import type { RequestState } from './request-state.js';

type Path = webdav.Path;
type Callback<T> = (error?: Error, data?: T) => void;

/** What the engine must see as its own errors, because it branches on them. */
export function toEngineError(err: unknown): Error {
  if (err instanceof GatewayError) {
    if (err.code === 'not_found' || err.code === 'site_not_found') return webdav.Errors.ResourceNotFound;
    if (err.code === 'target_exists') return webdav.Errors.ResourceAlreadyExists;
    return err;
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Run a promise-returning step and hand its outcome to an engine callback. */
function settle<T>(work: () => Promise<T>, callback: Callback<T>): void {
  work().then(
    (value) => callback(undefined, value),
    (err: unknown) => callback(toEngineError(err)),
  );
}

/** The engine's path back as the gateway's (names with "\\" travel escaped, see dav-path.ts). */
function targetOf(path: Path): DavTarget {
  const segments = path.paths.filter((s) => s !== '').map(fromEngineSegment);
  if (segments.length === 0) return { path: RemotePath.root };
  return { site: segments[0]!, path: RemotePath.of(segments.slice(1)) };
}

export class GatewayFileSystem extends webdav.FileSystem {
  constructor(private readonly shared: DavShared) {
    super(undefined as never);
    this.doNotSerialize();
  }

  private state(ctx: unknown): RequestState {
    const state = stateOfContext(ctx);
    if (!state) throw new GatewayError('forbidden', 'no request behind this operation');
    return state;
  }

  /** The entry behind a path; the site list and site roots are folders. */
  private async entry(ctx: unknown, target: DavTarget): Promise<Entry> {
    if (target.site === undefined) return { name: '', type: 'directory', size: 0 };
    if (target.path.isRoot) {
      this.shared.fs.site(target.site); // a missing site is a 404
      return { name: target.site, type: 'directory', size: 0 };
    }
    const found = await this.state(ctx).find(target.site, target.path);
    if (!found) throw new GatewayError('not_found', `${target.path} does not exist`);
    return found;
  }

  protected override _type(path: Path, info: { context: unknown }, callback: Callback<webdav.ResourceType>): void {
    settle(async () => {
      const e = await this.entry(info.context, targetOf(path));
      return e.type === 'directory' ? webdav.ResourceType.Directory : webdav.ResourceType.File;
    }, callback);
  }

  protected override _size(path: Path, info: { context: unknown }, callback: Callback<number>): void {
    settle(async () => (await this.entry(info.context, targetOf(path))).size, callback);
  }

  protected override _lastModifiedDate(path: Path, info: { context: unknown }, callback: Callback<number>): void {
    settle(async () => (await this.entry(info.context, targetOf(path))).modified?.getTime() ?? 0, callback);
  }

  protected override _etag(path: Path, info: { context: unknown }, callback: Callback<string>): void {
    settle(async () => etagOf(await this.entry(info.context, targetOf(path))), callback);
  }

  protected override _mimeType(path: Path, _info: unknown, callback: Callback<string>): void {
    callback(undefined, mime.lookup(path.fileName() ?? '') || 'application/octet-stream');
  }

  protected override _readDir(path: Path, info: { context: unknown }, callback: Callback<string[]>): void {
    settle(async () => {
      const target = targetOf(path);
      if (target.site === undefined) return this.shared.fs.listSites().map((s) => s.name);
      const entries = await this.state(info.context).list(target.site, target.path);
      return entries.map((e) => e.name);
    }, callback);
  }

  protected override _create(path: Path, info: { context: unknown; type: webdav.ResourceType }, callback: (e?: Error) => void): void {
    settle(async () => {
      const target = targetOf(path);
      if (target.site === undefined || target.path.isRoot) throw webdav.Errors.ResourceAlreadyExists;
      const state = this.state(info.context);
      if (await state.find(target.site, target.path)) throw webdav.Errors.ResourceAlreadyExists;
      const access = state.access(target.site);
      try {
        if (info.type.isDirectory) await this.shared.fs.mkdir(access, target.path);
        else await this.shared.fs.write(access, target.path, Readable.from([]), { overwrite: false });
      } finally {
        state.forget();
      }
    }, callback);
  }

  protected override _delete(path: Path, info: { context: unknown }, callback: (e?: Error) => void): void {
    settle(async () => {
      const target = targetOf(path);
      if (target.site === undefined || target.path.isRoot) throw new GatewayError('forbidden', 'a site root cannot be deleted');
      const state = this.state(info.context);
      try {
        await this.shared.fs.remove(state.access(target.site), target.path, { recursive: true, ...state.preconditionOn(target.site, target.path) });
      } finally {
        state.forget();
      }
      this.shared.props.drop(target);
      this.shared.locks.dropWithin(target);
    }, callback);
  }

  protected override _move(from: Path, to: Path, info: { context: unknown; overwrite: boolean }, callback: Callback<boolean>): void {
    settle(async () => {
      const source = targetOf(from);
      const dest = targetOf(to);
      if (!source.site || !dest.site || source.path.isRoot || dest.path.isRoot) {
        throw new GatewayError('forbidden', 'site roots cannot be moved or replaced');
      }
      const state = this.state(info.context);
      const overwrite = info.overwrite;
      let replaced: boolean;
      try {
        if (source.site === dest.site) {
          ({ replaced } = await this.shared.fs.move(state.access(source.site), source.path, dest.path, { overwrite, ...state.preconditionOn(source.site, source.path) }));
        } else {
          // Another site: copy through the gateway, then delete the original.
          ({ replaced } = await this.shared.fs.copy(state.access(source.site), source.path, state.access(dest.site), dest.path, { overwrite, ...state.preconditionOn(source.site, source.path) }));
          await this.shared.fs.remove(state.access(source.site), source.path, { recursive: true });
        }
      } finally {
        state.forget();
      }
      this.shared.props.transfer(source, dest, { move: true, deep: true });
      this.shared.locks.dropWithin(source);
      return replaced;
    }, callback);
  }

  protected override _copy(from: Path, to: Path, info: { context: unknown; overwrite: boolean }, callback: Callback<boolean>): void {
    settle(async () => {
      const source = targetOf(from);
      const dest = targetOf(to);
      if (!source.site || !dest.site || dest.path.isRoot) throw new GatewayError('forbidden', 'a site root cannot be replaced');
      const state = this.state(info.context);
      // The engine always asks for Depth infinity; the request's own Depth: 0 copies a folder alone.
      const shallow = (info.context as { headers?: { depth?: number } }).headers?.depth === 0;
      const sourceAccess = state.access(source.site);
      const destAccess = state.access(dest.site);
      let replaced: boolean;
      try {
        // The core refuses a target that is the source, holds it or lies in it, and keeps the old
        // target until the copy is complete; Depth: 0 copies a folder alone, the same way.
        ({ replaced } = await this.shared.fs.copy(sourceAccess, source.path, destAccess, dest.path, { overwrite: info.overwrite, shallow, ...state.preconditionOn(source.site, source.path) }));
      } finally {
        state.forget();
      }
      this.shared.props.transfer(source, dest, { move: false, deep: !shallow });
      return replaced;
    }, callback);
  }

  /** Dead properties are served by propfind.ts and proppatch.ts: the engine sees none. */
  protected override _propertyManager(_path: Path, _info: unknown, callback: Callback<webdav.IPropertyManager>): void {
    const manager: webdav.IPropertyManager = {
      setProperty: (_name, _value, _attributes, cb) => cb(webdav.Errors.Forbidden),
      getProperty: (_name, cb) => cb(webdav.Errors.PropertyNotFound),
      removeProperty: (_name, cb) => cb(webdav.Errors.Forbidden),
      getProperties: (cb) => cb(undefined, {}),
    };
    callback(undefined, manager);
  }

  /** Locks are the gateway's (lock-handler.ts, lock-guard.ts): the engine sees none and takes none. */
  protected override _lockManager(_path: Path, _info: unknown, callback: Callback<webdav.ILockManager>): void {
    const refuse = (cb: (e?: Error) => void) => cb(webdav.Errors.Forbidden);
    const manager: webdav.ILockManager = {
      getLocks: (cb) => cb(undefined, []),
      getLock: (_token, cb) => cb(undefined, undefined),
      setLock: (_lock, cb) => refuse(cb),
      removeLock: (_token, cb) => refuse(cb),
      refresh: (_token, _timeout, cb) => refuse(cb),
    };
    callback(undefined, manager);
  }
}
