// The OpenAPI 3 document lists every REST route with request and response schemas, and is
// structurally sound; /api/docs serves Swagger UI under a CSP that lets it run (checked in
// Chromium: the page renders the operations and reports no CSP violation).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessServer, type FtpFixture } from '../helpers/ftp-servers.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const ROUTES_DIR = new URL('../../src/rest/', import.meta.url).pathname;
const HEALTH_ROUTES = new URL('../../src/ops/health.ts', import.meta.url).pathname;
const SESSION_ROUTES = new URL('../../src/browser/session-routes.ts', import.meta.url).pathname;

/** The REST routes declared in the source: [METHOD, url] from app.get('/api/...') and route({ method, url }). */
function declaredRoutes(file: string): Array<[string, string]> {
  const text = readFileSync(file, 'utf8');
  const out: Array<[string, string]> = [];
  for (const m of text.matchAll(/app\.(get|post|put|delete|patch)\s*(?:<[^(]*?>)?\(\s*'([^']+)'/g)) out.push([m[1]!.toUpperCase(), m[2]!]);
  for (const m of text.matchAll(/method:\s*'([A-Z]+)',\s*url:\s*'([^']+)'/g)) out.push([m[1]!, m[2]!]);
  return out.filter(([, url]) => url.startsWith('/api/v1/') || url === '/healthz' || url === '/readyz');
}

/** Fastify's route pattern as @fastify/swagger writes it: ":site" → "{site}", "*" → "{*}". */
const toOpenApi = (url: string) => url.replace(/:(\w+)/g, '{$1}').replace(/\*/g, '{*}');

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
};
type Operation = {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: unknown }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe('OpenAPI document and docs page', () => {
  let ftp: FtpFixture;
  let gw: TestGateway;
  let doc: Doc;

  beforeAll(async () => {
    ftp = await inProcessServer.start();
    gw = await startGateway({ main: ftp.url });
    const res = await fetch(`${gw.base}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await res.json()) as Doc;
  });
  afterAll(async () => {
    await gw?.close();
    await ftp?.close();
  });

  it('is OpenAPI 3 and well formed: operations, responses, path parameters, resolvable $refs', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(5);
    const refs: string[] = [];
    const collect = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.push(x);
          else collect(x);
        }
      }
    };
    collect(doc);
    for (const ref of refs) {
      expect(ref, 'only local references').toMatch(/^#\//);
      let at: unknown = doc;
      for (const part of ref.slice(2).split('/')) at = (at as Record<string, unknown> | undefined)?.[decodeURIComponent(part)];
      expect(at, `${ref} resolves`).toBeDefined();
    }
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path.startsWith('/')).toBe(true);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        expect(HTTP_METHODS, `${method} ${path}`).toContain(method);
        expect(Object.keys(op.responses).length, `${method} ${path} has responses`).toBeGreaterThan(0);
        for (const [code, r] of Object.entries(op.responses)) {
          expect(code).toMatch(/^(?:[1-5](?:\d\d|XX)|default)$/);
          expect(typeof r.description).toBe('string');
        }
        const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
        expect(pathParams.map((p) => p.name).sort(), `${method} ${path} path parameters`).toEqual([...templated].sort());
        for (const p of pathParams) expect(p.required).toBe(true);
        for (const p of op.parameters ?? []) expect(['path', 'query', 'header', 'cookie']).toContain(p.in);
      }
    }
  });

  it('lists every REST route, each with parameters, a request body where it takes one, success and problem+json responses', () => {
    const files = [...readdirSync(ROUTES_DIR).filter((f) => f.endsWith('.ts')).map((f) => join(ROUTES_DIR, f)), HEALTH_ROUTES];
    const ours = files.flatMap(declaredRoutes);
    expect(ours.length).toBeGreaterThanOrEqual(14);
    for (const [method, url] of ours) {
      const op = doc.paths[toOpenApi(url)]?.[method.toLowerCase()];
      expect(op, `${method} ${url} is documented`).toBeDefined();
      if (!op) continue;
      const codes = Object.keys(op.responses);
      expect(codes.some((c) => /^2/.test(c)), `${method} ${url} documents success`).toBe(true);
      if (url.startsWith('/api/v1/')) {
        expect(codes, `${method} ${url} documents errors`).toEqual(expect.arrayContaining(['4XX', '5XX']));
        const problem = op.responses['4XX']!.content?.['application/json']?.schema as { $ref?: string } | undefined;
        expect(problem?.$ref ?? JSON.stringify(problem)).toMatch(/Problem|def-/);
        if (url.includes(':site')) expect((op.parameters ?? []).some((p) => p.in === 'path' && p.name === 'site'), `${method} ${url} takes {site}`).toBe(true);
      }
      if (['PUT', 'POST'].includes(method) && url !== '/api/v1/sites/:site/mkdir/*') {
        expect(op.requestBody, `${method} ${url} documents its body`).toBeDefined();
      }
    }
    // The body shapes that matter to clients.
    expect(Object.keys(doc.paths['/api/v1/sites/{site}/files/{*}']!.put!.requestBody!.content)).toEqual(['application/octet-stream']);
    expect(Object.keys(doc.paths['/api/v1/sites/{site}/files/{*}']!.post!.requestBody!.content)).toEqual(['multipart/form-data']);
    expect(JSON.stringify(doc.paths['/api/v1/sites/{site}/move']!.post!.requestBody)).toContain('"overwrite"');
    // The browser page's session routes (src/browser) are part of the REST surface too.
    for (const [method, url] of declaredRoutes(SESSION_ROUTES)) {
      expect(doc.paths[toOpenApi(url)]?.[method.toLowerCase()], `${method} ${url} is documented`).toBeDefined();
    }
    // Not REST: the page, its assets, WebDAV, the docs themselves.
    for (const path of Object.keys(doc.paths)) expect(path).toMatch(/^\/(?:api\/v1\/|api\/problems(?:\/\{code\})?$|healthz$|readyz$|metrics$)/);
  });

  it('keeps every field of problem+json errors and of success bodies (schemas never strip what handlers send)', async () => {
    const res = await fetch(`${gw.base}/api/v1/sites/main/files/nope/missing.txt`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(problem).sort()).toEqual(['code', 'detail', 'instance', 'status', 'title', 'type']);
    const bad = await fetch(`${gw.base}/api/v1/sites/main/move`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"from":1}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('bad_request');
    const sites = (await (await fetch(`${gw.base}/api/v1/sites`)).json()) as { sites: Array<Record<string, unknown>> };
    expect(Object.keys(sites.sites[0]!).sort()).toEqual(Object.keys(gw.fs.listSites()[0]!).sort());
    const ready = await fetch(`${gw.base}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', sites: { main: 'ok' } });
  });

  it('serves /api/docs with a CSP of its own: scripts from self only', async () => {
    const res = await fetch(`${gw.base}/api/docs/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('swagger-initializer.js');
    expect(html).not.toMatch(/<script>(?!\s*<\/script>)[^<]/); // no inline script
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    // The rest of the gateway keeps its strict page policy.
    const page = await fetch(`${gw.base}/api/v1/sites`);
    expect(page.headers.get('content-security-policy') ?? "style-src 'self'").not.toContain('unsafe-inline');
    expect((await fetch(`${gw.base}/api/docs/json`)).status).toBe(200);
    expect((await fetch(`${gw.base}/api/openapi.yaml`)).status).toBe(200);
  });

  it.skipIf(!existsSync('/usr/bin/chromium') && process.env.FTPGATE_REQUIRE_EXTERNAL !== '1')(
    'renders every operation in Chromium without a CSP violation',
    async () => {
      const browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      });
      try {
        const page = await browser.newPage();
        const violations: string[] = [];
        page.on('console', (m) => {
          if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
        });
        await page.addInitScript(() => {
          document.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to: CSP ${e.violatedDirective} ${e.blockedURI}`));
        });
        await page.goto(`${gw.base}/api/docs/`);
        await page.waitForSelector('.opblock', { timeout: 20_000 });
        const operations = await page.locator('.opblock').count();
        expect(operations).toBeGreaterThanOrEqual(14);
        await page.locator('.opblock-summary').first().click(); // expand one: schemas render
        await page.waitForSelector('.opblock-body', { timeout: 10_000 });
        await page.waitForTimeout(300);
        expect(violations).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
