// Every error leaves the gateway as RFC 9457 problem+json with a stable `code`.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, GatewayError, serverReplyCode, type ErrorCode } from '../core/errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
}

/** Problem types resolve on the gateway itself: GET /api/problems/{code} describes each code. */
const PROBLEM_TYPE_BASE = '/api/problems/';

/** What each code means and what the user can do about it: the catalogue served at /api/problems/. */
const PROBLEM_HELP: Record<ErrorCode | 'internal', string> = {
  bad_path: 'The path is not valid (".." segments, NUL, CR or LF, a name too long, bad percent-encoding). Fix the path.',
  bad_request: 'The request is malformed or the FTP server refused the name or command. Check the request and the names used.',
  unauthorized: 'A login is needed, or the one given is wrong. Sign in with a valid user name and password.',
  forbidden: 'The FTP server or the gateway denies this. Ask the site\'s administrator for access.',
  read_only: 'The site or account is read-only. Use another site or account to make changes.',
  cross_site: 'A page of another origin tried to change something. Use the gateway\'s own page; its operator can allow an origin with allowedOrigins.',
  not_found: 'Nothing exists at this path (or the site is unknown). Check the name and the folder.',
  site_not_found: 'No site has this name. GET /api/v1/sites lists the sites.',
  request_timeout: 'The upload stalled (too slow, or no byte for too long) and was cut; nothing was written. Send it again on a better connection, or resume it (tus).',
  conflict: 'The request conflicts with what is there (a missing parent folder, a file where a folder is expected). Create the parent or pick another path.',
  gone: 'This link has expired, was revoked, or has no downloads left. Ask its owner for a new one.',
  target_exists: 'The target exists and overwriting was not asked for. Allow overwriting or pick another name.',
  locked: 'A WebDAV lock holds this resource. Send its lock token (If: (<token>) or Lock-Token), or wait until the lock is released or expires.',
  precondition_failed: 'A condition of the request (If-Match, If header, lock token) does not hold. Fetch the current state and retry.',
  payload_too_large: 'The upload is larger than the gateway allows. Send a smaller file or ask its operator to raise the limit.',
  range_not_satisfiable: 'The byte range lies outside the file. Ask for a range within its size.',
  misdirected: 'The gateway does not answer to this host name. Use the address its operator published; the operator can add names with allowedHosts or publicUrl.',
  too_many_requests: 'Too many failed logins from this address or for this user name. Wait for the time given in Retry-After.',
  too_large: 'The request is beyond the configured limits (e.g. a zip of too many files). Ask for less.',
  not_implemented: 'The FTP server does not support this operation.',
  bad_gateway: 'The FTP server failed or gave an unexpected answer. Try again later; the gateway\'s log has the server\'s reply.',
  unavailable: 'The FTP server is busy or all sessions are in use. Try again after the time given in Retry-After.',
  busy: 'The file is in use on the FTP server (being written, or opened by another program). Try again after the time given in Retry-After.',
  gateway_timeout: 'The FTP server did not answer in time. Try again later.',
  insufficient_storage: 'The FTP server is out of space. Free some space or ask its administrator.',
  internal: 'The gateway failed. Its log has the details.',
};

/**
 * The detail a user sees. An FTP server's reply text can name its local paths and internals
 * ("451 ENOENT: stat '/srv/…'"): it goes to the gateway's log, the body says what to do.
 */
export function publicDetail(err: GatewayError): string {
  const reply = serverReplyCode(err);
  if (reply === undefined) return err.detail;
  return `${PROBLEM_HELP[err.code]} (FTP reply ${reply}; the full reply is in the gateway's log)`;
}

export function problemOf(err: unknown): Problem {
  if (err instanceof GatewayError) {
    return { type: PROBLEM_TYPE_BASE + err.code, title: err.title, status: err.status, detail: publicDetail(err), code: err.code };
  }
  const fe = err as Partial<FastifyError>;
  const status = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
  if (status >= 500) {
    return { type: PROBLEM_TYPE_BASE + 'internal', title: 'Internal error', status, detail: 'the gateway failed; see its log', code: 'internal' };
  }
  const code = fe.validation ? 'bad_request' : (fe.code ?? 'bad_request').toLowerCase();
  return { type: PROBLEM_TYPE_BASE + code, title: 'Bad request', status, detail: fe.message ?? 'bad request', code };
}

/**
 * Headers a download sets before its first byte, which describe the file: an error answered in
 * their place must not keep them (a browser would save the problem body as "folder.zip", a
 * client would take the file's ETag for the error's).
 */
export const FILE_HEADERS = ['content-disposition', 'etag', 'last-modified', 'accept-ranges', 'content-range', 'content-encoding'] as const;

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const problem = { ...problemOf(err), instance: request.url.split('?')[0] };
  for (const name of FILE_HEADERS) reply.removeHeader(name);
  if (problem.status >= 500 && !(err instanceof GatewayError)) request.log.error({ err }, 'unexpected error');
  if (err instanceof GatewayError && serverReplyCode(err) !== undefined) request.log.warn({ code: err.code, ftp: err.detail }, 'FTP server refused');
  if (err instanceof GatewayError) {
    reply.headers(err.headers);
    if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
  }
  if (problem.status === 401) reply.header('www-authenticate', 'Basic realm="ftpgate", charset="UTF-8"');
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    // Too late for a problem body: cut the response so the client sees a failure.
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy(err instanceof Error ? err : undefined);
      return;
    }
    return sendProblem(request, reply, err);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new GatewayError('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}

/** The catalogue of problem types: what a `type` URI of a problem body resolves to. */
export async function problemRoutes(app: FastifyInstance): Promise<void> {
  const entry = (code: ErrorCode | 'internal') => ({
    type: PROBLEM_TYPE_BASE + code,
    code,
    status: code === 'internal' ? 500 : ERRORS[code].status,
    title: code === 'internal' ? 'Internal error' : ERRORS[code].title,
    description: PROBLEM_HELP[code],
  });
  const entrySchema = {
    type: 'object',
    properties: { type: { type: 'string' }, code: { type: 'string' }, status: { type: 'integer' }, title: { type: 'string' }, description: { type: 'string' } },
  } as const;
  app.get(
    '/api/problems',
    { schema: { tags: ['operations'], summary: 'the error catalogue: every problem code', response: { 200: { type: 'object', properties: { problems: { type: 'array', items: entrySchema } } } } } },
    async () => ({ problems: (Object.keys(PROBLEM_HELP) as Array<ErrorCode | 'internal'>).map(entry) }),
  );
  app.get<{ Params: { code: string } }>(
    '/api/problems/:code',
    {
      schema: {
        tags: ['operations'],
        summary: 'one problem code: what it means and what to do (the `type` of problem bodies)',
        params: { type: 'object', properties: { code: { type: 'string' } }, required: ['code'] },
        response: { 200: entrySchema },
      },
    },
    async (request) => {
      const code = request.params.code;
      if (!Object.hasOwn(PROBLEM_HELP, code)) throw new GatewayError('not_found', `no problem code "${code}"`);
      return entry(code as ErrorCode | 'internal');
    },
  );
}
