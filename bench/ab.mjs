#!/usr/bin/env node
// Interleaved A/B of two gateway builds on a loaded machine: what stays meaningful when other
// work shares the cores is the gateway's own CPU per byte and its memory, not wall time.
//   node bench/ab.mjs --a DIR --b DIR [--size MiB] [--rounds N] [--only get,put,small,davsmall,zip,propfind,list]
//                     [--node-options-b FLAGS] [--log-level-b LEVEL]
// DIR is a checkout (DIR/dist/cli.js). Each round runs A then B (order swapped every round);
// printed: median and spread of CPU-seconds per GiB (user+system from /proc/PID/stat), wall
// rate, and peak RSS (VmHWM reset before each transfer) per build. small / davsmall: 100 warm GETs
// of a 4 KiB file (REST / WebDAV) per round, median ms and gateway CPU-ms per request, and the
// FTP commands per GET that vsftpd logged (first round). propfind: PROPFIND Depth 1 (allprop) of a
// 2,000-file folder, 40 warm and 20 with the listing cache off per round, gateway CPU-ms per request.
// list: the REST JSON listing of the same folder, 100 warm and 20 with the listing cache off per
// round: CPU-ms per request, median ms, and the RSS after them (what their garbage left).
// par16, par64 (any parN): N parallel GETs of distinct 10 MiB files (curl -Z, as bench part 5), after
// waiting out the listing cache (3.1 s, as between the bench's contenders): gateway CPU-s/GiB, rate, FTP
// commands per GET.
import { chmodSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { curlGet, curlParallel, curlPut, keepAliveClient } from './lib/clients.mjs';
import { createData } from './lib/data.mjs';
import { cpuSeconds, sampleRss, rssNow } from './lib/rss.mjs';
import { startGateway, startVsftpd } from './lib/servers.mjs';
import { fmtRate, GiB, KiB, load, median, MiB, sleep } from './lib/util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    size: { type: 'string', default: '512' },
    rounds: { type: 'string', default: '5' },
    only: { type: 'string', default: 'get,put' },
    'node-options-b': { type: 'string' },
    'log-level-b': { type: 'string' },
  },
});
const size = Number(opt.size) * MiB;
const rounds = Number(opt.rounds);
const only = new Set(opt.only.split(','));
const parNs = [...only].filter((k) => /^par\d+$/.test(k)).map((k) => Number(k.slice(3)));
const PAR_SIZE = 10 * MiB;
const work = mkdtempSync(join(tmpdir(), 'ftpgate-ab-'));
chmodSync(work, 0o755);
const stops = [];
const builds = [
  { name: 'A', dir: resolve(opt.a ?? join(here, '..')) },
  { name: 'B', dir: resolve(opt.b ?? join(here, '..')), nodeOptions: opt['node-options-b'], logLevel: opt['log-level-b'] },
];
/** FTP commands vsftpd has logged so far (log_ftp_protocol), by verb. */
const ftpCommands = () => {
  const counts = {};
  for (const m of readFileSync(join(work, 'vsftpd.log'), 'utf8').matchAll(/FTP command: Client "[^"]*", "([A-Z]+)/g)) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
  return counts;
};
const perRequest = (before, after, n) =>
  Object.keys(after)
    .filter((k) => after[k] - (before[k] ?? 0) > 0)
    .map((k) => `${k} ${((after[k] - (before[k] ?? 0)) / n).toFixed(2)}`)
    .join(', ');
const q = (xs) => (xs.length ? `${median(xs).toFixed(3)} [${Math.min(...xs).toFixed(3)}..${Math.max(...xs).toFixed(3)}]` : '-');

try {
  const ftp = await startVsftpd(join(here, '..'), work);
  stops.push(ftp.stop);
  createData(ftp.root, work, { big: size, mid: MiB, upload: Math.min(size, 100 * MiB), small: 4 * KiB, manyCount: only.has('propfind') || only.has('list') ? 2000 : 10, par: parNs.length ? PAR_SIZE : MiB, parCount: parNs.length ? Math.max(...parNs) : 1 });
  // A folder with one stored (already compressed) file: the zip row.
  mkdirSync(join(ftp.root, 'zipme'));
  linkSync(join(ftp.root, 'big.bin'), join(ftp.root, 'zipme', 'big.mp4'));
  for (const b of builds) {
    b.gw = await startGateway(b.dir, ftp, { poolSize: parNs.length ? 8 : 4, // parN: the bench's pool of 8
      nodeOptions: b.nodeOptions, dataDir: join(work, `state-${b.name}`), ...(b.logLevel ? { logLevel: b.logLevel } : {}) });
    stops.push(() => b.gw.stop());
    b.idle = rssNow(b.gw.pid);
    b.get = { cpu: [], rate: [], rss: [] };
    b.put = { cpu: [], rate: [] };
    b.small = { ms: [], cpu: [] };
    b.davsmall = { ms: [], cpu: [] };
    b.zip = { cpu: [], rate: [] };
    await curlGet(`${b.gw.base}/api/v1/sites/bench/files/mid.bin`, MiB); // log in, warm code
  }
  console.log(`load average at start: ${load()}; ${rounds} rounds of ${opt.size} MiB`);
  for (let r = 0; r < rounds; r++) {
    for (const b of r % 2 ? [...builds].reverse() : builds) {
      if (only.has('get')) {
        const c0 = cpuSeconds(b.gw.pid);
        const s = sampleRss(b.gw.pid);
        const res = await curlGet(`${b.gw.base}/api/v1/sites/bench/files/big.bin`, size);
        const mem = s.stop();
        if (!res.ok) throw new Error(`${b.name} GET: ${res.error}`);
        b.get.cpu.push((cpuSeconds(b.gw.pid) - c0) / (size / GiB));
        b.get.rate.push(size / res.seconds);
        b.get.rss.push(mem.peak / 1e6);
      }
      if (only.has('zip')) {
        const c0 = cpuSeconds(b.gw.pid);
        const res = await curlGet(`${b.gw.base}/api/v1/sites/bench/zip/zipme`, -1);
        if (res.status !== 200 || res.down < size) throw new Error(`${b.name} zip: status ${res.status}, ${res.down} bytes`);
        b.zip.cpu.push((cpuSeconds(b.gw.pid) - c0) / (size / GiB));
        b.zip.rate.push(res.down / res.seconds);
      }
      if (only.has('put')) {
        const up = Math.min(size, 100 * MiB);
        const c0 = cpuSeconds(b.gw.pid);
        const res = await curlPut(join(work, 'upload.bin'), `${b.gw.base}/api/v1/sites/bench/files/up-${b.name}.bin`, up);
        if (!res.ok) throw new Error(`${b.name} PUT: ${res.error}`);
        b.put.cpu.push((cpuSeconds(b.gw.pid) - c0) / (up / GiB));
        b.put.rate.push(up / res.seconds);
      }
      for (const n of parNs) {
        const urls = Array.from({ length: n }, (_, i) => `${b.gw.base}/api/v1/sites/bench/files/par/p${String(i).padStart(2, '0')}.bin`);
        await sleep(3100); // the folder's cached listing has expired, as in bench part 5
        const log0 = ftpCommands();
        const c0 = cpuSeconds(b.gw.pid);
        const res = await curlParallel(urls, PAR_SIZE);
        if (!res.ok) throw new Error(`${b.name} ${n} parallel: ${res.error}`);
        const row = (b[`par${n}`] ??= { cpu: [], rate: [] });
        row.cpu.push((cpuSeconds(b.gw.pid) - c0) / (res.bytes / GiB));
        row.rate.push(res.bytes / res.seconds);
        row.ftp ??= perRequest(log0, ftpCommands(), n);
      }
      if (only.has('propfind')) {
        // bench: the listing cached (TTL 3 s, so a few requests list again); nocache: a LIST each time.
        for (const [site, n] of [['bench', 40], ['nocache', 20]]) {
          const c = keepAliveClient();
          const body = '<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><allprop/></propfind>';
          const headers = { depth: '1', 'content-type': 'application/xml' };
          await c.request(`${b.gw.base}/dav/${site}/many/`, { method: 'PROPFIND', headers, body }); // logs in (and fills bench's listing cache)
          const c0 = cpuSeconds(b.gw.pid);
          const ms = [];
          for (let i = 0; i < n; i++) {
            const res = await c.request(`${b.gw.base}/dav/${site}/many/`, { method: 'PROPFIND', headers, body });
            if (res.status !== 207) throw new Error(`${b.name} PROPFIND ${site}: status ${res.status}`);
            ms.push(res.ms);
          }
          const row = (b[`propfind-${site}`] ??= { cpu: [], ms: [] });
          row.cpu.push(((cpuSeconds(b.gw.pid) - c0) / n) * 1000);
          row.ms.push(median(ms));
          c.close();
        }
      }
      if (only.has('list')) {
        // bench: the listing cached (TTL 3 s); nocache: a LIST each time (the answer is kept all the same).
        for (const [site, n] of [['bench', 100], ['nocache', 20]]) {
          const c = keepAliveClient();
          const url = `${b.gw.base}/api/v1/sites/${site}/list/many`;
          for (let i = 0; i < 3; i++) await c.request(url); // logs in, fills the listing cache
          const c0 = cpuSeconds(b.gw.pid);
          const ms = [];
          for (let i = 0; i < n; i++) {
            const res = await c.request(url);
            if (res.status !== 200) throw new Error(`${b.name} list ${site}: status ${res.status}`);
            ms.push(res.ms);
          }
          const row = (b[`list-${site}`] ??= { cpu: [], ms: [], rss: [] });
          row.cpu.push(((cpuSeconds(b.gw.pid) - c0) / n) * 1000);
          row.ms.push(median(ms));
          row.rss.push(rssNow(b.gw.pid) / 1e6);
          c.close();
        }
      }
      for (const kind of ['small', 'davsmall']) {
        if (!only.has(kind)) continue;
        const c = keepAliveClient();
        const url = (i) => `${b.gw.base}${kind === 'small' ? '/api/v1/sites/bench/files' : '/dav/bench'}/small/s${String(i % 20).padStart(2, '0')}.txt`;
        for (let i = 0; i < 20; i++) await c.request(url(i)); // warm: listings cached, sessions logged in
        const ms = [];
        const c0 = cpuSeconds(b.gw.pid);
        const log0 = ftpCommands();
        for (let i = 0; i < 100; i++) {
          const res = await c.request(url(i));
          if (res.status !== 200 || res.bytes !== 4 * KiB) throw new Error(`${b.name} ${kind}: status ${res.status}, ${res.bytes} bytes`);
          ms.push(res.ms);
        }
        b[kind].cpu.push(((cpuSeconds(b.gw.pid) - c0) / 100) * 1000);
        b[kind].ms.push(median(ms));
        b[kind].ftp ??= perRequest(log0, ftpCommands(), 100);
        c.close();
      }
    }
  }
  console.log(`load average at end: ${load()}`);
  for (const b of builds) {
    console.log(`\n${b.name}: ${b.dir}${b.nodeOptions ? ` (NODE_OPTIONS=${b.nodeOptions})` : ''}${b.logLevel ? ` (--log-level ${b.logLevel})` : ''}; RSS after start ${(b.idle / 1e6).toFixed(1)} MB`);
    if (only.has('get')) {
      console.log(`  GET  CPU-s/GiB ${q(b.get.cpu)}   rate ${fmtRate(median(b.get.rate))}   peak RSS MB ${q(b.get.rss)}`);
    }
    if (only.has('zip')) console.log(`  ZIP  CPU-s/GiB ${q(b.zip.cpu)}   rate ${fmtRate(median(b.zip.rate))}`);
    for (const n of parNs) {
      const row = b[`par${n}`];
      console.log(`  ${n} parallel GETs of 10 MiB: CPU-s/GiB ${q(row.cpu)}   rate ${fmtRate(median(row.rate))}; FTP commands per GET (first round) ${row.ftp}`);
    }
    if (only.has('put')) console.log(`  PUT  CPU-s/GiB ${q(b.put.cpu)}   rate ${fmtRate(median(b.put.rate))}`);
    if (only.has('propfind')) {
      for (const [site, what] of [['bench', 'warm'], ['nocache', 'listing cache off']]) {
        const row = b[`propfind-${site}`];
        console.log(`  PROPFIND Depth 1 (2000 entries, ${what}): gateway CPU ms per request ${q(row.cpu)}, median ms ${q(row.ms)}`);
      }
    }
    if (only.has('list')) {
      for (const [site, what] of [['bench', 'warm, 100'], ['nocache', 'listing cache off, 20']]) {
        const row = b[`list-${site}`];
        console.log(`  REST JSON list (2000 entries, ${what}): gateway CPU ms per request ${q(row.cpu)}, median ms ${q(row.ms)}, RSS after them MB ${q(row.rss)}`);
      }
    }
    for (const kind of ['small', 'davsmall']) {
      if (!only.has(kind)) continue;
      console.log(`  ${kind === 'small' ? 'REST' : 'WebDAV'} small GET: median ms ${q(b[kind].ms)}, CPU-ms per request ${q(b[kind].cpu)}; FTP commands per GET ${b[kind].ftp}`);
    }
  }
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
