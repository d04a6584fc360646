// The page's HTML: public/index.html with a server-rendered part put in where it says
// <!--plain-->. Without JavaScript that part is the page; with it, the app takes over.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyReply } from 'fastify';
import { PUBLIC_DIR } from './static.js';
import { setPageHeaders } from '../http/security/page-headers.js';

const MARKER = '<!--plain-->';
let template: Promise<string> | undefined;

function shell(): Promise<string> {
  // Read once per process; a failed read is retried on the next request.
  template ??= readFile(join(PUBLIC_DIR, 'index.html'), 'utf8').catch((err: unknown) => {
    template = undefined;
    throw err;
  });
  return template;
}

export async function sendPage(reply: FastifyReply, status: number, plainHtml: string, title?: string): Promise<FastifyReply> {
  let html = (await shell()).replace(MARKER, () => plainHtml);
  if (title) html = html.replace('<title>ftpgate</title>', () => `<title>${title} · ftpgate</title>`);
  return setPageHeaders(reply).code(status).type('text/html; charset=utf-8').send(html);
}
