// The path of a request is taken from the raw URL and decoded once, segment by segment,
// so that "%2F" inside a name stays a character (and is refused) instead of a separator.
import type { FastifyRequest } from 'fastify';
import { RemotePath } from '../core/paths.js';

/** Segments after `/api/v1/sites/{site}/{action}/`: the raw URL's 7th segment on. */
const API_PREFIX_SEGMENTS = 6;

export function remotePathOf(request: FastifyRequest): RemotePath {
  const pathname = (request.raw.url ?? '/').split('?')[0]!;
  return RemotePath.fromUrl(pathname.split('/').slice(API_PREFIX_SEGMENTS).join('/'));
}
