// What the gateway's idle memory is made of: what each runtime dependency (and each of the
// gateway's own entry modules) adds when it is the only thing a fresh node process imports,
// with the V8 flags the installed command runs with. Each figure is the median over `--runs`
// processes of (import it) - (a baseline that imported nothing but a built-in), so the loader's
// own first-import cost is in the baseline. Two columns: RSS right after the import (what a
// starting gateway holds; it includes the Node built-ins the module pulls in, such as http or
// tls, and garbage not yet collected), and the V8 heap still used after two full GCs (the
// module's own code and data: small and stable from run to run). A sub-dependency or built-in
// shared by two modules counts in both rows, so the rows do not add up; "dist/app/app.js" is
// everything the wiring loads at start.
//   node bench/lib/import-cost.mjs [GATEWAY_ROOT] [--runs N]
// It imports dist/'s modules one by one: build them first with `npm run build:modules` (tsc's
// one file per module; `npm run build` writes the bundle, scripts/build.mjs).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { shebangFlags } from './servers.mjs';

const { values: opt, positionals } = parseArgs({ options: { runs: { type: 'string', default: '3' } }, allowPositionals: true });
const root = resolve(positionals[0] ?? join(fileURLToPath(import.meta.url), '../../..'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const own = ['dist/app/app.js', 'dist/state/sqlite.js', 'dist/ops/openapi.js', 'dist/ops/metrics.js', 'dist/webdav/plugin.js', 'dist/shares/routes.js', 'dist/uploads/plugin.js', 'dist/demo/in-process-server.js'];
const specs = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), ...own.map((p) => pathToFileURL(join(root, p)).href)];
const flags = shebangFlags(join(root, 'dist/cli.js'));
if (!existsSync(join(root, own[0]))) throw new Error(`${join(root, own[0])} is missing: run npm run build:modules first (npm run build writes a bundle)`);

/** RSS and heap after GC (bytes) of a fresh process after importing `spec` (none: only node:fs), or an error line. */
function rssAfter(spec) {
  const script = `
const spec = ${JSON.stringify(spec ?? 'node:fs')};
try {
  await import(spec);
  const rss = process.memoryUsage().rss;
  gc(); gc();
  console.log(JSON.stringify({ rss, heap: process.memoryUsage().heapUsed }));
} catch (err) { console.log(JSON.stringify({ error: String(err.message).split('\\n')[0] })); }`;
  const out = execFileSync(process.execPath, [...flags, '--expose-gc', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out.trim().split('\n').pop());
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const runs = Math.max(1, Number(opt.runs));
const measure = (spec) => {
  const rows = Array.from({ length: runs }, () => rssAfter(spec));
  const error = rows.find((r) => r.error)?.error;
  return error ? { error } : { rss: median(rows.map((r) => r.rss)), heap: median(rows.map((r) => r.heap)) };
};

const base = measure(undefined);
const mb = (bytes) => `${bytes >= 0 ? '+' : ''}${(bytes / 1e6).toFixed(1)} MB`;
console.log(`node alone (${flags.join(' ') || 'no flags'}): ${(base.rss / 1e6).toFixed(1)} MB RSS, ${(base.heap / 1e6).toFixed(1)} MB heap after GC; medians of ${runs} processes`);
console.log('| module | RSS added | heap added, after GC |');
console.log('|---|---|---|');
for (const spec of specs) {
  const r = measure(spec);
  const name = spec.replace(/^file:\/\/.*?\/dist\//, 'dist/');
  console.log(r.error ? `| ${name} | ? (${r.error}) | |` : `| ${name} | ${mb(r.rss - base.rss)} | ${mb(r.heap - base.heap)} |`);
}
