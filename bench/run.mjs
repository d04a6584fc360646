#!/usr/bin/env node
// npm run bench: ftpgate against the FTP server it fronts (curl straight to vsftpd) and against
// rclone serve http|webdav over the same server. Issue 7's figures with issue 16's targets, each with its ratio.
//
//   node bench/run.mjs [--short] [--runs N] [--only download,upload,small,listing,parallel,zip]
//                      [--out FILE] [--gateway DIR] [--profile DIR] [--node-options OPTS]
//                      [--site-options QUERY] [--keep] [--strict]
//
// --short (or BENCH_SHORT=1): small sizes and few repetitions, for CI (< 60 s); prints only,
//   unless --out is given. A full run of this checkout with default options writes
//   bench/results.md (only the part between the bench:begin/end markers: the analysis below them
//   is kept); any of --short, --only, --gateway, --profile, --node-options, --site-options makes
//   it print only, unless --out is given.
// --gateway DIR: measure the build in DIR (DIR/dist/cli.js) instead of this checkout's.
// --profile DIR: run the gateway under node --cpu-prof (profile written to DIR at its exit)
//   and print where its CPU time went.
// --node-options OPTS: NODE_OPTIONS for the gateway only (to try V8 flags, e.g. --max-semi-space-size=2).
// --site-options QUERY: more site URL options for the gateway's measured site, e.g. clientShare=1
//   (to show what a setting costs; the figures of record use the defaults).
// Exit status: 1 if the harness failed or a transfer was wrong (error, missing or short
// answer); a missed target only prints (and fails with --strict).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { curlGet, curlParallel, curlPut, curlSequence, keepAliveClient } from './lib/clients.mjs';
import { printSummary, summarize } from './lib/cpuprofile.mjs';
import { createData } from './lib/data.mjs';
import { cpuSeconds, faultCost, minorFaults, rssNow, sampleRss } from './lib/rss.mjs';
import { rcloneInstalled, startGateway, startRclone, startRelay, startVsftpd } from './lib/servers.mjs';
import { fmtMs, fmtRate, fmtSize, KiB, load, median, MiB, GiB, percentile, rotated, run, sleep } from './lib/util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');

const { values: opt } = parseArgs({
  options: {
    short: { type: 'boolean', default: process.env.BENCH_SHORT === '1' },
    runs: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    gateway: { type: 'string' },
    profile: { type: 'string' },
    'node-options': { type: 'string' },
    'site-options': { type: 'string' },
    keep: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
  },
  strict: true,
});

const SHORT = opt.short;
const cfg = SHORT
  ? { big: 64 * MiB, mid: 16 * MiB, upload: 16 * MiB, small: 4 * KiB, manyCount: 2000, par: 1 * MiB, parCount: 64, runs: 2, smallN: 50, directLoginN: 5, listN: 20, parRuns: 1, idleS: 5 }
  : { big: 1 * GiB, mid: 64 * MiB, upload: 100 * MiB, small: 4 * KiB, manyCount: 2000, par: 10 * MiB, parCount: 64, runs: 5, smallN: 200, directLoginN: 20, listN: 100, parRuns: 3, idleS: 30 };
if (opt.runs) cfg.runs = cfg.parRuns = Math.max(1, Number(opt.runs));
const scenarios = new Set((opt.only ?? 'download,upload,small,listing,parallel,zip').split(',').map((s) => s.trim()));
// Only a full run of this checkout is a figure of record: a short, partial (--only), profiled or
// other-build run prints only, unless --out names a file (results.md once lost a full run's table
// to a partial A/B run of an old build made minutes later).
const partial = SHORT || opt.only !== undefined || opt.gateway !== undefined || opt.profile !== undefined || opt['node-options'] !== undefined || opt['site-options'] !== undefined;
const outFile = opt.out ?? (partial ? undefined : join(here, 'results.md'));
const gatewayRoot = resolve(opt.gateway ?? repo);
const POOL = 8;

// ---- bookkeeping ------------------------------------------------------------------------------

const figures = []; // { n, what, value, ratio, target, met }
const notes = [];
const loads = [];
let wrong = 0; // transfers that failed or came back short: these fail the run

function figure(n, what, value, { ratio = '', target = '', met = null } = {}) {
  figures.push({ n, what, value, ratio, target, met });
  const mark = met === null ? '' : met ? '  [met]' : '  [MISSED]';
  console.log(`  ${what.padEnd(46)} ${value.padEnd(26)} ${ratio.padEnd(18)} ${target}${mark}`);
}

function note(text) {
  notes.push(text);
  console.log(`  note: ${text}`);
}

function section(title) {
  const l = load();
  loads.push({ title, load: l });
  console.log(`\n== ${title}   (load average ${l})`);
}

/** A failed transfer is a note; through the gateway it also fails the run (peers' failures do not). */
function check(result, what, gateway = true) {
  if (result.ok) return true;
  if (gateway) wrong++;
  note(`${gateway ? '' : '(peer/reference) '}${what} failed: ${String(result.error).replace(/\s+/g, ' ').slice(0, 300)}`);
  return false;
}

const ratio = (x, ref, label) => (Number.isFinite(x / ref) ? `${(x / ref).toFixed(2)} × ${label}` : '');
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

// ---- setup ------------------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), 'ftpgate-bench-'));
chmodSync(work, 0o755); // vsftpd's user must reach work/root
const started = [];
let gw;
let relay; // bench/lib/relay.mjs: the bare relay (Node's floor on this machine)
let rcHttp;
let rcDav;
let ftp;

async function cleanup() {
  for (const p of started.reverse()) {
    try {
      await p.stop();
    } catch (err) {
      console.error(`stopping ${p.name ?? 'a process'}: ${err.message}`);
    }
  }
  started.length = 0;
  if (!opt.keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}

process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
process.on('SIGTERM', () => void cleanup().then(() => process.exit(143)));

function machine() {
  const sh = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', timeout: 10_000 }).trim();
    } catch {
      return '(unavailable)';
    }
  };
  return {
    date: new Date().toISOString(),
    nproc: sh('nproc', []),
    cpu: cpus()[0]?.model ?? '?',
    free: sh('free', ['-h']),
    node: process.version,
    vsftpd: sh('dpkg-query', ['-W', '-f', '${Version}', 'vsftpd']),
    rclone: sh('rclone', ['version']).split('\n')[0],
    curl: sh('curl', ['--version']).split('\n')[0].split(' ').slice(0, 2).join(' '),
    kernel: sh('uname', ['-r']),
    uptime: sh('uptime', []),
    commit: sh('git', ['-C', repo, 'log', '-1', '--format=%h %s']),
    dirty: sh('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no']).split('\n').filter(Boolean).length,
    busy: sh('ps', ['-eo', 'pcpu,etime,args', '--sort=-pcpu', '--no-headers']).split('\n').slice(0, 6).map((l) => l.slice(0, 140)),
  };
}

// ---- the scenarios ----------------------------------------------------------------------------

function contendersFor(file, { dav, rclone }) {
  const list = [{ key: 'direct', label: 'curl straight from vsftpd', url: ftp.url + file }];
  list.push({ key: 'rest', label: 'gateway REST GET', url: `${gw.base}/api/v1/sites/bench/files/${file}`, gateway: true });
  if (dav) list.push({ key: 'dav', label: 'gateway WebDAV GET', url: `${gw.base}/dav/bench/${file}`, gateway: true });
  if (rclone && rcHttp) list.push({ key: 'rclone', label: 'rclone serve http', url: `${rcHttp.base}/${file}` });
  return list;
}

async function download(davOk) {
  section(`1. download of ${fmtSize(cfg.big)} (median of ${cfg.runs}, interleaved; curl -o /dev/null for all)`);
  const contenders = contendersFor('big.bin', { dav: davOk, rclone: true });
  contenders.push({ key: 'relay', label: 'bare Node relay', url: `${relay.base}/big.bin`, pid: relay.pid });
  // Warm-up: every server has a logged-in session / page cache before timing starts.
  for (const c of contenders) check(await curlGet(c.url.replace('big.bin', 'mid.bin'), cfg.mid), `warm-up ${c.key}`, !!c.gateway);
  const times = Object.fromEntries(contenders.map((c) => [c.key, []]));
  const cpu = Object.fromEntries(contenders.map((c) => [c.key, []]));
  const pre = [];
  const rss = sampleRss(gw.pid);
  for (let r = 0; r < cfg.runs; r++) {
    for (const c of rotated(contenders, r)) {
      const pid = c.pid ?? gw.pid;
      const cpu0 = cpuSeconds(pid);
      const res = await curlGet(c.url, cfg.big);
      if (check(res, `${c.key} download run ${r + 1}`, !!c.gateway)) {
        times[c.key].push(res.seconds);
        cpu[c.key].push(cpuSeconds(pid) - cpu0);
        if (c.key === 'direct') pre.push(res.pretransfer);
      }
    }
  }
  const mem = rss.stop();
  for (const c of contenders.filter((c) => c.gateway && cpu[c.key].length)) {
    const perGiB = median(cpu[c.key]) / (cfg.big / GiB);
    note(`${c.label}: the gateway process used ${perGiB.toFixed(2)} CPU-seconds per GiB (user+system, /proc/PID/stat), i.e. one core allows at most ${(1 / perGiB).toFixed(2)} GiB/s`);
  }
  const rate = (k) => cfg.big / median(times[k]);
  const direct = rate('direct');
  const spread = (k) => `${fmtRate(cfg.big / Math.max(...times[k]))}..${fmtRate(cfg.big / Math.min(...times[k]))}`;
  figure(1, 'curl straight from vsftpd (reference)', `${fmtRate(direct)} (${spread('direct')})`, { ratio: '1.00 × direct' });
  // curl's own time includes its FTP login; the gateway's pool is already logged in.
  const transferOnly = cfg.big / median(times.direct.map((t, i) => t - pre[i]));
  figure(1, 'same, transfer only (after login and PASV)', fmtRate(transferOnly), { ratio: ratio(transferOnly, direct, 'direct'), target: 'reference' });
  const peer = times.rclone?.length ? rate('rclone') : NaN;
  for (const c of contenders.slice(1)) {
    if (times[c.key].length === 0) continue;
    const x = rate(c.key);
    const vsPeer = Number.isFinite(peer) && c.gateway ? `, ${ratio(x, peer, 'rclone')}` : '';
    figure(1, c.label, `${fmtRate(x)} (${spread(c.key)})`, {
      ratio: `${ratio(x, direct, 'direct')} (${(x / transferOnly).toFixed(2)} × transfer only)${vsPeer}`,
      target: c.gateway ? '>= 0.6 × direct, >= 1.5 × rclone' : c.key === 'relay' ? 'floor (reference)' : 'peer',
      met: c.gateway ? x / direct >= 0.6 && (!Number.isFinite(peer) || x / peer >= 1.5) : null,
    });
  }
  const relayPerGiB = cpu.relay.length ? median(cpu.relay) / (cfg.big / GiB) : NaN;
  if (cpu.relay.length) figure(1, 'bare Node relay: its CPU per GiB', `${relayPerGiB.toFixed(2)} CPU-s`, { target: 'floor (reference)' });
  for (const c of contenders.filter((c) => c.gateway && cpu[c.key].length)) {
    const perGiB = median(cpu[c.key]) / (cfg.big / GiB);
    const vsRelay = Number.isFinite(relayPerGiB) ? `${(perGiB / relayPerGiB).toFixed(2)} × the relay's` : '';
    figure(1, `${c.label}: gateway CPU per GiB`, `${perGiB.toFixed(2)} CPU-s`, { ratio: vsRelay, target: '<= 0.5 CPU-s per GiB', met: perGiB <= 0.5 });
  }
  if (!davOk) note('WebDAV GET skipped: /dav/bench/ does not answer yet');
  return mem;
}

async function rssBySize() {
  // The same download at two sizes: the peak must not follow the size.
  const url = (f) => `${gw.base}/api/v1/sites/bench/files/${f}`;
  const out = {};
  for (const [f, size] of [
    ['mid.bin', cfg.mid],
    ['big.bin', cfg.big],
  ]) {
    const s = sampleRss(gw.pid);
    check(await curlGet(url(f), size), `RSS download of ${f}`);
    out[f] = s.stop();
  }
  return out;
}

async function upload(davOk) {
  section(`2. upload of ${fmtSize(cfg.upload)} (median of ${cfg.runs}, interleaved; curl -T for all)`);
  const src = join(work, 'upload.bin');
  const contenders = [
    { key: 'direct', label: 'curl -T straight to vsftpd', url: ftp.url + 'up-direct.bin' },
    { key: 'rest', label: 'gateway REST PUT', url: `${gw.base}/api/v1/sites/bench/files/up-rest.bin`, gateway: true },
  ];
  if (davOk) contenders.push({ key: 'dav', label: 'gateway WebDAV PUT', url: `${gw.base}/dav/bench/up-dav.bin`, gateway: true });
  if (rcDav) contenders.push({ key: 'rclone', label: 'rclone serve webdav PUT', url: `${rcDav.base}/up-rclone.bin` });
  contenders.push({ key: 'relay', label: 'bare Node relay PUT', url: `${relay.base}/up-relay.bin`, pid: relay.pid });
  contenders.push({ key: 'relaysafe', label: 'bare relay PUT, temporary name + rename', url: `${relay.base}/up-relaysafe.bin?safe`, pid: relay.pid });
  const times = Object.fromEntries(contenders.map((c) => [c.key, []]));
  const cpu = Object.fromEntries(contenders.map((c) => [c.key, []]));
  const faults = Object.fromEntries(contenders.map((c) => [c.key, []]));
  for (let r = 0; r < cfg.runs; r++) {
    for (const c of rotated(contenders, r)) {
      const pid = c.pid ?? gw.pid;
      const cpu0 = cpuSeconds(pid);
      const faults0 = minorFaults(pid);
      const res = await curlPut(src, c.url, cfg.upload);
      if (check(res, `${c.key} upload run ${r + 1}`, !!c.gateway)) {
        times[c.key].push(res.seconds);
        cpu[c.key].push(cpuSeconds(pid) - cpu0);
        faults[c.key].push(minorFaults(pid) - faults0);
      }
    }
  }
  // Upload CPU follows the minor page faults of Node's HTTP parser copying each body chunk into
  // fresh malloc'd memory (bench/results.md, fifth session): print both, and the cost of a fault.
  const cost = faultCost();
  note(`one minor page fault cost this bench process ${cost.cpuUsPerFault.toFixed(1)} µs of CPU (${cost.faults} fresh pages touched)`);
  for (const c of contenders.filter((c) => (c.gateway || c.pid) && cpu[c.key].length)) {
    const perGiB = median(cpu[c.key]) / (cfg.upload / GiB);
    const perRun = faults[c.key].map((f) => Math.round(f / (cfg.upload / MiB))).join(', ');
    note(`${c.label}: ${c.gateway ? 'the gateway' : 'the relay'} process used ${perGiB.toFixed(2)} CPU-seconds per GiB uploaded; minor faults per MiB in each run: ${perRun}`);
  }
  const rate = (k) => cfg.upload / median(times[k]);
  const direct = rate('direct');
  figure(2, 'curl -T straight to vsftpd (reference)', fmtRate(direct), { ratio: '1.00 × direct' });
  const peer = times.rclone?.length ? rate('rclone') : NaN;
  for (const c of contenders.slice(1)) {
    if (times[c.key].length === 0) continue;
    const x = rate(c.key);
    const vsPeer = Number.isFinite(peer) && c.gateway ? `, ${ratio(x, peer, 'rclone')}` : '';
    figure(2, c.label, fmtRate(x), {
      ratio: `${ratio(x, direct, 'direct')}${vsPeer}`,
      target: c.gateway ? '>= 0.9 × direct, >= 1.0 × rclone webdav' : c.key.startsWith('relay') ? 'floor (reference)' : 'peer',
      met: c.gateway ? x / direct >= 0.9 && (!Number.isFinite(peer) || x >= peer) : null,
    });
  }
  // Every upload arrived whole.
  for (const name of ['up-direct.bin', 'up-rest.bin', 'up-relay.bin', 'up-relaysafe.bin', ...(davOk ? ['up-dav.bin'] : []), ...(rcDav ? ['up-rclone.bin'] : [])]) {
    const size = existsSync(join(ftp.root, name)) ? readFileSync(join(ftp.root, name)).length : -1;
    if (size !== cfg.upload) check({ ok: false, error: `${name} is ${size} bytes on the server, not ${cfg.upload}` }, `upload ${name}`, /rest|dav/.test(name));
  }
}

async function latencySeries(contenders, n, { method = 'GET', headers, body, expectBytes, warm = 10 } = {}) {
  const clients = Object.fromEntries(contenders.map((c) => [c.key, keepAliveClient()]));
  const ms = Object.fromEntries(contenders.map((c) => [c.key, []]));
  try {
    for (const c of contenders) {
      for (let i = 0; i < warm; i++) {
        const res = await clients[c.key].request(c.url(i), { method: c.method ?? method, headers: c.headers ?? headers, body: c.body ?? body });
        if (res.status >= 300) throw new Error(`${c.key}: ${method} ${c.url(i)} answered ${res.status}`);
      }
    }
    for (let i = 0; i < n; i++) {
      for (const c of rotated(contenders, i)) {
        const res = await clients[c.key].request(c.url(i), { method: c.method ?? method, headers: c.headers ?? headers, body: c.body ?? body });
        const good = res.status < 300 && (expectBytes === undefined || res.bytes === expectBytes);
        if (check({ ok: good, error: `status ${res.status}, ${res.bytes} bytes` }, `${c.key} request ${i + 1}`, !!c.gateway)) ms[c.key].push(res.ms);
      }
    }
  } finally {
    for (const c of Object.values(clients)) c.close();
  }
  return ms;
}

async function small(davOk) {
  section(`3. small-file GET (${fmtSize(cfg.small)}), warm pool, one keep-alive connection, ${cfg.smallN} requests each, interleaved`);
  const f = (i) => `small/s${String(i % 20).padStart(2, '0')}.txt`;
  const contenders = [{ key: 'rest', label: 'gateway REST GET', url: (i) => `${gw.base}/api/v1/sites/bench/files/${f(i)}`, gateway: true }];
  if (davOk) contenders.push({ key: 'dav', label: 'gateway WebDAV GET', url: (i) => `${gw.base}/dav/bench/${f(i)}`, gateway: true });
  if (rcHttp) contenders.push({ key: 'rclone', label: 'rclone serve http', url: (i) => `${rcHttp.base}/${f(i)}` });
  // The floor of a Node relay: SIZE, PASV and RETR per request on one logged-in session.
  contenders.push({ key: 'relay', label: 'bare Node relay GET', url: (i) => `${relay.base}/${f(i)}` });
  const ms = await latencySeries(contenders, cfg.smallN, { expectBytes: cfg.small, warm: 20 });
  // curl straight to the FTP server, a new process and login each time.
  const login = [];
  for (let i = 0; i < cfg.directLoginN; i++) {
    const res = await curlGet(ftp.url + f(i), cfg.small);
    if (check(res, `direct small GET ${i + 1}`, false)) login.push(res.seconds * 1000);
  }
  // The same 20 files in one curl: one FTP login, then PASV+RETR per file (the floor under any gateway).
  const seq = await curlSequence(Array.from({ length: 20 }, (_, i) => ftp.url + f(i)));
  const reuse = seq.results.slice(1).map((r) => r.seconds * 1000);
  const rest = median(ms.rest);
  const peerSmall = ms.rclone ? median(ms.rclone) : NaN;
  for (const c of contenders) {
    const m = median(ms[c.key]);
    const vsRest = c.key === 'dav' ? `, ${(m / rest).toFixed(2)} × REST` : '';
    figure(3, `${c.label}: median (p90)`, `${fmtMs(m)} (${fmtMs(percentile(ms[c.key], 90))})`, {
      ratio: Number.isFinite(peerSmall) && c.key !== 'rclone' ? `${(m / peerSmall).toFixed(2)} × rclone's time${vsRest}` : '',
      target: c.key === 'rest' ? "<= rclone's median" : c.key === 'dav' ? '<= 1.2 × REST' : c.key === 'relay' ? 'floor (reference)' : 'peer',
      met: c.key === 'rest' ? !Number.isFinite(peerSmall) || m <= peerSmall : c.key === 'dav' ? m <= 1.2 * rest : null,
    });
  }
  figure(3, 'curl straight to vsftpd, login each time: median', `${fmtMs(median(login))} (n=${login.length})`, { target: 'reference' });
  if (reuse.length) figure(3, 'curl to vsftpd, one session, per file: median', `${fmtMs(median(reuse))} (n=${reuse.length})`, { target: 'reference (FTP floor)' });
}

const PROPFIND_BODY = '<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><allprop/></propfind>';

async function listing(davOk) {
  section(`4. warm listing of a ${cfg.manyCount}-file folder, one keep-alive connection, ${cfg.listN} requests each, interleaved`);
  const propfind = { method: 'PROPFIND', headers: { depth: '1', 'content-type': 'application/xml' }, body: PROPFIND_BODY };
  const contenders = [{ key: 'json', label: 'gateway REST list (JSON)', url: () => `${gw.base}/api/v1/sites/bench/list/many`, gateway: true }];
  if (davOk) contenders.push({ key: 'propfind', label: 'gateway PROPFIND Depth 1', url: () => `${gw.base}/dav/bench/many/`, gateway: true, ...propfind });
  if (rcHttp) contenders.push({ key: 'rclone-http', label: 'rclone serve http (HTML index)', url: () => `${rcHttp.base}/many/` });
  if (rcDav) contenders.push({ key: 'rclone-dav', label: 'rclone serve webdav PROPFIND Depth 1', url: () => `${rcDav.base}/many/`, ...propfind });
  // Each answer is complete before anything is timed.
  const c0 = keepAliveClient();
  try {
    const json = JSON.parse((await c0.request(contenders[0].url(), { text: true })).text);
    if (json.entries?.length !== cfg.manyCount) check({ ok: false, error: `${json.entries?.length} entries` }, 'JSON listing');
    for (const c of contenders.filter((c) => c.method === 'PROPFIND')) {
      const res = await c0.request(c.url(), { ...propfind, text: true });
      const n = (res.text.match(/<(?:[A-Za-z0-9]+:)?response[\s>]/g) ?? []).length;
      if (res.status !== 207 || n !== cfg.manyCount + 1) check({ ok: false, error: `status ${res.status}, ${n} responses` }, `${c.key} PROPFIND`, !!c.gateway);
    }
  } finally {
    c0.close();
  }
  const ms = await latencySeries(contenders, cfg.listN, { warm: 3 });
  for (const c of contenders) {
    const m = median(ms[c.key]);
    const peer = median(ms[c.key === 'json' ? 'rclone-http' : 'rclone-dav'] ?? []);
    figure(4, `${c.label}: median (p90)`, `${fmtMs(m)} (${fmtMs(percentile(ms[c.key], 90))})`, {
      ratio: c.gateway && Number.isFinite(peer) ? `${(m / peer).toFixed(2)} × rclone's time` : '',
      target: c.key === 'json' ? "<= 0.2 × rclone's time" : c.key === 'propfind' ? "<= 0.3 × rclone's time" : 'peer',
      met: c.gateway ? (Number.isFinite(peer) ? m / peer <= (c.key === 'json' ? 0.2 : 0.3) : null) : null,
    });
  }
  // The same listing with the gateway's listing cache off: one LIST per request.
  const cold = await latencySeries([{ key: 'nocache', url: () => `${gw.base}/api/v1/sites/nocache/list/many` }], Math.max(5, Math.round(cfg.listN / 5)), { warm: 2 });
  figure(4, 'gateway REST list, listing cache off: median', fmtMs(median(cold.nocache)), { target: 'reference (LIST each time)' });
}

async function parallel(davOk) {
  section(`5. parallel downloads of ${fmtSize(cfg.par)} files, pool ${POOL} (curl --parallel, median of ${cfg.parRuns})`);
  // The bare relay with as many FTP sessions as the gateway's pool: the floor of Node and the
  // kernel for the same parallel GETs (requests beyond its sessions wait for one, first come first served).
  const parRelay = await startRelay(ftp, POOL);
  started.push(parRelay);
  const mem = {};
  for (const n of [16, 64]) {
    const s = sampleRss(gw.pid);
    const urls = (base) => Array.from({ length: n }, (_, i) => `${base}par/p${String(i % cfg.parCount).padStart(2, '0')}.bin`);
    const contenders = [
      { key: 'rest', label: `gateway REST, ${n} parallel`, urls: urls(`${gw.base}/api/v1/sites/bench/files/`), gateway: true, pid: gw.pid },
      ...(davOk ? [{ key: 'dav', label: `gateway WebDAV, ${n} parallel`, urls: urls(`${gw.base}/dav/bench/`), gateway: true, pid: gw.pid }] : []),
      ...(rcHttp ? [{ key: 'rclone', label: `rclone serve http, ${n} parallel`, urls: urls(`${rcHttp.base}/`), pid: rcHttp.pid }] : []),
      { key: 'relay', label: `bare Node relay (${POOL} sessions), ${n} parallel`, urls: urls(`${parRelay.base}/`), pid: parRelay.pid },
      { key: 'direct', label: `curl straight from vsftpd, ${n} parallel`, urls: urls(ftp.url) },
    ];
    // Warm-up, untimed: n small files at once, so that every server has its sessions logged in.
    for (const c of contenders) {
      const warm = c.urls.map((u, i) => u.replace(/par\/p\d+\.bin$/, `small/s${String(i % 20).padStart(2, '0')}.txt`));
      check(await curlParallel(warm, cfg.small), `${c.key} ${n} parallel warm-up`, !!c.gateway);
    }
    const rates = Object.fromEntries(contenders.map((c) => [c.key, []]));
    const cpu = Object.fromEntries(contenders.map((c) => [c.key, []])); // CPU-seconds per GiB of each round, the server process's own
    const errs = Object.fromEntries(contenders.map((c) => [c.key, 0]));
    for (let r = 0; r < cfg.parRuns; r++) {
      for (const c of rotated(contenders, r)) {
        const cpu0 = c.pid ? cpuSeconds(c.pid) : 0;
        const res = await curlParallel(c.urls, cfg.par);
        errs[c.key] += res.errors;
        if (check(res, `${c.key} ${n} parallel run ${r + 1} (${res.good}/${n} complete, ${res.answered} answered)`, !!c.gateway)) {
          rates[c.key].push(res.bytes / res.seconds);
          if (c.pid) cpu[c.key].push((cpuSeconds(c.pid) - cpu0) / (res.bytes / GiB));
        }
      }
    }
    const peer = rcHttp ? median(rates.rclone) : NaN;
    for (const c of contenders) {
      const x = median(rates[c.key]);
      const total = n * cfg.parRuns;
      const perGiB = cpu[c.key].length ? `, ${median(cpu[c.key]).toFixed(2)} CPU-s/GiB` : '';
      figure(5, c.label, `${fmtRate(x)}, ${errs[c.key]} errors of ${total}${perGiB}`, {
        ratio: c.key !== 'rclone' && Number.isFinite(peer) ? ratio(x, peer, 'rclone') : '',
        target: c.gateway ? (Number.isFinite(peer) ? '>= rclone, 0 errors' : '0 errors') : c.key === 'rclone' ? 'peer' : c.key === 'relay' ? 'floor (reference)' : 'reference',
        met: c.gateway ? errs[c.key] === 0 && (!Number.isFinite(peer) || x >= peer) : null,
      });
    }
    mem[n] = s.stop();
  }
  return mem;
}

async function zipRow() {
  section(`7. folder zip of one ${fmtSize(cfg.big)} stored file against the plain GET of the same file (median of ${cfg.runs}, interleaved)`);
  const contenders = [
    { key: 'get', label: 'gateway REST GET of zipme/big.mp4', url: `${gw.base}/api/v1/sites/bench/files/zipme/big.mp4`, size: cfg.big },
    { key: 'zip', label: 'gateway zip of zipme/ (stored)', url: `${gw.base}/api/v1/sites/bench/zip/zipme`, size: -1 },
  ];
  const times = { get: [], zip: [] };
  const cpu = { get: [], zip: [] };
  for (let r = 0; r < cfg.runs; r++) {
    for (const c of rotated(contenders, r)) {
      const cpu0 = cpuSeconds(gw.pid);
      const res = await curlGet(c.url, c.size);
      // A zip's size is the file plus its headers: it must hold the whole file.
      const ok = c.key === 'zip' ? res.status === 200 && res.down > cfg.big && res.down < cfg.big + 64 * KiB : res.ok;
      if (check({ ok, error: res.error ?? `status ${res.status}, ${res.down} bytes` }, `${c.key} run ${r + 1}`)) {
        times[c.key].push(res.seconds);
        cpu[c.key].push(cpuSeconds(gw.pid) - cpu0);
      }
    }
  }
  if (!times.get.length || !times.zip.length) return;
  const get = cfg.big / median(times.get);
  const zip = cfg.big / median(times.zip);
  const per = (k) => (median(cpu[k]) / (cfg.big / GiB)).toFixed(2);
  figure(7, contenders[0].label, `${fmtRate(get)}, ${per('get')} CPU-s/GiB`, { target: 'reference' });
  figure(7, contenders[1].label, `${fmtRate(zip)}, ${per('zip')} CPU-s/GiB`, { ratio: ratio(zip, get, 'GET'), target: '>= 0.8 × GET', met: zip / get >= 0.8 });
}

// ---- main -------------------------------------------------------------------------------------

async function main() {
  const m = machine();
  console.log(`ftpgate benchmark${SHORT ? ' (short mode)' : ''}: ${m.date}, ${m.nproc} cores (${m.cpu}), node ${m.node}`);
  console.log(`uptime: ${m.uptime}`);
  console.log(`gateway under test: ${gatewayRoot}/dist/cli.js, work dir ${work}`);

  ftp = await startVsftpd(repo, work);
  started.push({ name: 'vsftpd', stop: ftp.stop });
  const data = createData(ftp.root, work, cfg, undefined);
  // The zip row: a folder with one already-compressed (stored) file, the same bytes as big.bin.
  mkdirSync(join(ftp.root, 'zipme'));
  linkSync(join(ftp.root, 'big.bin'), join(ftp.root, 'zipme', 'big.mp4'));
  console.log(`vsftpd on ${ftp.host}:${ftp.port}; data written in ${data.ms} ms`);

  if (opt.profile) mkdirSync(resolve(opt.profile), { recursive: true });
  gw = await startGateway(gatewayRoot, ftp, { poolSize: POOL, cpuProfDir: opt.profile ? resolve(opt.profile) : undefined, nodeOptions: opt['node-options'], siteOptions: opt['site-options'], dataDir: join(work, 'gateway-state') });
  started.push(gw);
  // Idle memory: REST, browser page, WebDAV, shares, tus uploads, metrics and OpenAPI are all
  // registered by every gateway; what a configuration does not use should not be loaded.
  // Two figures: 1 s after listening (the row of record since issue 7), and after cfg.idleS s
  // without a request: V8's memory reducer runs a compacting GC some 10-30 s after start-up
  // quiets down (8 MB less on 2026-12-07), and that settled figure is what a gateway waiting
  // for its first user holds. The settled one is the RSS at that moment, not the lowest sample.
  await sleep(1000);
  const idleRss = rssNow(gw.pid);
  const idleT0 = Date.now() - 1000;
  console.log(`gateway pid ${gw.pid} on ${gw.base} (RSS at start ${mb(idleRss)})`);
  relay = await startRelay(ftp);
  started.push(relay);
  if (rcloneInstalled()) {
    rcHttp = await startRclone('http', ftp);
    started.push(rcHttp);
    rcDav = await startRclone('webdav', ftp);
    started.push(rcDav);
    console.log(`rclone serve http on ${rcHttp.base}, webdav on ${rcDav.base}`);
  } else note('rclone is not installed: no peer figures');

  await sleep(idleT0 + cfg.idleS * 1000 - Date.now()); // the relay and rclone start meanwhile; no request reaches the gateway
  const settledRss = rssNow(gw.pid);
  // The floor for the idle rows: Node itself with one FTP session and no framework, no request yet.
  const relayIdleRss = rssNow(relay.pid);
  console.log(`gateway RSS after ${cfg.idleS} s idle: ${mb(settledRss)}; bare relay: ${mb(relayIdleRss)}`);

  // Does the WebDAV front answer yet?
  const probe = await fetch(`${gw.base}/dav/bench/mid.bin`, { method: 'HEAD' }).catch(() => undefined);
  const davOk = probe?.status === 200;
  if (!davOk) note(`WebDAV front not measured: HEAD /dav/bench/mid.bin answered ${probe?.status ?? 'nothing'}`);

  const mem = {};
  if (scenarios.has('download')) {
    mem.download = await download(davOk);
    mem.bySize = await rssBySize();
  }
  if (scenarios.has('upload')) await upload(davOk);
  if (scenarios.has('small')) await small(davOk);
  if (scenarios.has('listing')) await listing(davOk);
  if (scenarios.has('parallel')) mem.parallel = await parallel(davOk);
  if (scenarios.has('zip')) await zipRow();

  {
    section('6. RSS of the gateway (VmHWM reset before each part, VmRSS sampled every 10 ms)');
    const LIMIT = 100e6;
    figure(6, 'idle, every front registered, before any request', mb(idleRss), { target: '<= 70 MB', met: idleRss <= 70e6 });
    figure(6, `same, after ${cfg.idleS} s without a request`, mb(settledRss), { target: '<= 70 MB', met: settledRss <= 70e6 });
    figure(6, 'the bare relay, idle (Node with one FTP session, no framework)', mb(relayIdleRss), { ratio: `${(settledRss / relayIdleRss).toFixed(2)} × the relay (gateway after ${cfg.idleS} s)`, target: 'floor (reference)' });
    if (mem.download) figure(6, `during 1 (all ${fmtSize(cfg.big)} downloads)`, mb(mem.download.peak), { target: '<= 100 MB', met: mem.download.peak <= LIMIT });
    if (mem.bySize) {
      const a = mem.bySize['mid.bin'].peak;
      const b = mem.bySize['big.bin'].peak;
      figure(6, `one REST download of ${fmtSize(cfg.mid)}`, mb(a), { target: '<= 100 MB', met: a <= LIMIT });
      // Two verdicts: the limit, and growth with file size (a copy of the file in memory would
      // show as growth; a high fixed peak would not).
      figure(6, `one REST download of ${fmtSize(cfg.big)}`, mb(b), { target: '<= 100 MB', met: b <= LIMIT });
      figure(6, `growth from ${fmtSize(cfg.mid)} to ${fmtSize(cfg.big)}`, `${mb(b - a)}`, {
        ratio: `${(b / a).toFixed(2)} × the ${fmtSize(cfg.mid)} peak`,
        target: 'no growth with size (< +10%)',
        met: b <= a * 1.1,
      });
    }
    if (mem.parallel) {
      figure(6, 'during 5, 16 parallel downloads', mb(mem.parallel[16].peak), { target: 'reference' });
      figure(6, 'during 5, 64 parallel downloads', mb(mem.parallel[64].peak), { target: '<= 150 MB', met: mem.parallel[64].peak <= 150e6 });
    }
  }

  const warnings = gw.log.split('\n').filter((l) => /"level":(40|50|60)/.test(l));
  if (warnings.length) note(`the gateway logged ${warnings.length} warnings/errors, e.g. ${warnings[0].slice(0, 300)}`);

  const endLoad = load();
  await cleanup();

  if (opt.profile) {
    const files = readdirSync(resolve(opt.profile)).filter((f) => f.endsWith('.cpuprofile'));
    const newest = files.sort().pop();
    if (newest) {
      console.log(`\n== CPU profile of the gateway: ${join(resolve(opt.profile), newest)}`);
      printSummary(summarize(JSON.parse(readFileSync(join(resolve(opt.profile), newest), 'utf8')), 25));
    } else console.log('no .cpuprofile was written');
  }

  const missed = figures.filter((f) => f.met === false);
  const background = loads.some((l) => Number(l.load.split(' ')[0]) > 0.5);
  console.log(`\n${figures.filter((f) => f.met === true).length} targets met, ${missed.length} missed; ${wrong} wrong transfers${background ? '; taken with background load (see load averages)' : ''}`);
  if (outFile) {
    writeResults(outFile, m, { background, endLoad, davOk });
    console.log(`wrote ${outFile}`);
  }
  return wrong > 0 || (opt.strict && missed.length > 0) ? 1 : 0;
}

function writeResults(file, m, { background, endLoad, davOk }) {
  const lines = [];
  const esc = (s) => String(s).replace(/\|/g, '\\|');
  lines.push('<!-- bench:begin (written by bench/run.mjs; edit below bench:end) -->');
  lines.push(`## Figures${SHORT ? ' (short mode)' : ''}`, '');
  lines.push(`Taken ${m.date} on ${m.nproc} cores (${m.cpu}), Linux ${m.kernel}, node ${m.node}, vsftpd ${m.vsftpd}, ${m.rclone}, ${m.curl}.`, '');
  lines.push(`Gateway measured: ${gatewayRoot === repo ? 'this checkout' : gatewayRoot}, built from ${m.commit}${m.dirty ? ` plus ${m.dirty} files changed and not yet committed` : ''}.`, '');
  lines.push('```', `$ nproc\n${m.nproc}`, `$ free -h\n${m.free}`, `$ uptime\n${m.uptime}`, '```', '');
  lines.push(
    background
      ? '**Taken with background load**: other engineers\' test runs shared this 2-core machine (load averages below). Ratios compare commands run interleaved under the same load; absolute figures are lower than on an idle machine.'
      : 'The machine was idle apart from the benchmark (load average below 0.5 at every step).',
    '',
  );
  lines.push('Load average (1, 5, 15 min) at the start of each part:', '');
  for (const l of loads) lines.push(`- ${l.title}: ${l.load}`);
  lines.push(`- end: ${endLoad}`, '');
  lines.push('Busiest processes when the run began (`ps -eo pcpu,etime,args --sort=-pcpu`):', '', '```', ...m.busy, '```', '');
  lines.push('Commands: `npm run bench` (this file), `BENCH_SHORT=1 npm run bench` (CI; prints only). Each figure: see "How" below.', '');
  lines.push('| # | what | figure | ratio | target | |', '|---|---|---|---|---|---|');
  for (const f of figures) lines.push(`| ${f.n} | ${esc(f.what)} | ${esc(f.value)} | ${esc(f.ratio)} | ${esc(f.target)} | ${f.met === null ? '' : f.met ? 'met' : '**missed**'} |`);
  lines.push('');
  if (notes.length) lines.push('Notes from the run:', '', ...notes.map((n) => `- ${n}`), '');
  lines.push('How:', '');
  lines.push(`- Data: big.bin ${fmtSize(cfg.big)}, mid.bin ${fmtSize(cfg.mid)}, upload source ${fmtSize(cfg.upload)}, 20 small files of ${fmtSize(cfg.small)}, many/ with ${cfg.manyCount} files, par/ with ${cfg.parCount} files of ${fmtSize(cfg.par)}; random bytes, written into vsftpd's root (page cache warm).`);
  lines.push(`- Servers: vsftpd (test/servers/vsftpd.sh) on 127.0.0.1; gateway \`node dist/cli.js --site bench=ftp://…/?poolSize=${POOL} --site nocache=ftp://…/?poolSize=2&listingCacheTtl=0 --listen 127.0.0.1:P --log-level warn\`; \`rclone serve http|webdav :ftp: --ftp-host 127.0.0.1 --ftp-port P --ftp-user U --ftp-pass OBSCURED --addr 127.0.0.1:P\` (defaults otherwise).`);
  lines.push(`- 1: \`curl -sS -o /dev/null -w … URL\` for every contender (ftp://…/big.bin, /api/v1/sites/bench/files/big.bin, /dav/bench/big.bin, rclone /big.bin, the bare relay /big.bin), ${cfg.runs} rounds, order rotated each round, median of curl's time_total (direct includes its FTP login). The bare relay (bench/lib/relay.mjs) is Node with no framework relaying one logged-in FTP session to HTTP the way the gateway's data path does (onread into reused 256 KiB buffers, written straight to the response): the floor of Node and the kernel on this machine; CPU from its own /proc/PID/stat.`);
  lines.push(`- 2: \`curl -sS -T upload.bin URL\` (FTP STOR, REST PUT, WebDAV PUT, rclone webdav PUT, the bare relay's PUT: the request piped into the STOR data socket, and the same to a temporary name renamed over the target with RNFR/RNTO, as the gateway replaces a file), ${cfg.runs} rounds rotated, median; every uploaded file checked for size afterwards.`);
  lines.push(`- 3: node http.Agent keepAlive (one connection per contender), 20 warm-up requests, then ${cfg.smallN} GETs each, interleaved; curl straight to vsftpd: ${cfg.directLoginN} separate curl processes (login each time), and one curl with 20 URLs (one session); the bare relay (bench/lib/relay.mjs) answers each GET with SIZE, PASV and RETR on its one logged-in session.`);
  lines.push(`- 4: same client, GET /api/v1/sites/bench/list/many and PROPFIND Depth: 1 (allprop) /dav/bench/many/, ${cfg.listN} each, interleaved with rclone's; listing cache TTL is the default 3 s, so some requests pay a LIST.`);
  lines.push(`- 5: \`curl -Z --parallel-max N --parallel-immediate\` with N URLs, wall time around curl, ${cfg.parRuns} round(s) rotated; every transfer checked for status 2xx and exact size. The bare relay runs here with ${POOL} FTP sessions (the gateway's pool size). CPU-s/GiB: the server process's own user+system time (/proc/PID/stat) per GiB delivered, median of the rounds.`);
  lines.push('- 6: /proc/PID/status of the gateway: VmHWM reset through /proc/PID/clear_refs before each part, VmRSS sampled every 10 ms; idle: VmRSS 1 s after the gateway listens, before any request, and again after 30 s (5 s in short mode) with no request (by then V8\'s memory reducer has usually run); the bare relay\'s VmRSS at that second moment, idle since its start, as the floor.');
  lines.push(`- 7: zipme/big.mp4 is a hard link to big.bin (${fmtSize(cfg.big)}); GET /api/v1/sites/bench/files/zipme/big.mp4 and GET /api/v1/sites/bench/zip/zipme (one stored entry), ${cfg.runs} rounds rotated, median; CPU from /proc/PID/stat.`);
  if (!davOk) lines.push('- WebDAV figures are absent: the /dav front did not answer in this build.');
  lines.push('<!-- bench:end -->');
  const block = lines.join('\n');
  let text;
  if (existsSync(file)) {
    const old = readFileSync(file, 'utf8');
    const a = old.indexOf('<!-- bench:begin');
    const b = old.indexOf('<!-- bench:end -->');
    text = a >= 0 && b > a ? old.slice(0, a) + block + old.slice(b + '<!-- bench:end -->'.length) : `${old.trimEnd()}\n\n${block}\n`;
  } else {
    text = `# ftpgate benchmark results\n\nIssue 7: \`npm run bench\` (bench/run.mjs).\n\n${block}\n\n## Analysis\n\n(profiling notes for each missed target go here)\n`;
  }
  writeFileSync(file, text);
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    console.error(`bench: ${err.stack ?? err}`);
    await cleanup();
    process.exit(1);
  },
);
