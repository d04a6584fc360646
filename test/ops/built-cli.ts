// dist/cli.js for tests that run the real command: built here when older than the sources
// (`npm test` builds first anyway); a lock folder keeps two test workers from building at once.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
const CLI = join(ROOT, 'dist', 'cli.js');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function stale(): boolean {
  try {
    return statSync(CLI).mtimeMs < newest(join(ROOT, 'src'));
  } catch {
    return true;
  }
}

export async function ensureBuilt(): Promise<string> {
  const lock = join(ROOT, 'dist', '.build-lock');
  for (let i = 0; stale() && i < 600; i++) {
    try {
      mkdirSync(join(ROOT, 'dist'), { recursive: true });
      mkdirSync(lock);
    } catch {
      await new Promise((r) => setTimeout(r, 200)); // another worker builds
      continue;
    }
    try {
      if (stale()) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'pipe' }); // npm run build
    } finally {
      rmdirSync(lock);
    }
  }
  return CLI;
}
