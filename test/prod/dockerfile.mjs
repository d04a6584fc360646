// The final stage of the Dockerfile as steps a shell can follow outside Docker, so that the
// smoke test installs exactly what the image holds. Prints lines:
//   RUN <command>            the dependency install (must be npm ci --omit=dev --ignore-scripts)
//   COPY <from> <src> <dest> every COPY (from = "build" or "context")
//   ENV <NAME>=<value>       every ENV setting
// and checks that npm's `files` list and the image carry the same folders.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? '.';
const text = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const final = lines.slice(lines.findLastIndex((l) => /^FROM\s/.test(l)) + 1);
const fail = (msg) => {
  process.stderr.write(`dockerfile.mjs: ${msg}\n`);
  process.exit(1);
};

const out = [];
const copied = new Set();
for (const line of final) {
  const [, op, args] = /^([A-Z]+)\s+(.*)$/.exec(line) ?? [];
  if (op === 'RUN') {
    const install = /npm ci [^&;]*/.exec(args)?.[0].trim();
    if (!install || !/--omit=dev/.test(install) || !/--ignore-scripts/.test(install)) fail(`final stage RUN is not "npm ci --omit=dev --ignore-scripts ...": ${args}`);
    out.push(`RUN ${install}`);
  } else if (op === 'COPY') {
    const parts = args.split(/\s+/).filter((p) => !p.startsWith('--chown'));
    const from = parts[0].startsWith('--from=') ? parts.shift().slice('--from='.length) : 'context';
    const dest = parts.pop();
    for (const src of parts) {
      const path = from === 'build' ? src.replace(/^\/app\//, '') : src;
      out.push(`COPY ${from} ${path} ${dest}`);
      copied.add(dest === './' ? path : dest.replace(/^\.\//, '').replace(/\/$/, ''));
    }
  } else if (op === 'ENV') {
    for (const [, kv] of args.matchAll(/(\S+=\S+)/g)) out.push(`ENV ${kv}`);
  }
}

// npm pack's top-level entries vs the image's: the same code, the same assets, the same demo.
const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }))[0].files;
const inPackage = new Set(packed.map((f) => f.path.split('/')[0]).filter((p) => !/^(README|LICENSE|CHANGELOG)/i.test(p)));
const inImage = new Set([...copied].filter((p) => p !== 'package-lock.json'));
const onlyPackage = [...inPackage].filter((p) => !inImage.has(p));
const onlyImage = [...inImage].filter((p) => !inPackage.has(p));
if (onlyPackage.length || onlyImage.length) fail(`npm files and the image differ: only in the package [${onlyPackage}], only in the image [${onlyImage}]`);
process.stdout.write(out.join('\n') + '\n');
