// Every package the built code imports (statically or with import()) must be a production
// dependency (dependencies or optionalDependencies) and be installed in the app folder: a
// runtime import of a dev dependency fails here even on a path the HTTP checks do not take.
// dist/ is a bundle (scripts/build.mjs): what it still imports is what the build kept external,
// and the code generators bundled in it (ajv, fast-json-stringify) name their own runtime files
// in strings, require("ajv/dist/runtime/equal"); such a name of a package that is installed and
// not a dev dependency is allowed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const app = process.argv[2];
const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
const runtime = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
const builtins = new Set(builtinModules);

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.js') || p.endsWith('.cjs')) yield p;
  }
}

const problems = [];
const seen = new Set();
for (const file of files(join(app, 'dist'))) {
  const code = readFileSync(file, 'utf8');
  const specs = [
    ...code.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm), // import x from 'y', export * from 'y'
    ...code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm), // import 'y'
    ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g), // import('y')
    ...code.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g), // createRequire(...)('y')
  ].map((m) => m[1]);
  for (const spec of specs) {
    if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || builtins.has(spec.split('/')[0])) continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    seen.add(name);
    if (!runtime.has(name) && (dev.has(name) || !existsSync(join(app, 'node_modules', name, 'package.json')))) problems.push(`${file.slice(app.length + 1)} imports "${spec}", not a production dependency`);
    else if (!existsSync(join(app, 'node_modules', name, 'package.json'))) problems.push(`${file.slice(app.length + 1)} imports "${spec}", not installed by npm ci --omit=dev`);
  }
}
if (problems.length) {
  process.stderr.write(`imports.mjs: ${problems.join('\nimports.mjs: ')}\n`);
  process.exit(1);
}
process.stdout.write(`imports: ${seen.size} packages imported by dist/, all production dependencies and installed\n`);
