// The demo: with no site configured, ftpgate serves a copy of demo/sample through an
// in-process FTP server, so the browser page and the API work right after `npm start`.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PACKAGE_ROOT } from '../core/package-root.js';
import { startInProcessServer } from './in-process-server.js';

const SAMPLE_DIR = join(PACKAGE_ROOT, 'demo', 'sample');

export async function startDemoSite(logger: Logger): Promise<{ url: string; close(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'ftpgate-demo-'));
  await cp(SAMPLE_DIR, root, { recursive: true });
  let server: Awaited<ReturnType<typeof startInProcessServer>>;
  try {
    server = await startInProcessServer({ root, user: 'demo', password: 'demo', logger: logger.child({ component: 'demo-ftp' }, { level: 'warn' }) });
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
