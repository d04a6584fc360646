// The folder rules of .dependency-cruiser.cjs, tried on a small tree made for the test: an upward
// import must fail `npm run lint`, a downward one must pass. (The real tree is checked by
// `npm run lint` itself, in CI.)
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const depcruise = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
let tree: string | undefined;

async function makeTree(files: Record<string, string>): Promise<string> {
  tree = await mkdtemp(join(tmpdir(), 'ftpgate-rules-'));
  await copyFile(join(repo, '.dependency-cruiser.cjs'), join(tree, '.dependency-cruiser.cjs'));
  await copyFile(join(repo, 'tsconfig.json'), join(tree, 'tsconfig.json'));
  await writeFile(join(tree, 'package.json'), '{"type":"module"}');
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(tree, path)), { recursive: true });
    await writeFile(join(tree, path), text);
  }
  return tree;
}

async function cruise(dir: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [depcruise, 'src', '--config', '.dependency-cruiser.cjs'], { cwd: dir });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

afterEach(async () => {
  if (tree) await rm(tree, { recursive: true, force: true });
  tree = undefined;
});

describe('import rules between folders', () => {
  // One tree, one run (dependency-cruiser takes seconds to start): four wrong imports, three right.
  it('fail on an upward, past-the-core, sideways or toolkit-to-front import and pass the allowed ones', async () => {
    const dir = await makeTree({
      'src/core/thing.ts': 'export const thing = 1;\n',
      'src/ftp/session.ts': 'export const session = 1;\n',
      'src/ftp/upward.ts': "import { thing } from '../core/thing.js';\nexport const upward = thing;\n",
      'src/webdav/past-core.ts': "import { session } from '../ftp/session.js';\nexport const pastCore = session;\n",
      'src/webdav/own.ts': 'export const own = 1;\n',
      'src/rest/sideways.ts': "import { own } from '../webdav/own.js';\nexport const sideways = own;\n",
      'src/rest/same-front.ts': "import { sideways } from './sideways.js';\nexport const sameFront = sideways;\n",
      'src/http/knows-front.ts': "import { own } from '../webdav/own.js';\nexport const knowsFront = own;\n",
      'src/http/downward.ts': "import { thing } from '../core/thing.js';\nexport const downward = thing;\n",
      'src/app/wiring.ts': "import { session } from '../ftp/session.js';\nimport { own } from '../webdav/own.js';\nexport const wiring = [session, own];\n",
    });
    const { code, out } = await cruise(dir);
    expect(code).not.toBe(0);
    expect(out).toMatch(/back-end-looks-down-only: src\/ftp\/upward\.ts/);
    expect(out).toMatch(/fronts-use-the-core: src\/webdav\/past-core\.ts/);
    expect(out).toMatch(/back-end-picked-by-the-wiring: src\/webdav\/past-core\.ts/);
    expect(out).toMatch(/fronts-side-by-side: src\/rest\/sideways\.ts/);
    expect(out).toMatch(/toolkit-knows-no-front: src\/http\/knows-front\.ts/);
    for (const allowed of ['src/http/downward.ts', 'src/rest/same-front.ts', 'src/app/wiring.ts']) expect(out).not.toContain(allowed);
    expect(out).toContain('5 dependency violations');
  });
});
