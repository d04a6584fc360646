// A bare tus 1.0 client for the tests (create, HEAD, PATCH), and a PATCH whose connection is
// cut after a given number of bytes, the way a dropped network cuts it.
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';

export const TUS = { 'Tus-Resumable': '1.0.0' } as const;

function metadata(entries: Record<string, string>): string {
  return Object.entries(entries)
    .map(([k, v]) => `${k} ${Buffer.from(v, 'utf8').toString('base64')}`)
    .join(',');
}

export interface Created {
  status: number;
  /** Absolute upload URL (the gateway answers with a path). */
  url: string;
  body: string;
  headers: Headers;
}

export async function create(
  base: string,
  site: string,
  folder: string,
  length: number,
  meta: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Created> {
  const tail = folder.split('/').filter(Boolean).map(encodeURIComponent).join('/');
  const res = await fetch(`${base}/api/v1/sites/${site}/uploads/${tail}`, {
    method: 'POST',
    headers: { ...TUS, 'Upload-Length': String(length), 'Upload-Metadata': metadata(meta), ...headers },
  });
  const location = res.headers.get('location');
  return { status: res.status, url: location ? new URL(location, base).toString() : '', body: await res.text(), headers: res.headers };
}

export async function head(url: string, headers: Record<string, string> = {}): Promise<{ status: number; offset: number; length: number; headers: Headers }> {
  const res = await fetch(url, { method: 'HEAD', headers: { ...TUS, ...headers } });
  return {
    status: res.status,
    offset: Number(res.headers.get('upload-offset') ?? NaN),
    length: Number(res.headers.get('upload-length') ?? NaN),
    headers: res.headers,
  };
}

export async function patch(url: string, offset: number, body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<{ status: number; offset: number; body: string }> {
  const res = await fetch(url, {
    method: 'PATCH',
    headers: { ...TUS, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', ...headers },
    body: body,
  });
  return { status: res.status, offset: Number(res.headers.get('upload-offset') ?? NaN), body: await res.text() };
}

/**
 * PATCH `data` (announced whole in Content-Length) and destroy the socket once `killAfter`
 * bytes are written: the gateway sees the client vanish mid-body. Resolves with the bytes
 * written, or with the response if the gateway answered first.
 */
export function patchAndKill(url: string, offset: number, data: Uint8Array, killAfter: number): Promise<{ written: number; status?: number }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: u.hostname,
      port: u.port,
      method: 'PATCH',
      path: u.pathname,
      headers: {
        ...TUS,
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(data.length),
      },
    });
    let written = 0;
    let settled = false;
    const done = (result: { written: number; status?: number }) => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    req.on('response', (res) => {
      res.resume();
      done({ written, status: res.statusCode });
    });
    req.on('error', (err) => {
      if (settled) return;
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || err.message.includes('socket hang up')) done({ written });
      else reject(err);
    });
    const step = 256 * 1024;
    const pump = () => {
      while (written < killAfter && written < data.length) {
        const piece = data.subarray(written, Math.min(written + step, killAfter, data.length));
        written += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      // Let what was written leave this process, then cut the connection as a network would.
      setTimeout(() => {
        req.destroy();
        done({ written });
      }, 100);
    };
    pump();
  });
}

/** The resumable upload temporary files in a folder of the FTP server's disk. */
export async function tusFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.startsWith('.ftpgate-tus-')).sort();
}

export interface CuttingProxy {
  base: string;
  /** Connections cut so far. */
  cuts: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a gateway that cuts the connection carrying the client's byte number
 * `at` (counted over all connections), once for each entry of `cuts`: a network failure in the
 * middle of a request body, for clients whose sockets the test cannot reach.
 */
export async function cuttingProxy(port: number, cuts: number[]): Promise<CuttingProxy> {
  const pending = [...cuts].sort((a, b) => a - b);
  let seen = 0;
  const sockets = new Set<Socket>();
  const state = { cuts: 0 };
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (pending.length > 0 && seen >= pending[0]!) {
        pending.shift();
        state.cuts++;
        return cut();
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.pipe(client);
    for (const s of [client, upstream]) {
      s.on('error', cut);
      s.on('close', () => {
        sockets.delete(s);
        cut();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const proxyPort = typeof address === 'object' && address ? address.port : 0;
  return {
    base: `http://127.0.0.1:${proxyPort}`,
    get cuts() {
      return state.cuts;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
