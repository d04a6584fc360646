// The scene the page's account tests share: a scripted FTP disk holding `files`, a users file
// with gateway accounts for site "acc" (plus any other sites over the same server), a gateway,
// and a chromium. close() undoes all of it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launch } from './harness.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startDisk, writeUsersFile, type Disk, type UserSpec } from '../security/fixtures.js';

type Sites = Parameters<typeof startGateway>[0];
type Server = { host: string; port: number; listingCacheTtlMs: number };

export interface AccountsScene {
  disk: Disk;
  gw: TestGateway;
  browser: Browser;
  close(): Promise<void>;
}

export async function startAccountsScene(
  files: Record<string, string>,
  users: UserSpec[],
  options: { prepare?: (root: string) => Promise<void>; moreSites?: (server: Server) => Sites } = {},
): Promise<AccountsScene> {
  const disk = await startDisk(files);
  await options.prepare?.(disk.root);
  const dir = await mkdtemp(join(tmpdir(), 'ftpgate-accounts-ui-'));
  const usersFile = await writeUsersFile(dir, users);
  const server = { host: '127.0.0.1', port: disk.server.port, listingCacheTtlMs: 0 };
  const gw = await startGateway({ acc: { ...server, auth: 'accounts' }, ...options.moreSites?.(server) }, { usersFile });
  const browser = await launch();
  return {
    disk,
    gw,
    browser,
    async close() {
      await browser.close();
      await gw.close();
      await disk.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
