// The build: src/ bundled by esbuild into dist/cli.cjs (one CommonJS file, our code and the pure
// JavaScript dependencies) behind a two-line dist/cli.js that keeps the shebang's V8 flags.
//   node scripts/build.mjs [--outdir=DIR] [--format=esm] [--minify=full|ws|none] [--external=a,b]
// Why a bundle: an idle gateway loaded about 750 files, and node paid for each (the CommonJS
// export lexer over every CommonJS file an ES module imports, the loader's path resolution, the
// TurboFan compiles these trigger at start-up); one file holds less source text and starts with
// fewer compiles: idle RSS about 8 MB lower (bench/results.md, "fifth session").
// Why CommonJS and not ESM output: a large ES module left 20-40 MB of freed malloc memory that
// glibc does not return (measured: bench/results.md); the same code as one CommonJS script does not.
// Why whitespace and syntax minification only: with identifiers minified esbuild writes each
// CommonJS wrapper as `f(() => {...})`, which V8 takes for a function called at once and compiles
// eagerly (a 15 MB parse zone, 8 MB more RSS); names stay readable in stack traces this way, and
// dist/cli.cjs.map maps them to src/ (node --enable-source-maps, which costs memory: off by default).
// Kept out of the bundle (loaded from node_modules, so they stay production dependencies):
//   node-sqlite3-wasm   loads its .wasm file from its own folder
//   @fastify/swagger-ui serves the Swagger UI files from its own folder
//   @node-rs/crc32      a native addon
//   ftp-srv             optional, the demo server only
//   ioredis             loaded only with FTPGATE_REDIS_URL: outside the bundle its code is not
//                       read at start (@tus/server, lazy too, is bundled: it is an ES module, and
//                       require() of one needs Node >= 20.19)
// `npm run typecheck` runs tsc; `npm run build:modules` writes tsc's one-file-per-module dist/
// (for bench/lib/import-cost.mjs and per-file CPU profiles).
import { build } from 'esbuild';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    outdir: { type: 'string', default: join(root, 'dist') },
    format: { type: 'string', default: 'cjs' },
    minify: { type: 'string', default: 'ws' },
    external: { type: 'string', default: 'node-sqlite3-wasm,@fastify/swagger-ui,@node-rs/crc32,ftp-srv,ioredis' },
  },
});
const outdir = resolve(opt.outdir);
// What an earlier build left (tsc's one file per module too), but not dot-files: test/ops/built-cli.ts
// holds its lock folder dist/.build-lock while it runs this.
for (const name of existsSync(outdir) ? readdirSync(outdir) : []) if (!name.startsWith('.')) rmSync(join(outdir, name), { recursive: true, force: true });
const shebang = readFileSync(join(root, 'src/cli.ts'), 'utf8').split('\n')[0];
if (!shebang.startsWith('#!')) throw new Error('src/cli.ts does not start with its shebang line');
const common = {
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  minifyWhitespace: opt.minify !== 'none',
  minifySyntax: opt.minify !== 'none',
  minifyIdentifiers: opt.minify === 'full',
  sourcemap: 'linked',
  sourcesContent: false,
  external: opt.external.split(',').filter(Boolean),
  metafile: true,
  logLevel: 'warning',
};
let result;
if (opt.format === 'esm') {
  // Measured, not used: see above. import.meta.url is the chunk's, in dist/ like dist/cli.js.
  const banner = "import { createRequire as __ftpgateCreateRequire } from 'node:module'; const require = __ftpgateCreateRequire(import.meta.url);";
  result = await build({ ...common, format: 'esm', splitting: true, outdir, banner: { js: banner } });
} else {
  // import.meta.url (src/core/package-root.ts, src/cli.ts) becomes the bundle's own file URL.
  const banner = "const __ftpgateUrl = require('node:url').pathToFileURL(__filename).href;";
  result = await build({ ...common, format: 'cjs', outfile: join(outdir, 'cli.cjs'), define: { 'import.meta.url': '__ftpgateUrl' }, banner: { js: banner } });
  // The package is "type": "module": dist/cli.js is a small ES module that loads the CommonJS
  // bundle with require() (import of a CommonJS file would run Node's export lexer over all of it).
  // No dist/package.json: src/core/package-root.ts looks for the nearest one above dist/.
  const entry = [shebang, '// The bundle (scripts/build.mjs); this file keeps the command\'s V8 flags on its first line.', "import { createRequire } from 'node:module';", "createRequire(import.meta.url)('./cli.cjs');", ''];
  writeFileSync(join(outdir, 'cli.js'), entry.join('\n'));
  chmodSync(join(outdir, 'cli.js'), 0o755);
}
for (const [file, out] of Object.entries(result.metafile.outputs)) {
  if (!file.endsWith('.map')) console.log(`${file}: ${(out.bytes / 1024).toFixed(0)} KiB`);
}
