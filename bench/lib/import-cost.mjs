// What the gateway's idle memory is made of: one fresh node process imports the runtime
// dependencies one after the other and reports how much RSS each added (shared
// sub-dependencies count once, at the first importer), then the app itself.
//   node bench/lib/import-cost.mjs [GATEWAY_ROOT]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), '../../..'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const specs = [...Object.keys(pkg.dependencies ?? {}), pathToFileURL(join(root, 'dist/app/app.js')).href];
const script = `
const specs = ${JSON.stringify(specs)};
const r = () => process.memoryUsage().rss;
const out = [{ spec: 'node alone', rss: r() }];
for (const spec of specs) {
  const before = r();
  try { await import(spec); out.push({ spec, cost: r() - before }); }
  catch (err) { out.push({ spec, error: String(err.message).split('\\n')[0] }); }
}
out.push({ spec: 'total', rss: r() });
console.log(JSON.stringify(out));`;
const rows = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 }));
for (const row of rows) {
  if (row.rss !== undefined) console.log(`${row.spec}: ${(row.rss / 1e6).toFixed(1)} MB RSS`);
  else if (row.error) console.log(`      ?    ${row.spec} (${row.error})`);
  else console.log(`  +${(row.cost / 1e6).toFixed(1).padStart(5)} MB  ${row.spec.replace(/^file:\/\/.*\/dist\//, 'dist/')}`);
}
