// Schema pieces shared by the REST routes, for validation where they validate and for the
// OpenAPI document everywhere. Response objects allow additional properties: Fastify serializes
// through them (fast-json-stringify) and must never drop a field a handler adds.
// Errors are documented by reference to one Problem schema (RFC 9457), also open-ended.

const PROBLEM_ID = 'Problem';

export const problemSchema = {
  $id: PROBLEM_ID,
  type: 'object',
  description:
    'RFC 9457 problem details (application/problem+json). `code` is stable and machine-readable; ' +
    'type, title, status, detail and code are always present.',
  additionalProperties: true,
  properties: {
    type: { type: 'string', description: 'the error code\'s documentation: /api/problems/{code} on this gateway' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', description: 'e.g. not_found, unauthorized, conflict, target_exists, read_only, bad_request' },
    instance: { type: 'string', description: 'the request path' },
  },
} as const;

const problemRef = { $ref: `${PROBLEM_ID}#` } as const;

/** 4xx and 5xx answers: problem+json, described once. */
export const errorResponses = {
  '4xx': { description: 'Client error (problem+json)', ...problemRef },
  '5xx': { description: 'Gateway or FTP server error (problem+json)', ...problemRef },
} as const;

export const siteParams = {
  type: 'object',
  required: ['site'],
  properties: { site: { type: 'string', description: 'configured site name' } },
} as const;

export const sitePathParams = {
  type: 'object',
  required: ['site'],
  properties: {
    site: { type: 'string', description: 'configured site name' },
    '*': { type: 'string', description: 'path inside the site, each segment percent-encoded' },
  },
} as const;

export const entrySchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    type: { type: 'string', enum: ['file', 'directory', 'symlink'] },
    size: { type: 'integer', description: 'bytes; 0 for folders' },
    modified: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const noContent = { description: 'No content', type: 'null' } as const;

export const binaryBody = (description: string) =>
  ({
    description,
    content: {
      'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
    },
  }) as const;

/** Basic authentication for pass-through sites (the browser page uses a session cookie instead). */
export const basicAuth = [{ basicAuth: [] }, { sessionCookie: [] }, {}] as const;

/** GET /api/v1/sites/{site}/zip/{path} (src/rest/zip.ts). */
export const zipSchema = {
  tags: ['files'],
  summary: 'Download a folder tree as a zip, streamed (ZIP64 where needed, UTF-8 names)',
  security: basicAuth,
  params: sitePathParams,
  response: {
    200: { description: 'the zip', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } },
    ...errorResponses,
  },
} as const;
