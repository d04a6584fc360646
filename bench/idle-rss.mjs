#!/usr/bin/env node
// Idle RSS of several gateway builds, started as bench/run.mjs part 6 starts one (the bench's two
// sites on vsftpd, every front registered, its own data folder, dist/cli.js's shebang flags):
// VmRSS (and its anonymous / file-backed parts) 1 s after "listening" and after --idle seconds
// with no request. Each round starts every build at once, in a shuffled order.
//   node bench/idle-rss.mjs --rounds 5 --idle 30 NAME=DIR[:NODE_OPTIONS] ...
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startGateway, startVsftpd } from './lib/servers.mjs';
import { load, median, sleep } from './lib/util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '5' }, idle: { type: 'string', default: '30' } } });
const builds = positionals.map((p) => {
  const [name, rest] = p.split(/=(.*)/s);
  const [dir, nodeOptions] = rest.split(/:(.*)/s);
  return { name, dir: resolve(dir), nodeOptions: nodeOptions || undefined, at1: [], idle: [], anon: [], file: [] };
});
const mem = (pid) => {
  const t = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (f) => Number(new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(t)[1]) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
};
const work = mkdtempSync(join(tmpdir(), 'ftpgate-idle-'));
chmodSync(work, 0o755);
const ftp = await startVsftpd(join(here, '..'), work);
const f = (xs) => `${median(xs).toFixed(1)} [${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)}]`;
try {
  console.log(`load ${load()}`);
  for (let r = 0; r < Number(opt.rounds); r++) {
    const order = [...builds].sort(() => Math.random() - 0.5);
    const started = await Promise.all(
      order.map(async (b, i) => {
        await sleep(i * 300);
        const gw = await startGateway(b.dir, ftp, { dataDir: join(work, `state-${r}-${b.name}`), nodeOptions: b.nodeOptions });
        const t0 = Date.now();
        await sleep(1000);
        const m1 = mem(gw.pid);
        await sleep(t0 + Number(opt.idle) * 1000 - Date.now());
        const m2 = mem(gw.pid);
        await gw.stop();
        b.at1.push(m1.rss);
        b.idle.push(m2.rss);
        b.anon.push(m2.anon);
        b.file.push(m2.file);
        return `${b.name} ${m1.rss.toFixed(1)}/${m2.rss.toFixed(1)}`;
      }),
    );
    console.log(`round ${r + 1}: ${started.join(', ')} MB (1 s / ${opt.idle} s); load ${load()}`);
  }
  console.log(`\nbuild: RSS at 1 s | after ${opt.idle} s | its anon | its file-backed (MB, median [min..max])`);
  for (const b of builds) console.log(`${b.name}: ${f(b.at1)} | ${f(b.idle)} | ${f(b.anon)} | ${f(b.file)}`);
} finally {
  await ftp.stop();
  rmSync(work, { recursive: true, force: true });
}
