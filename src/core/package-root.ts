// The folder of ftpgate's package.json (with public/ and demo/ beside src/ and dist/): the
// nearest folder above this module that holds a package.json. Found by walking up rather than a
// fixed "../..", so that it holds for src/core (tests), dist/core (tsc) and the bundled
// dist/*.js alike (scripts/build.mjs puts every module into a few files directly in dist/).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function find(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; ) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
}

export const PACKAGE_ROOT = find();
