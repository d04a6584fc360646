// Every error leaves the gateway as RFC 9457 problem+json with a stable `code`.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../core/errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
}

export const PROBLEM_TYPE_BASE = 'https://github.com/ftpgate/ftpgate/blob/main/docs/errors.md#';

export function problemOf(err: unknown): Problem {
  if (err instanceof GatewayError) {
    return { type: PROBLEM_TYPE_BASE + err.code, title: err.title, status: err.status, detail: err.detail, code: err.code };
  }
  const fe = err as Partial<FastifyError>;
  const status = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
  if (status >= 500) {
    return { type: PROBLEM_TYPE_BASE + 'internal', title: 'Internal error', status, detail: 'the gateway failed; see its log', code: 'internal' };
  }
  const code = fe.validation ? 'bad_request' : (fe.code ?? 'bad_request').toLowerCase();
  return { type: PROBLEM_TYPE_BASE + code, title: 'Bad request', status, detail: fe.message ?? 'bad request', code };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const problem = { ...problemOf(err), instance: request.url.split('?')[0] };
  if (problem.status >= 500 && !(err instanceof GatewayError)) request.log.error({ err }, 'unexpected error');
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
