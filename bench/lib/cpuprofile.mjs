// Summarise a V8 .cpuprofile (node --cpu-prof): self time per function and per file/package.
//   node bench/lib/cpuprofile.mjs FILE.cpuprofile [top=30]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Group a script URL: our own dist files by path, dependencies by package, node internals as such. */
export function fileGroup(url) {
  if (!url) return '(native/VM)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `dep:${rest[0].startsWith('@') ? rest.slice(0, 2).join('/') : rest[0]}`;
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

export function summarize(profile, top = 30) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  // timeDeltas[i] is the time before samples[i]; attribute it to that sample's node.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map();
  const byFile = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame: f } = byId.get(id);
    const group = fileGroup(f.url);
    const fn = `${f.functionName || '(anonymous)'}  ${group}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    byFile.set(group, (byFile.get(group) ?? 0) + us);
  }
  const rows = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ name: k, ms: us / 1000, pct: (100 * us) / total }));
  const idle = [...selfUs.entries()].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
  return { totalMs: total / 1000, busyMs: (total - idle) / 1000, functions: rows(byFn), files: rows(byFile) };
}

export function printSummary(s, out = console.log) {
  out(`profile: ${s.totalMs.toFixed(0)} ms sampled, ${s.busyMs.toFixed(0)} ms not idle`);
  out('self time by file/package:');
  for (const r of s.files) out(`  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`);
  out('self time by function:');
  for (const r of s.functions) out(`  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/lib/cpuprofile.mjs FILE.cpuprofile [top]');
    process.exit(2);
  }
  printSummary(summarize(JSON.parse(readFileSync(file, 'utf8')), Number(top ?? 30)));
}
