// Input refused at the door with a 4xx problem body, before any parser or route can fail on it
// with a 500: URLs that are not UTF-8 once decoded (Fastify's router reports them as framework
// errors) and multipart bodies without a usable boundary.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../../core/errors.js';
import { sendProblem } from '../problem.js';

/** For Fastify's `frameworkErrors` option: the router's own refusals as problem bodies. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const mapped =
    error.code === 'FST_ERR_BAD_URL'
      ? new GatewayError('bad_path', 'the URL holds percent-encoding that is not UTF-8')
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new GatewayError('bad_path', 'the path is too long')
        : error;
  sendProblem(request, reply, mapped);
}

/** RFC 2046: a boundary of 1 to 70 characters, quoted or not. */
const BOUNDARY = /;\s*boundary=(?:"[^"]{1,70}"|[^\s;"]{1,70})\s*(?:;|$)/i;

export function installInputGuards(app: FastifyInstance): void {
  // A callback hook, not an async one: no promise per request for a check that never waits.
  app.addHook('onRequest', (request, _reply, done) => {
    const type = request.headers['content-type'];
    if (request.method === 'POST' && typeof type === 'string' && /^\s*multipart\//i.test(type) && !BOUNDARY.test(type)) {
      done(new GatewayError('bad_request', 'a multipart body needs a boundary of 1 to 70 characters'));
      return;
    }
    done();
  });
}
