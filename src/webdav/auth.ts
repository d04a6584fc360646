// Who is asking. Basic credentials are parsed by the gateway (webdav-server's parser rejects
// base64 with "+" or "/" and cuts passwords at ":"). Pass-through sites need them: they are
// the FTP login. Fixed-account sites log in with their own account, as the REST API does,
// until the gateway has user accounts of its own.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../core/errors.js';
import type { RemoteFs } from '../core/remote-fs.js';
import type { Credentials } from '../core/types.js';
import { parseBasic } from '../http/credentials.js';
import type { DavTarget } from './dav-path.js';

export function credentialsFor(fs: RemoteFs, req: IncomingMessage, target: DavTarget): Credentials | undefined {
  const creds = parseBasic(req.headers.authorization);
  if (target.site !== undefined && !creds && fs.site(target.site).credentials === 'pass-through') {
    throw new GatewayError('unauthorized', `site "${target.site}" needs your FTP user name and password`);
  }
  return creds;
}
