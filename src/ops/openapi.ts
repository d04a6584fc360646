// The OpenAPI 3 document (@fastify/swagger, built from the route schemas) at /api/openapi.json
// and /api/openapi.yaml, and its reading page (@fastify/swagger-ui) at /api/docs.
//
// Register before any route: @fastify/swagger collects routes as they are added.
//
// The docs page runs Swagger UI from the gateway itself (no CDN). Its HTML has no inline
// script (the initializer is a file), so the page CSP could stay, except for style-src:
// Swagger UI renders descriptions and schemas with inline style attributes. The /api/docs
// routes (and only they) get the page CSP with style-src 'unsafe-inline' added; scripts stay
// 'self' only. See test/ops/openapi.test.ts, which loads the page in Chromium and watches
// for CSP violations.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { problemSchema } from './api-schemas.js';

const DOCS_PREFIX = '/api/docs';

const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Request bodies that are streamed, not parsed: documented here, not validated by Fastify. */
function streamedBody(method: string, url: string, consumes: readonly string[] | undefined): unknown {
  if (!url.startsWith('/api/v1/') || !consumes) return undefined;
  if (consumes.includes('multipart/form-data')) {
    return {
      description: 'one or more files, each streamed to the FTP server as its part arrives',
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: { file: { type: 'array', items: { type: 'string', format: 'binary' }, description: 'one or more files' } },
          },
        },
      },
    };
  }
  if (method === 'PUT') {
    return {
      description: 'the file content, streamed to the FTP server as it arrives',
      content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    };
  }
  return undefined;
}

export async function registerOpenApi(app: FastifyInstance, options: { version: string }): Promise<void> {
  app.addSchema(problemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ftpgate REST API',
        version: options.version,
        description:
          'A web gateway to FTP servers. Paths inside a site are URL paths, each segment percent-encoded. ' +
          'Errors are application/problem+json (RFC 9457) with a stable `code`; their `type` resolves to /api/problems/{code}.',
      },
      tags: [
        { name: 'sites', description: 'configured FTP sites' },
        { name: 'files', description: 'listing, downloads, uploads and changes' },
        { name: 'operations', description: 'health, readiness and metrics' },
      ],
      components: {
        securitySchemes: {
          basicAuth: { type: 'http', scheme: 'basic', description: 'the FTP login, for pass-through sites' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'ftpgate_session', description: 'browser page sign-in' },
        },
      },
    },
    exposeHeadRoutes: true, // HEAD /files/* is a route of its own (size, type, validators)
    // The REST API only: not the browser page, its assets, WebDAV or the docs themselves.
    transform: ({ schema, url, route }) => {
      const method = String(Array.isArray(route.method) ? route.method[0] : route.method);
      const keep = url.startsWith('/api/v1/') || url.startsWith('/api/problems') || ['/healthz', '/readyz', '/metrics'].includes(url);
      if (!keep) return { schema: { ...(schema ?? {}), hide: true }, url };
      const body = streamedBody(method, url, schema?.consumes);
      const transformed = { ...(schema ?? {}) } as Record<string, unknown>;
      if (body) transformed.body = body; // for the document only: the route reads the raw stream
      return { schema: transformed, url };
    },
  });

  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: DOCS_CSP,
    uiConfig: { deepLinking: false, validatorUrl: null } as Record<string, unknown>,
  });

  app.get('/api/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.header('cache-control', 'no-cache').send(app.swagger()));
  app.get('/api/openapi.yaml', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').type('application/yaml').send(app.swagger({ yaml: true })),
  );
}
