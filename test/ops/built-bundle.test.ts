// The built command is a bundle (scripts/build.mjs: src/ in one file, dist/cli.cjs), so no module
// can reach the package's other folders by a fixed "../.." from its own file: it finds them
// through src/core/package-root.ts. Run as users run it, with no site (the demo): the browser
// page's assets come from public/, the version from package.json, the demo's files from demo/.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildGateway, type ChildGateway } from '../faults/child-gateway.js';
import { ensureBuilt, ROOT } from './built-cli.js';

describe('the built command finds its package files', () => {
  let gw: ChildGateway;
  beforeAll(async () => {
    await ensureBuilt();
    gw = await startChildGateway({}, { FTPGATE_DEMO: '1' });
  }, 90_000);
  afterAll(async () => gw?.close());

  it('serves public/assets, package.json\'s version and demo/sample', async () => {
    const asset = await fetch(`${gw.base}/assets/app.js`);
    expect(asset.status).toBe(200);
    expect(Buffer.from(await asset.arrayBuffer()).equals(readFileSync(join(ROOT, 'public/assets/app.js')))).toBe(true);
    const api = (await (await fetch(`${gw.base}/api/openapi.json`)).json()) as { info: { version: string } };
    expect(api.info.version).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    const welcome = await fetch(`${gw.base}/api/v1/sites/demo/files/Welcome.txt`);
    expect(welcome.status).toBe(200);
    expect(await welcome.text()).toBe(readFileSync(join(ROOT, 'demo/sample/Welcome.txt'), 'utf8'));
  });
});

describe('the built command when the demo cannot start its state store', () => {
  it('says why and exits 1 instead of hanging', async () => {
    await ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'ftpgate-badstate-'));
    writeFileSync(join(dir, 'file'), '');
    const started = Date.now();
    // The data folder lies under a file: the state store cannot be created.
    const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'file', 'state')], {
      env: { ...process.env, FTPGATE_DEMO: '1', HOME: dir },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.signal, `still running after 20 s; stderr: ${run.stderr}`).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('cannot open the state store');
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});
