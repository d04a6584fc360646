// The tus server and its FTP data store, built at the first resumable-upload request: @tus/server
// and its dependencies cost an idle gateway about 9 MB (bench/lib/import-cost.mjs), and most
// gateways never see a tus request.
import type { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyBaseLogger } from 'fastify';
import { Server } from '@tus/server';
import { GatewayError } from '../core/errors.js';
import type { RemoteFs } from '../core/remote-fs.js';
import { problemOf } from '../http/problem.js';
import type { StateStore } from '../state/state.js';
import { newUploadRef } from './ids.js';
import { StateLocker } from './locker.js';
import { FtpDataStore, type UploadContext } from './store.js';

export interface TusSetup {
  fs: RemoteFs;
  state: StateStore;
  expiryMs: number;
  uploadLimitBytes?: number | undefined;
  context: AsyncLocalStorage<UploadContext>;
  log: FastifyBaseLogger;
}

export function createTus({ fs, state, expiryMs, uploadLimitBytes, context, log }: TusSetup): { server: Server; store: FtpDataStore } {
  const store = new FtpDataStore(fs, expiryMs, context, log, state);
  const here = () => {
    const ctx = context.getStore();
    if (!ctx) throw new Error('tus used outside an upload request');
    return ctx;
  };
  const server = new Server({
    path: '/api/v1/uploads', // not used to route: the ids come from the context below
    datastore: store,
    // One request at a time per upload, across instances (a PATCH may land on any of them).
    locker: new StateLocker(state, () => {
      const { access } = here();
      return `${access.site.name}\0${access.site.root}`;
    }),
    ...(uploadLimitBytes ? { maxSize: uploadLimitBytes } : {}), // 413 at creation, before any byte
    // Same-origin only, like the rest of the API: no CORS headers for other sites' pages.
    allowedOrigins: () => false,
    namingFunction: () => {
      const { folder } = here();
      if (!folder) throw new GatewayError('bad_request', 'no folder');
      return newUploadRef(folder).id;
    },
    getFileIdFromRequest: () => here().ref?.id,
    generateUrl: (_req, { id }) => `/api/v1/sites/${encodeURIComponent(here().access.site.name)}/uploads/${id}`,
    onResponseError: (_req, err) => {
      if (err instanceof GatewayError) return { status_code: err.status, body: JSON.stringify(problemOf(err)) };
      if ('status_code' in err && typeof err.status_code === 'number' && err.status_code < 500) return undefined;
      log.error({ err }, 'resumable upload failed');
      return undefined;
    },
  });
  return { server, store };
}
