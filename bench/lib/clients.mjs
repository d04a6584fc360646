// The clients the benchmark drives: curl (the same C client for every server in the throughput
// figures) and an in-process keep-alive HTTP client for the latency figures.
import http from 'node:http';
import { run } from './util.mjs';

const CURL_OUT = '%{response_code} %{size_download} %{size_upload} %{time_total} %{time_pretransfer} %{time_starttransfer}\\n';

function parseCurl(line) {
  const [code, down, up, total, pre, start] = line.trim().split(/\s+/).map(Number);
  return { status: code, down, up, seconds: total, pretransfer: pre, starttransfer: start };
}

/** One download to /dev/null. ok = curl succeeded, status 2xx and exactly `expect` bytes. */
export async function curlGet(url, expect, { timeoutMs = 120_000 } = {}) {
  const res = await run('curl', ['-sS', '--noproxy', '*', '-o', '/dev/null', '-w', CURL_OUT, url], { timeoutMs });
  const r = parseCurl(res.stdout);
  const ok = res.code === 0 && r.status >= 200 && r.status < 300 && r.down === expect;
  return { ...r, ok, error: ok ? undefined : `curl exit ${res.code}, status ${r.status}, ${r.down} bytes: ${res.stderr.trim()}` };
}

/** One upload (HTTP PUT, or FTP STOR for ftp:// URLs). */
export async function curlPut(file, url, expect, { timeoutMs = 120_000 } = {}) {
  const res = await run('curl', ['-sS', '--noproxy', '*', '-T', file, '-o', '/dev/null', '-w', CURL_OUT, url], { timeoutMs });
  const r = parseCurl(res.stdout);
  const ok = res.code === 0 && r.status >= 200 && r.status < 300 && r.up === expect;
  return { ...r, ok, error: ok ? undefined : `curl exit ${res.code}, status ${r.status}, ${r.up} bytes sent: ${res.stderr.trim()}` };
}

/**
 * Several URLs in one curl (one connection reused where the protocol allows: an FTP session
 * stays logged in between transfers). Returns one result per URL.
 */
export async function curlSequence(urls, { timeoutMs = 120_000 } = {}) {
  const args = ['-sS', '--noproxy', '*', '-w', CURL_OUT];
  for (const u of urls) args.push('-o', '/dev/null', u);
  const res = await run('curl', args, { timeoutMs });
  return { code: res.code, stderr: res.stderr, results: res.stdout.trim().split('\n').filter(Boolean).map(parseCurl) };
}

/** `urls` all at once (curl --parallel, a new connection each); wall time measured around it. */
export async function curlParallel(urls, expect, { timeoutMs = 300_000 } = {}) {
  const args = ['-sS', '--no-progress-meter', '--noproxy', '*', '-Z', '--parallel-max', String(urls.length), '--parallel-immediate', '-w', CURL_OUT];
  for (const u of urls) args.push('-o', '/dev/null', u);
  const res = await run('curl', args, { timeoutMs });
  const results = res.stdout.trim().split('\n').filter(Boolean).map(parseCurl);
  const good = results.filter((r) => r.status >= 200 && r.status < 300 && r.down === expect).length;
  const bytes = results.reduce((a, r) => a + (r.down || 0), 0);
  return {
    seconds: res.ms / 1000,
    bytes,
    answered: results.length,
    good,
    errors: urls.length - good,
    ok: res.code === 0 && good === urls.length,
    error: res.code === 0 && good === urls.length ? undefined : `curl exit ${res.code}: ${res.stderr.trim().slice(0, 300)}`,
  };
}

/** An HTTP/1.1 keep-alive client with one connection, so every request after the first reuses it. */
export function keepAliveClient() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  /** Resolves with status, body bytes, time to the end of the body (ms) and the text if asked. */
  function request(url, { method = 'GET', headers = {}, body, text = false, timeoutMs = 30_000 } = {}) {
    return new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const req = http.request(url, { method, agent, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers }, (res) => {
        let bytes = 0;
        const parts = [];
        res.on('data', (c) => {
          bytes += c.length;
          if (text) parts.push(c);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            bytes,
            ms: Number(process.hrtime.bigint() - t0) / 1e6,
            text: text ? Buffer.concat(parts).toString('utf8') : undefined,
            reused: req.reusedSocket,
          }),
        );
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
  return { request, close: () => agent.destroy() };
}
