// The REST front: JSON listings, streamed downloads with Range, streamed uploads (raw and
// multipart), changes and zips, at /api/v1/sites/{site}/… . One plugin, so the wiring
// (src/app/app.ts) registers the front as a whole, beside the page, WebDAV, shares and tus.
import type { FastifyInstance } from 'fastify';
import type { RemoteFs } from '../core/remote-fs.js';
import { callerRoutes } from './caller.js';
import { changeRoutes } from './changes.js';
import { downloadRoutes } from './download.js';
import { listRoutes } from './list.js';
import { multipartUploadRoutes } from './multipart-upload.js';
import { sitesRoutes } from './sites.js';
import { uploadRoutes } from './upload.js';
import { zipSelectionRoutes } from './zip-selection.js';
import { zipRoutes } from './zip.js';

export interface RestOptions {
  fs: RemoteFs;
  uploadLimitBytes: number;
  zipLimits: { maxEntries: number; maxBytes: number };
}

export async function restPlugin(app: FastifyInstance, { fs, uploadLimitBytes, zipLimits }: RestOptions): Promise<void> {
  await app.register(sitesRoutes, { fs });
  await app.register(callerRoutes, { fs, uploadLimitBytes }); // the caller's rights, for the page
  await app.register(listRoutes, { fs });
  await app.register(downloadRoutes, { fs });
  await app.register(uploadRoutes, { fs, uploadLimitBytes });
  await app.register(multipartUploadRoutes, { fs, uploadLimitBytes });
  await app.register(changeRoutes, { fs });
  await app.register(zipRoutes, { fs, ...zipLimits });
  await app.register(zipSelectionRoutes, { fs, ...zipLimits });
}
